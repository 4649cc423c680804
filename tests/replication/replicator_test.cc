// Direct tests of the pure replication core (replication/core/replicator.h), raft-style: feed
// inputs with an explicit clock, look at what TakeReady() hands the driver. Each test names the
// docs/replication.md rule it checks.
#include "replication/core/replicator.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace meridian::replication {
namespace {

// The own log as a map; `fail` makes every read a storage error.
class FakeLog : public LogReader {
 public:
  uint64_t FirstSeq() const override { return entries.empty() ? last + 1 : entries.begin()->first; }
  Result<std::vector<WireEntry>> Read(uint64_t from, size_t max_entries, size_t) override {
    reads++;
    if (fail) return Status::IOError("disk on fire");
    std::vector<WireEntry> out;
    for (auto it = entries.lower_bound(from); it != entries.end() && out.size() < max_entries;
         ++it) {
      out.push_back({it->first, it->second});
    }
    return out;
  }
  void Append(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      ++last;
      entries[last] = "e" + std::to_string(last);
    }
  }
  void TruncateUpto(uint64_t upto) { entries.erase(entries.begin(), entries.upper_bound(upto)); }

  std::map<uint64_t, std::string> entries;
  uint64_t last = 0;
  bool fail = false;
  int reads = 0;
};

// Seqs of every entry sent to `peer` in `ready`, in order.
std::vector<uint64_t> SentTo(const Ready& ready, const std::string& peer) {
  std::vector<uint64_t> out;
  for (const auto& [to, msg] : ready.entries) {
    if (to != peer) continue;
    for (const auto& e : msg.entries) out.push_back(e.seq);
  }
  return out;
}
std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t s = from; s <= to; ++s) out.push_back(s);
  return out;
}
EntriesMsg Entries(uint64_t prev, std::vector<uint64_t> seqs, uint64_t last, uint64_t stable = 0) {
  EntriesMsg msg{prev, {}, last, stable};
  for (uint64_t s : seqs) msg.entries.push_back({s, "p" + std::to_string(s)});
  return msg;
}

class ReplicatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Replicator> Make(std::vector<std::string> peers = {"n2", "n3"},
                                   PersistedState state = {}) {
    state.last_seq = log_.last;
    return std::make_unique<Replicator>("n1.o", std::move(peers), std::move(state), &log_,
                                        options_);
  }
  ReplicatorTest() { options_.truncate_every_entries = 1; }  // unbatched unless a test says so
  FakeLog log_;
  ReplicatorOptions options_;
};

// "Logs and incarnations" / LogReader contract: a storage error while reading the own log is
// reported once, nothing is sent as if the log ended, and streaming resumes after it clears.
TEST_F(ReplicatorTest, LogReadErrorIsReportedNotTakenForTheEndOfTheLog) {
  log_.Append(3);
  auto core = Make({"n2"});
  log_.fail = true;
  core->PeerConnected("n2", 0, 0);
  Ready ready = core->TakeReady();
  EXPECT_FALSE(ready.log_error.ok());
  EXPECT_EQ(ready.log_error.code(), Status::Code::kIOError);
  EXPECT_TRUE(SentTo(ready, "n2").empty());
  EXPECT_FALSE(core->log_status().ok());
  EXPECT_EQ(core->Peer("n2").next, 1u) << "a failed read must not move the stream";

  core->Tick(10);  // still failing: retried, but reported once per failing spell
  ready = core->TakeReady();
  EXPECT_TRUE(ready.log_error.ok());
  EXPECT_TRUE(SentTo(ready, "n2").empty());
  EXPECT_GE(log_.reads, 2);

  log_.fail = false;
  core->Tick(20);
  EXPECT_EQ(SentTo(core->TakeReady(), "n2"), Range(1, 3));
  EXPECT_TRUE(core->log_status().ok());
}

// "Links": a connected peer gets the log from its handshake position; its acks become durable
// positions for the consistency gate.
TEST_F(ReplicatorTest, StreamsFromTheHandshakePositionAndReportsAcks) {
  log_.Append(5);
  auto core = Make({"n2"});
  core->PeerConnected("n2", 2, 0);
  Ready ready = core->TakeReady();
  EXPECT_EQ(SentTo(ready, "n2"), Range(3, 5));
  ASSERT_EQ(ready.durable.size(), 1u);
  EXPECT_EQ(ready.durable[0], (std::pair<std::string, uint64_t>{"n2", 2}));
  ASSERT_FALSE(ready.entries.empty());
  EXPECT_EQ(ready.entries[0].second.prev_seq, 2u);
  EXPECT_EQ(ready.entries[0].second.last_seq, 5u);

  core->Step("n2", AckMsg{5}, 1);
  ready = core->TakeReady();
  ASSERT_EQ(ready.durable.size(), 1u);
  EXPECT_EQ(ready.durable[0].second, 5u);
  EXPECT_EQ(core->Peer("n2").acked, 5u);

  log_.Append(1);
  core->LocalAppended(6, 2);
  EXPECT_EQ(SentTo(core->TakeReady(), "n2"), Range(6, 6));
}

// "The pure core": at most max_inflight_entries unacknowledged entries per peer.
TEST_F(ReplicatorTest, WindowBoundsUnacknowledgedEntries) {
  options_.max_inflight_entries = 4;
  options_.max_batch_entries = 3;
  log_.Append(10);
  auto core = Make({"n2"});
  core->PeerConnected("n2", 0, 0);
  EXPECT_EQ(SentTo(core->TakeReady(), "n2"), Range(1, 4));
  core->Step("n2", AckMsg{2}, 1);
  EXPECT_EQ(SentTo(core->TakeReady(), "n2"), Range(5, 6));
}

// "The pure core": no ack progress for retransmit_ms resends from acked+1; an idle stream
// sends heartbeats.
TEST_F(ReplicatorTest, RetransmitsAfterSilenceAndHeartbeatsWhenIdle) {
  options_.retransmit_ms = 1000;
  options_.heartbeat_ms = 250;
  log_.Append(3);
  auto core = Make({"n2"});
  core->PeerConnected("n2", 0, 0);
  EXPECT_EQ(SentTo(core->TakeReady(), "n2"), Range(1, 3));
  core->Tick(500);  // too early to resend; a heartbeat goes out
  Ready ready = core->TakeReady();
  EXPECT_TRUE(SentTo(ready, "n2").empty());
  EXPECT_FALSE(ready.entries.empty());
  core->Tick(1000);
  EXPECT_EQ(SentTo(core->TakeReady(), "n2"), Range(1, 3));
  core->Step("n2", AckMsg{3}, 1100);
  core->TakeReady();
  core->Tick(3000);
  ready = core->TakeReady();
  EXPECT_TRUE(SentTo(ready, "n2").empty()) << "everything acked: nothing to resend";
}

// "The pure core", receiver side: in sequence after `pending`, duplicates skipped, a gap stops
// the batch; the ack goes out only after Applied (after the writer's commit).
TEST_F(ReplicatorTest, ReceiverAppliesInOrderAndAcksOnlyAfterPersisting) {
  auto core = Make({"n2"});
  core->Step("n2.o", Entries(0, {1, 2, 4}, 4, 1), 0);
  Ready ready = core->TakeReady();
  ASSERT_EQ(ready.apply.size(), 1u);
  EXPECT_EQ(ready.apply[0].origin, "n2.o");
  ASSERT_EQ(ready.apply[0].entries.size(), 2u);
  EXPECT_EQ(ready.apply[0].entries[1].seq, 2u);
  EXPECT_TRUE(ready.acks.empty()) << "no ack before the entries are durable";
  EXPECT_EQ(core->StableOf("n2.o"), 1u);
  EXPECT_EQ(core->AnnouncedBy("n2.o"), 4u);

  core->Step("n2.o", Entries(0, {1, 2}, 4), 1);  // a duplicate while pending: nothing new
  ready = core->TakeReady();
  EXPECT_TRUE(ready.apply.empty());
  EXPECT_TRUE(ready.acks.empty());

  core->Applied("n2.o", 2);
  ready = core->TakeReady();
  ASSERT_EQ(ready.acks.size(), 1u);
  EXPECT_EQ(ready.acks[0].first, "n2.o");
  EXPECT_EQ(ready.acks[0].second.applied_seq, 2u);
  EXPECT_EQ(core->AppliedFrom("n2.o"), 2u);

  core->Step("n2.o", Entries(2, {3}, 4), 2);
  ready = core->TakeReady();
  ASSERT_EQ(ready.apply.size(), 1u);
  EXPECT_EQ(ready.apply[0].entries[0].seq, 3u);
}

// "Failure behaviour": an apply that fails is forgotten and taken again when resent.
TEST_F(ReplicatorTest, FailedApplyIsForgottenAndTakenAgain) {
  auto core = Make({"n2"});
  core->Step("n2.o", Entries(0, {1, 2}, 2), 0);
  ASSERT_EQ(core->TakeReady().apply.size(), 1u);
  core->ApplyFailed("n2.o");
  EXPECT_EQ(core->AppliedFrom("n2.o"), 0u);
  core->Step("n2.o", Entries(0, {1, 2}, 2), 1);
  Ready ready = core->TakeReady();
  ASSERT_EQ(ready.apply.size(), 1u);
  EXPECT_EQ(ready.apply[0].entries.size(), 2u);
}

// "Catch-up, truncation, snapshots": the own log is truncated up to what every peer has
// acknowledged, never past a peer that has not been heard from this run.
TEST_F(ReplicatorTest, TruncatesOnlyWhatEveryPeerAcknowledged) {
  log_.Append(6);
  auto core = Make({"n2", "n3"});
  core->PeerConnected("n2", 0, 0);
  core->Step("n2", AckMsg{6}, 1);
  EXPECT_FALSE(core->TakeReady().truncate_upto) << "n3 has not been heard from";
  core->PeerConnected("n3", 4, 2);
  Ready ready = core->TakeReady();
  ASSERT_TRUE(ready.truncate_upto);
  EXPECT_EQ(*ready.truncate_upto, 4u);
  EXPECT_EQ(core->StableSeq(), 4u);
  core->Step("n3", AckMsg{6}, 3);
  ready = core->TakeReady();
  ASSERT_TRUE(ready.truncate_upto);
  EXPECT_EQ(*ready.truncate_upto, 6u);
}

// "Catch-up, truncation, snapshots": past max_log_entries the log is truncated anyway; the
// lagging peer then needs a snapshot, which ends when its ack reaches the retained log.
TEST_F(ReplicatorTest, RetentionCutsALaggingPeerLooseAndASnapshotBringsItBack) {
  options_.max_log_entries = 4;
  options_.snapshot_timeout_ms = 1000;
  options_.gc_interval_ms = 100;
  auto core = Make({"n2"});
  log_.Append(10);
  core->LocalAppended(10, 0);
  Ready ready = core->TakeReady();
  ASSERT_TRUE(ready.truncate_upto);
  EXPECT_EQ(*ready.truncate_upto, 6u);
  log_.TruncateUpto(6);

  core->PeerConnected("n2", 2, 1);
  ready = core->TakeReady();
  ASSERT_EQ(ready.snapshots, std::vector<std::string>{"n2"});
  EXPECT_TRUE(SentTo(ready, "n2").empty());
  EXPECT_TRUE(core->Peer("n2").snapshotting);

  core->Tick(500);  // no heartbeats or entries while the snapshot streams
  EXPECT_TRUE(core->TakeReady().entries.empty());

  // What retention truncated is not stable: n2 does not hold it (found by tests/sim: a
  // tombstone purged on that word was never seen by n2, and its old value came back).
  EXPECT_EQ(core->StableSeq(), 2u);
  core->PeerOrigin("n2", "n2.o");
  core->Tick(700);
  ready = core->TakeReady();
  ASSERT_TRUE(ready.collect);
  EXPECT_EQ(ready.collect->stable.at("n1.o"), 2u);

  core->Step("n2", AckMsg{8}, 800);  // the installed snapshot's stamp
  ready = core->TakeReady();
  EXPECT_FALSE(core->Peer("n2").snapshotting);
  EXPECT_EQ(SentTo(ready, "n2"), Range(9, 10));
}

// "Links" state diagram: a snapshot not acknowledged within snapshot_timeout_ms starts again.
TEST_F(ReplicatorTest, UnacknowledgedSnapshotIsRestarted) {
  options_.max_log_entries = 2;
  options_.snapshot_timeout_ms = 1000;
  auto core = Make({"n2"});
  log_.Append(5);
  core->LocalAppended(5, 0);
  log_.TruncateUpto(*core->TakeReady().truncate_upto);
  core->PeerConnected("n2", 0, 0);
  EXPECT_EQ(core->TakeReady().snapshots.size(), 1u);
  core->Tick(999);
  EXPECT_TRUE(core->TakeReady().snapshots.empty());
  core->Tick(1000);
  EXPECT_EQ(core->TakeReady().snapshots.size(), 1u);
}

// "Logs and incarnations": the peer's handshake answer is the truth even when lower than what
// it acknowledged before (a rebuilt peer has less).
TEST_F(ReplicatorTest, HandshakePositionReplacesAnEarlierAck) {
  log_.Append(4);
  auto core = Make({"n2"});
  core->PeerConnected("n2", 0, 0);
  core->Step("n2", AckMsg{4}, 1);
  core->TakeReady();
  core->PeerDisconnected("n2");
  EXPECT_FALSE(core->Peer("n2").connected);
  core->PeerConnected("n2", 1, 2);
  Ready ready = core->TakeReady();
  EXPECT_EQ(core->Peer("n2").acked, 1u);
  EXPECT_EQ(SentTo(ready, "n2"), Range(2, 4));
}

// "Consistency levels": EntriesMsg carries the stable position (every peer holds it).
TEST_F(ReplicatorTest, EntriesCarryTheStablePosition) {
  log_.Append(3);
  auto core = Make({"n2", "n3"});
  core->PeerConnected("n2", 3, 0);
  core->PeerConnected("n3", 2, 0);
  core->TakeReady();
  core->Tick(1000);
  Ready ready = core->TakeReady();
  ASSERT_FALSE(ready.entries.empty());
  for (const auto& [peer, msg] : ready.entries) EXPECT_EQ(msg.stable_seq, 2u) << peer;
}

// "Catch-up, truncation, snapshots": truncation is batched (every truncate_every_entries, or
// what is due once truncate_flush_ms passed): the core decides, the driver just submits.
TEST_F(ReplicatorTest, TruncationIsBatchedByCountOrFlushedByTime) {
  options_.truncate_every_entries = 4;
  options_.truncate_flush_ms = 1000;
  auto core = Make({"n2"});
  core->Tick(0);
  core->PeerConnected("n2", 0, 0);
  core->TakeReady();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    log_.Append(1);
    core->LocalAppended(seq, 10 * seq);
    core->Step("n2", AckMsg{seq}, 10 * seq);
    Ready ready = core->TakeReady();
    if (seq < 4) {
      EXPECT_FALSE(ready.truncate_upto) << "seq " << seq;
    } else if (seq == 4) {
      ASSERT_TRUE(ready.truncate_upto);
      EXPECT_EQ(*ready.truncate_upto, 4u);
    } else {
      EXPECT_FALSE(ready.truncate_upto) << "one entry due: waits for the flush";
    }
  }
  core->Tick(999);
  EXPECT_FALSE(core->TakeReady().truncate_upto);
  core->Tick(1040);
  Ready ready = core->TakeReady();
  ASSERT_TRUE(ready.truncate_upto);
  EXPECT_EQ(*ready.truncate_upto, 5u);
}

// "Conflicts, deletes, tombstones": every gc_interval_ms the core hands out the collection
// horizon, but only once it knows every peer's current origin; an idle node logs a clock entry.
TEST_F(ReplicatorTest, CollectionHorizonIsDueEveryIntervalOnceEveryOriginIsKnown) {
  options_.gc_interval_ms = 1000;
  log_.Append(2);
  auto core = Make({"n2", "n3"});
  core->Tick(0);
  core->PeerConnected("n2", 2, 0);
  core->PeerConnected("n3", 1, 0);
  core->PeerOrigin("n2", "n2.o");
  core->Step("n2.o", Entries(0, {}, 0, 7), 0);  // n2 announces its log stable up to 7
  core->TakeReady();
  core->Tick(999);
  EXPECT_FALSE(core->TakeReady().collect);
  core->Tick(1000);
  Ready ready = core->TakeReady();
  EXPECT_FALSE(ready.collect) << "n3's origin is unknown: nothing is safe to collect";
  EXPECT_TRUE(ready.clock_entry) << "no own commit for a whole interval";

  core->PeerOrigin("n3", "n3.o");
  log_.Append(1);
  core->LocalAppended(3, 1500);
  core->TakeReady();
  core->Tick(2000);
  ready = core->TakeReady();
  ASSERT_TRUE(ready.collect);
  EXPECT_FALSE(ready.clock_entry) << "this node wrote within the interval";
  EXPECT_EQ(ready.collect->origins, (std::vector<std::string>{"n1.o", "n2.o", "n3.o"}));
  EXPECT_EQ(ready.collect->stable.at("n1.o"), 1u) << "n3 acknowledged only 1";
  EXPECT_EQ(ready.collect->stable.at("n2.o"), 7u);
  EXPECT_EQ(ready.collect->stable.at("n3.o"), 0u);
}

// Restart: applied positions that survived on disk are the receiver's starting point.
TEST_F(ReplicatorTest, PersistedAppliedPositionsSurviveARestart) {
  PersistedState state;
  state.applied["n2.o"] = 7;
  auto core = Make({"n2"}, state);
  EXPECT_EQ(core->AppliedFrom("n2.o"), 7u);
  core->Step("n2.o", Entries(0, {6, 7, 8}, 8), 0);
  Ready ready = core->TakeReady();
  ASSERT_EQ(ready.apply.size(), 1u);
  ASSERT_EQ(ready.apply[0].entries.size(), 1u);
  EXPECT_EQ(ready.apply[0].entries[0].seq, 8u);
}

// "Links" / liveness: the core, not the driver, decides a link is dead: one on which nothing
// was heard for exactly link_dead_ticks Ticks is dropped (once); one heard from stays.
TEST_F(ReplicatorTest, ASilentLinkIsDroppedAfterExactlyTheDeadTicks) {
  options_.link_dead_ticks = 5;
  options_.heartbeat_ms = 1000000;  // no traffic of the core's own in this test
  auto core = Make({"n2", "n3"});
  core->PeerConnected("n2", 0, 0);
  core->PeerConnected("n3", 0, 0);
  core->PeerOrigin("n2", "n2.o");
  core->TakeReady();
  const LinkRef out2{LinkRef::Dir::kOutbound, "n2"};
  const LinkRef out3{LinkRef::Dir::kOutbound, "n3"};
  const LinkRef in2{LinkRef::Dir::kInbound, "n2.o"};
  for (uint64_t t = 1; t < 5; ++t) {
    core->Tick(t);
    core->Step("n3", AckMsg{0}, t);  // n3 acks every tick
    EXPECT_TRUE(core->TakeReady().drop_links.empty()) << "tick " << t;
  }
  core->Tick(5);
  auto ready = core->TakeReady();
  EXPECT_EQ(ready.drop_links, (std::vector<LinkRef>{out2, in2}));
  EXPECT_FALSE(core->Peer("n2").connected);  // nothing more is sent on it
  EXPECT_TRUE(core->Peer("n3").connected);
  for (uint64_t t = 6; t < 30; ++t) {
    core->Step("n3", AckMsg{0}, t);
    core->Tick(t);
    EXPECT_TRUE(core->TakeReady().drop_links.empty()) << "tick " << t;  // n3 alive; n2 once
  }
}

// "Links" / liveness: anything heard resets the count (entries, acks, Heard for snapshot
// chunks); a reconnect starts it afresh; a peer being sent a snapshot is not dropped for the
// acks it cannot send meanwhile.
TEST_F(ReplicatorTest, HeardLinksStayAliveAndSnapshotsPauseTheCount) {
  options_.link_dead_ticks = 3;
  options_.heartbeat_ms = 1000000;
  options_.max_log_entries = 1;
  auto core = Make({"n2"});
  core->PeerOrigin("n2", "n2.o");
  const LinkRef in2{LinkRef::Dir::kInbound, "n2.o"};
  for (uint64_t t = 1; t < 10; ++t) {
    core->Tick(t);
    if (t % 3 == 0) core->Step("n2.o", Entries(0, {}, 0), t);
    if (t % 3 == 1) core->Heard(in2);
    if (t % 3 == 2) core->Step("n2.o", Entries(0, {}, 0), t);
    EXPECT_TRUE(core->TakeReady().drop_links.empty()) << "tick " << t;
  }
  core->InboundLost("n2.o");
  for (uint64_t t = 10; t < 20; ++t) core->Tick(t);
  EXPECT_TRUE(core->TakeReady().drop_links.empty());  // a lost link is not tracked
  // n2 needs a snapshot (its entries were truncated): silence while it installs is fine.
  log_.Append(5);
  log_.TruncateUpto(4);
  core->LocalAppended(5, 20);
  core->PeerConnected("n2", 0, 20);
  ASSERT_TRUE(core->Peer("n2").snapshotting);
  for (uint64_t t = 21; t < 30; ++t) core->Tick(t);
  EXPECT_TRUE(core->TakeReady().drop_links.empty());
}

}  // namespace
}  // namespace meridian::replication
