// The seeded cluster simulation over the real store and driver (see sim_cluster.h).
#include "tests/sim/sim_cluster.h"

#include <stdlib.h>

#include <filesystem>
#include <future>

#include "replication/consistency_gate.h"
#include "replication/core/replicator.h"
#include "replication/driver.h"
#include "replication/log_source.h"
#include "storage.pb.h"
#include "storage/digest.h"
#include "storage/failpoint.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/replica.h"
#include "storage/store.h"

namespace meridian::sim {
using replication::ConsistencyLevel;

namespace {
constexpr uint64_t kWallBaseMs = 1'700'000'000'000;  // the simulated wall clock's epoch
constexpr uint64_t kTickMs = 10;
// A link silent for 20 ticks (two heartbeats and their acks lost) is dropped by its core; the
// dialer redials this long after.
constexpr uint64_t kLinkDeadTicks = 20;
constexpr uint64_t kRedialMs = 50;
const std::string kPrefix = storage::NamespacePrefix("t", "ns");

std::string TempBase() {
  std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string tmpl = base + "/meridian-sim-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

bool Wins(const SimWrite& a, const SimWrite& b) {
  return LwwWins(a.hlc, a.origin, b.hlc, b.origin);
}
}  // namespace

struct SimCluster::Node final : replication::DriverHost {
  SimCluster* sim = nullptr;
  int index = 0;
  std::string id, region, origin, dir;
  uint64_t skew = 0;
  bool up = false;
  uint64_t epoch = 0;  // bumped by every crash and start: stale events see it and do nothing
  bool fail_next_commit = false;
  bool restart_due = false;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<replication::StoreLogReader> log;
  std::unique_ptr<replication::Replicator> core;
  std::unique_ptr<replication::ConsistencyGate> gate;
  std::unique_ptr<replication::Driver> driver;
  // What this node's disk holds, refreshed after every commit; kept across crashes.
  uint64_t durable_last = 0;
  std::map<std::string, uint64_t> durable_applied;
  std::map<int, uint64_t> link_gen;  // peer index -> generation of the link this node dials
  std::map<int, bool> link_up;
  std::map<int, uint64_t> stream_at;  // peer index -> last in-order (TCP) delivery time
  uint64_t fsync_at = 0;              // batches reach the writer in order

  void SendEntries(const std::string& peer, const replication::EntriesMsg& msg) override {
    sim->SendEntries(*this, peer, msg);
  }
  void SendAck(const std::string& origin, const replication::AckMsg& ack) override {
    sim->SendAck(*this, origin, ack);
  }
  void StartSnapshot(const std::string& peer) override { sim->StartSnapshot(*this, peer); }
  void Persist(storage::WriteBatch batch, storage::CommitCallback done) override {
    sim->Persist(*this, std::move(batch), std::move(done));
  }
  void DropLink(const replication::LinkRef& link) override { sim->DropLink(*this, link); }
};

struct SimCluster::TokenRead {
  int node;
  std::string key;
  SimWrite write;
};

SimCluster::SimCluster(uint64_t seed, SimOptions options)
    : options_(options), rng_(seed), base_dir_(TempBase()) {
  for (int r = 0; r < options_.regions; ++r) {
    for (int k = 0; k < options_.nodes_per_region; ++k) {
      CreateNode(static_cast<int>(nodes_.size()), "r" + std::to_string(r + 1));
    }
  }
}

SimCluster::~SimCluster() {
  for (auto& n : nodes_) {
    if (n->up) CrashNode(*n);
  }
  if (!base_dir_.empty()) std::filesystem::remove_all(base_dir_);
}

void SimCluster::CreateNode(int index, const std::string& region) {
  auto n = std::make_unique<Node>();
  n->sim = this;
  n->index = index;
  n->id = "n" + std::to_string(index + 1);
  n->region = region;
  n->origin = n->id + ".sim";  // fixed, so runs and scripted outputs are reproducible
  n->dir = base_dir_ + "/" + n->id;
  n->skew = Rand(100);  // up to 100 ms of clock skew between nodes
  // The data directory with its identity, as Store::Open would create it (origin id fixed).
  auto env = storage::Env::Open({n->dir, uint64_t{64} << 20});
  Status st = env.status();
  if (env.ok()) {
    auto txn = (*env)->BeginWrite();
    st = txn.status();
    if (st.ok()) st = txn->Put(storage::Db::kMeta, "node_id", n->id);
    if (st.ok()) st = txn->Put(storage::Db::kMeta, "origin_id", n->origin);
    if (st.ok()) st = txn->Commit();
  }
  if (!st.ok()) Fail("cannot create " + n->dir + ": " + st.ToString());
  nodes_.push_back(std::move(n));
}

uint64_t SimCluster::Rand(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
bool SimCluster::Chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

void SimCluster::At(uint64_t time, std::string what, Event event) {
  const uint64_t id = event_counter_++;
  events_.emplace(id, std::move(event));
  queue_.emplace(time, id, std::move(what));
}

void SimCluster::Trace(const std::string& what) {
  for (char c : std::to_string(now_) + ":" + what + ";") {
    trace_hash_ = (trace_hash_ ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  }
}

void SimCluster::Fail(const std::string& why) {
  if (failure_.empty()) failure_ = "t=" + std::to_string(now_) + "ms: " + why;
}

SimCluster::Node& SimCluster::NodeById(const std::string& id) {
  return *nodes_[std::stoi(id.substr(1)) - 1];
}

bool SimCluster::LinkUp(const Node& a, const Node& b) const {
  return a.up && b.up && !cut_.count({std::min(a.index, b.index), std::max(a.index, b.index)});
}

uint64_t SimCluster::LinkGen(const Node& dialer, const Node& listener) const {
  auto it = dialer.link_gen.find(listener.index);
  return it == dialer.link_gen.end() ? 0 : it->second;
}

void SimCluster::StartNode(Node& n) {
  storage::StoreOptions so;
  so.dir = n.dir;
  so.node_id = n.id;
  so.map_size_bytes = uint64_t{64} << 20;
  so.writer.wall_ms = [this, &n] { return kWallBaseMs + now_ + n.skew; };
  auto store = storage::Store::Open(std::move(so));
  if (!store.ok()) return Fail(n.id + " does not open: " + store.status().ToString());
  n.store = std::move(*store);
  // Durable means durable: what the disk holds after the restart is what was committed.
  auto state = replication::LoadPersistedState(*n.store);
  if (!state.ok()) return Fail(n.id + " state: " + state.status().ToString());
  if (state->last_seq != n.durable_last) Fail(n.id + " restarted with another log end");
  for (const auto& [origin, seq] : n.durable_applied) {
    auto it = state->applied.find(origin);
    if ((it == state->applied.end() ? 0 : it->second) != seq) {
      Fail(n.id + " restarted with another applied position of " + origin);
    }
  }
  std::vector<std::string> peers;
  std::vector<replication::Member> members;
  for (const auto& m : nodes_) {
    if (m.get() != &n) peers.push_back(m->id);
    members.push_back({m->id, m->region});
  }
  replication::ReplicatorOptions opts;
  opts.max_batch_entries = 8;
  opts.max_inflight_entries = 32;
  opts.retransmit_ms = 300;
  opts.heartbeat_ms = 100;
  opts.snapshot_timeout_ms = 1000;
  opts.max_log_entries = options_.max_log_entries;
  opts.truncate_every_entries = 4;  // batched, and flushed on ticks
  opts.truncate_flush_ms = 200;
  opts.gc_interval_ms = options_.gc_interval_ms;
  opts.link_dead_ticks = kLinkDeadTicks;
  n.log = std::make_unique<replication::StoreLogReader>(n.store.get());
  n.core = std::make_unique<replication::Replicator>(n.origin, peers, std::move(*state),
                                                     n.log.get(), opts);
  n.gate = std::make_unique<replication::ConsistencyGate>(replication::Quorum(members, n.id));
  n.gate->Durable(n.id, n.store->writer().committed_seq());
  n.driver = std::make_unique<replication::Driver>(n.core.get(), n.gate.get(), n.log.get(), &n);
  n.up = true;
  n.restart_due = false;
  n.epoch++;
  n.link_up.clear();
  ScheduleTick(n, now_ + Rand(kTickMs));
}

void SimCluster::CrashNode(Node& n) {
  n.up = false;
  n.epoch++;  // batches not yet fsync'd and pending answers are dropped with it
  n.driver.reset();
  n.gate.reset();  // waiting clients of a crashed node never hear back
  n.core.reset();
  n.log.reset();
  n.store.reset();  // nothing is queued in its writer: batches reach it only to commit
  n.link_up.clear();
}

void SimCluster::ScheduleTick(Node& n, uint64_t at) {
  At(at, "tick " + n.id, [this, &n, epoch = n.epoch] {
    if (n.epoch != epoch) return;
    n.driver->OnTick(now_);
    ScheduleTick(n, now_ + kTickMs);
  });
}

void SimCluster::UpdateLinks() {
  for (auto& a : nodes_) {
    for (auto& b : nodes_) {
      if (a == b) continue;
      const bool up = LinkUp(*a, *b);
      if (up == a->link_up[b->index]) continue;
      a->link_up[b->index] = up;
      a->link_gen[b->index]++;
      a->stream_at.erase(b->index);
      if (!up && b->up) b->driver->OnInboundLost(a->origin);  // the listener sees it close
      if (!a->up) continue;
      if (up) {
        // The handshake: the listener learns the dialer's origin and answers how far it
        // applied the dialer's log.
        b->driver->OnInboundLink(a->id, a->origin);
        a->driver->OnOutboundLink(b->id, b->core->AppliedFrom(a->origin), now_);
      } else {
        a->driver->OnOutboundLost(b->id);
      }
    }
  }
}

void SimCluster::DropLink(Node& n, const replication::LinkRef& link) {
  // The connection closes: the dialer's side of it, whichever end the core found silent.
  Node* dialer = &n;
  Node* listener = &n;
  for (auto& m : nodes_) {
    if (link.dir == replication::LinkRef::Dir::kOutbound ? m->id == link.id
                                                         : m->origin == link.id) {
      (link.dir == replication::LinkRef::Dir::kOutbound ? listener : dialer) = m.get();
    }
  }
  if (dialer == listener || !dialer->link_up[listener->index]) return;
  links_dropped_++;
  dialer->link_up[listener->index] = false;
  dialer->link_gen[listener->index]++;
  dialer->stream_at.erase(listener->index);
  if (listener->up) listener->driver->OnInboundLost(dialer->origin);
  if (dialer->up) dialer->driver->OnOutboundLost(listener->id);
  At(now_ + kRedialMs, "redial " + dialer->id + ">" + listener->id, [this] { UpdateLinks(); });
}

void SimCluster::Send(Node& from, Node& to, bool from_dialed, std::string what,
                      std::function<void(Node&)> deliver, bool lossy) {
  if (!LinkUp(from, to)) return;
  Node* dialer = from_dialed ? &from : &to;
  Node* listener = from_dialed ? &to : &from;
  const uint64_t gen = LinkGen(*dialer, *listener);
  const int copies = lossy && Chance(options_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    if (lossy && now_ < options_.fault_ms && Chance(options_.drop)) continue;
    uint64_t at = now_ + 1 + Rand(10) + (from.region == to.region ? 0 : 10 + Rand(30));
    if (!lossy) {  // a stream that must stay in order (TCP): never overtakes its predecessor
      at = std::max(at, from.stream_at[to.index] + 1);
      from.stream_at[to.index] = at;
    }
    Node* src = &from;
    Node* dst = &to;
    At(at, what, [this, src, dst, dialer, listener, gen, deliver] {
      if (!LinkUp(*src, *dst) || gen != LinkGen(*dialer, *listener)) return;  // connection gone
      deliver(*dst);
    });
  }
}

void SimCluster::SendEntries(Node& n, const std::string& peer, const replication::EntriesMsg& msg) {
  Send(
      n, NodeById(peer), true, "entries " + n.id + ">" + peer,
      [this, msg, origin = n.origin](Node& dst) { dst.driver->OnEntries(origin, msg, now_); },
      true);
}

void SimCluster::SendAck(Node& n, const std::string& origin, const replication::AckMsg& ack) {
  for (auto& to : nodes_) {
    if (to->origin != origin) continue;
    Send(
        n, *to, false, "ack " + n.id + ">" + to->id,
        [this, ack, id = n.id](Node& dst) { dst.driver->OnAck(id, ack, now_); }, true);
  }
}

void SimCluster::StartSnapshot(Node& n, const std::string& peer) {
  // The service's stream, read at once: the stamp first, then every chunk.
  auto stamp = replication::SnapshotStamp(*n.store);
  if (!stamp.ok()) return;
  auto chunks = std::make_shared<std::vector<storage::SnapshotChunk>>();
  std::string next_key;
  for (bool last = false; !last;) {
    auto chunk =
        replication::ReadSnapshotChunk(*n.store, next_key, options_.snapshot_chunk_bytes, *stamp);
    if (!chunk.ok()) return;
    last = chunk->applied_seq.has_value();
    chunks->push_back(std::move(*chunk));
  }
  snapshots_++;
  Node& to = NodeById(peer);
  Send(
      n, to, true, "snapshot " + n.id + ">" + peer,
      [this, chunks, src = &n, origin = n.origin](Node& dst) {
        InstallChunks(dst, origin, chunks, 0, src, LinkGen(*src, dst));
      },
      false);
}

void SimCluster::InstallChunks(Node& n, std::string origin,
                               std::shared_ptr<std::vector<storage::SnapshotChunk>> chunks,
                               size_t next, Node* from, uint64_t gen) {
  // As the service's inbound loop: the next chunk is read only after this one committed, and
  // a failure or a broken link ends the snapshot.
  if (next >= chunks->size() || !LinkUp(*from, n) || gen != LinkGen(*from, n)) return;
  n.driver->OnSnapshotChunk(origin, (*chunks)[next],
                            [this, &n, origin, chunks, next, from, gen](Status st) {
                              if (st.ok()) InstallChunks(n, origin, chunks, next + 1, from, gen);
                            });
}

void SimCluster::Persist(Node& n, storage::WriteBatch batch, storage::CommitCallback done) {
  n.fsync_at = std::max(n.fsync_at, now_ + 1 + Rand(3));
  At(n.fsync_at, "fsync " + n.id,
     [this, &n, epoch = n.epoch, batch = std::move(batch), done = std::move(done)]() mutable {
       if (n.epoch != epoch) return;  // crashed first: never written
       Commit(n, std::move(batch), std::move(done));
     });
}

void SimCluster::Commit(Node& n, storage::WriteBatch batch, storage::CommitCallback done) {
  if (batch.collect) CheckHorizon(n, *batch.collect);
  std::optional<storage::RemoteEntries> remote = batch.remote;
  const std::string applied_origin = batch.remote     ? batch.remote->origin
                                     : batch.snapshot ? batch.snapshot->origin
                                                      : "";
  const uint64_t before = applied_origin.empty() ? 0 : n.durable_applied[applied_origin];
  std::optional<storage::failpoint::ScopedFailpoint> fault;
  if (n.fail_next_commit || (now_ < options_.fault_ms && Chance(options_.commit_fail))) {
    n.fail_next_commit = false;
    fault.emplace(storage::failpoint::kCommit);
    commit_failures_++;
    Trace("commit fails " + n.id);
  }
  const bool collect = batch.collect.has_value();
  std::promise<Result<storage::CommitInfo>> promise;
  auto answer = promise.get_future();
  n.store->Submit(std::move(batch),
                  [&promise](Result<storage::CommitInfo> r) { promise.set_value(std::move(r)); });
  Result<storage::CommitInfo> r = answer.get();
  fault.reset();
  if (collect && r.ok()) collected_ += r->seq;
  // The disk's new state, and what the writer's on_durable hook reports in the node.
  const uint64_t last = n.store->writer().committed_seq();
  for (const auto& m : nodes_) {
    if (m.get() != &n) n.durable_applied[m->origin] = n.store->applied().Get(m->origin);
  }
  if (remote) CheckRemoteApply(n, *remote, before, r);
  if (!n.store->writer().health().ok() && !n.restart_due) {
    n.restart_due = true;  // the operator (or systemd) restarts a node whose storage failed
    At(now_ + 50 + Rand(300), "restart after storage failure " + n.id, [this, &n] {
      if (!n.up || !n.restart_due) return;
      CrashNode(n);
      StartNode(n);
      UpdateLinks();
    });
  }
  const uint64_t epoch = n.epoch;
  if (last > n.durable_last) {
    n.durable_last = last;
    n.gate->Durable(n.id, last);
    n.driver->OnLocalCommit(last, now_);
  }
  CheckTokenReads();
  if (n.epoch == epoch) done(std::move(r));
}

void SimCluster::CheckRemoteApply(Node& n, const storage::RemoteEntries& remote, uint64_t before,
                                  const Result<storage::CommitInfo>& r) {
  if (!r.ok() || remote.payloads.empty()) return;
  storage::pb::LogEntry first, last;
  first.ParseFromString(remote.payloads.front());
  last.ParseFromString(remote.payloads.back());
  // Exactly once: entries at or below the durable position are skipped, the rest applied.
  const uint64_t expected = std::max(before, last.seq());
  if (first.seq() > before + 1 || r->seq != expected) {
    return Fail(n.id + " applied " + remote.origin + " to " + std::to_string(r->seq) + " from " +
                std::to_string(before) + " with entries " + std::to_string(first.seq()) + ".." +
                std::to_string(last.seq()));
  }
  for (uint64_t s = before + 1; s <= r->seq; ++s) {
    if (++apply_count_[{n.index, remote.origin, s}] > 1) {
      Fail(n.id + " applied " + remote.origin + ":" + std::to_string(s) + " twice");
    }
  }
}

uint64_t SimCluster::Holds(const Node& n, const std::string& origin) const {
  if (n.origin == origin) return n.durable_last;
  auto it = n.durable_applied.find(origin);
  return it == n.durable_applied.end() ? 0 : it->second;
}

void SimCluster::CheckHorizon(const Node& n, const storage::TombstoneHorizon& horizon) {
  // A tombstone may go only once every node holds its origin's log up to it.
  for (const auto& [origin, stable] : horizon.stable) {
    for (const auto& m : nodes_) {
      if (Holds(*m, origin) < stable) {
        return Fail(n.id + " collects with " + origin + " stable at " + std::to_string(stable) +
                    " but " + m->id + " holds " + std::to_string(Holds(*m, origin)));
      }
    }
  }
}

void SimCluster::CheckReleased(const std::string& origin, const std::string& region, uint64_t seq,
                               ConsistencyLevel level) {
  // No client may hear "done" for a level its write has not durably reached.
  std::map<std::string, std::pair<int, int>> per_region;  // region -> (holding, total)
  for (const auto& m : nodes_) {
    auto& [holding, total] = per_region[m->region];
    total++;
    holding += Holds(*m, origin) >= seq;
  }
  for (const auto& [r, counts] : per_region) {
    if (level == ConsistencyLevel::kLocalRegion && r != region) continue;
    if (counts.first * 2 <= counts.second) {
      Fail(origin + ":" + std::to_string(seq) + " was released before its level held");
    }
  }
}

void SimCluster::Write(int index, const std::string& key, std::optional<std::string> value,
                       ConsistencyLevel level) {
  Node& n = *nodes_[index];
  if (!n.up) return Note(n.id + " write " + key + ": node down");
  storage::WriteBatch batch;
  if (value) {
    batch.Put(kPrefix + key, *value);
  } else {
    batch.Delete(kPrefix + key);
  }
  const char* level_name = level == ConsistencyLevel::kAllRegions ? "all_regions" : "local_region";
  Persist(n, std::move(batch),
          [this, &n, key, value, level, level_name](Result<storage::CommitInfo> r) {
            if (!r.ok())
              return Note(n.id + " write " + key + ": failed (" + r.status().ToString() + ")");
            if (!r->logged) return Note(n.id + " write " + key + ": no change");
            writes_.push_back({key, value, r->hlc, n.origin, r->seq});
            const std::string token = n.origin + ":" + std::to_string(r->seq);
            Note(n.id + " write " + key + ": committed " + token);
            n.gate->Wait(r->seq, level,
                         [this, origin = n.origin, region = n.region, seq = r->seq, level, token,
                          level_name] {
                           CheckReleased(origin, region, seq, level);
                           acked_writes_++;
                           Note(token + " released " + level_name);
                         });
          });
}

void SimCluster::ReadAfter(int index, const std::string& key, const std::string& token) {
  Node& n = *nodes_[index];
  const size_t colon = token.rfind(':');
  const std::string origin = token.substr(0, colon);
  const uint64_t seq = std::stoull(token.substr(colon + 1));
  SimWrite write;
  for (const auto& w : writes_) {
    if (w.origin == origin && w.seq == seq) write = w;
  }
  if (!n.up || write.key != key) return Note(n.id + " read " + key + ": no such write");
  auto read = std::make_shared<TokenRead>(TokenRead{index, key, write});
  n.store->applied().Wait(origin, seq, [this, read] {
    std::lock_guard lock(token_mu_);
    token_reached_.push_back(read);
  });
  CheckTokenReads();
}

void SimCluster::CheckTokenReads() {
  std::vector<std::shared_ptr<TokenRead>> reached;
  {
    std::lock_guard lock(token_mu_);
    reached.swap(token_reached_);
  }
  for (const auto& read : reached) {
    Node& n = *nodes_[read->node];
    // A read that waited for a token sees that write or one that beats it.
    std::string seen = "absent";
    if (auto txn = n.store->Read(); txn.ok()) {
      auto rec = storage::GetAnyRecord(*txn, kPrefix + read->key);
      if (rec.ok() && rec->has_value()) {
        const auto& r = **rec;
        SimWrite now{read->key, std::nullopt, Hlc(r.hlc()), r.origin(), 0};
        const bool same = now.hlc == read->write.hlc && now.origin == read->write.origin;
        if (!same && !Wins(now, read->write)) Fail(n.id + " answered a token read early");
        seen = r.tombstone() ? "deleted" : r.value();
      } else if (read->write.value) {
        Fail(n.id + " answered a token read early");
      }
    }
    if (Holds(n, read->write.origin) < read->write.seq) Fail(n.id + " token before its apply");
    Note(n.id + " read " + read->key + " after " + read->write.origin + ":" +
         std::to_string(read->write.seq) + ": " + seen);
  }
}

std::map<std::string, SimWrite> SimCluster::Expected() const {
  std::map<std::string, SimWrite> expected;
  for (const auto& w : writes_) {
    auto it = expected.find(w.key);
    if (it == expected.end() || Wins(w, it->second)) expected[w.key] = w;
  }
  return expected;
}

bool SimCluster::Check() {
  if (!failure_.empty()) return false;
  std::map<std::string, std::string> live;  // the last writer's value of every live key
  for (const auto& [key, w] : Expected()) {
    if (w.value) live[key] = *w.value + "@" + w.origin;
  }
  std::optional<storage::Digest> digest;
  for (const auto& n : nodes_) {
    if (!n->up) {
      Fail(n->id + " is down at the end");
      return false;
    }
    std::map<std::string, std::string> have;
    auto txn = n->store->Read();
    if (!txn.ok()) {
      Fail(n->id + " read: " + txn.status().ToString());
      return false;
    }
    Status st = storage::ScanLive(*txn, kPrefix, [&](std::string_view name, const auto& rec) {
      have[std::string(name)] = rec.value() + "@" + rec.origin();
      return true;
    });
    if (!st.ok() || have != live) {
      Fail(n->id + " did not converge to the last-writer-wins state of every committed write");
      return false;
    }
    auto node = storage::DigestPrefix(*txn, "", 0);
    if (!node.ok() || (digest && node->digest != *digest)) {
      Fail(n->id + "'s digest differs");
      return false;
    }
    digest = node->digest;
    for (const auto& m : nodes_) {
      uint64_t written = 0;  // the origin's last write (clock entries may still travel)
      for (const auto& w : writes_) {
        if (w.origin == m->origin) written = std::max(written, w.seq);
      }
      if (Holds(*n, m->origin) < written) {
        Fail(n->id + " did not apply all of " + m->id + "'s writes");
        return false;
      }
    }
  }
  return true;
}

int SimCluster::AddNode(const std::string& region) {
  CreateNode(static_cast<int>(nodes_.size()), region);
  return static_cast<int>(nodes_.size()) - 1;
}

void SimCluster::Start() {
  for (auto& n : nodes_) StartNode(*n);
  UpdateLinks();
}

void SimCluster::RunFor(uint64_t ms) {
  const uint64_t end = now_ + ms;
  // Bounded: each event is due by `end`, and ticks reschedule themselves 10 ms apart.
  for (uint64_t steps = 0; !queue_.empty() && steps < 5'000'000; ++steps) {
    auto [time, id, what] = queue_.top();
    if (time > end) break;
    queue_.pop();
    now_ = std::max(now_, time);
    Trace(what);
    auto event = std::move(events_[id]);
    events_.erase(id);
    event();
    if (!failure_.empty()) return;
  }
  now_ = end;
}

void SimCluster::Cut(int a, int b) {
  cut_.insert({std::min(a, b), std::max(a, b)});
  UpdateLinks();
}

void SimCluster::HealAll() {
  cut_.clear();
  for (auto& n : nodes_) {
    if (!n->up || n->restart_due) {
      if (n->up) CrashNode(*n);
      StartNode(*n);
    }
  }
  UpdateLinks();
}

void SimCluster::Crash(int index) {
  if (!nodes_[index]->up) return;
  CrashNode(*nodes_[index]);
  UpdateLinks();
}

void SimCluster::Restart(int index) {
  if (nodes_[index]->up) return;
  StartNode(*nodes_[index]);
  UpdateLinks();
}

void SimCluster::FailNextCommit(int index) { nodes_[index]->fail_next_commit = true; }

std::vector<std::string> SimCluster::TakeEvents() {
  std::vector<std::string> out;
  out.swap(events_out_);
  return out;
}

std::string SimCluster::Dump(int index) {
  Node& n = *nodes_[index];
  std::string out;
  if (!n.up) return n.id + ": down\n";
  auto txn = n.store->Read();
  if (!txn.ok()) return n.id + ": " + txn.status().ToString() + "\n";
  (void)txn->Scan(storage::Db::kData, kPrefix, [&](std::string_view key, std::string_view value) {
    storage::pb::Record rec;
    rec.ParseFromString(std::string(value));
    out += n.id + ": " + std::string(storage::NameOf(key, kPrefix)) + " = " +
           (rec.tombstone() ? "<tombstone>" : rec.value()) + " by " + rec.origin() + ":" +
           std::to_string(rec.origin_seq()) + "\n";
    return true;
  });
  auto first = storage::FirstLogSeq(*txn);
  out += n.id + ": log " + (first.ok() ? std::to_string(*first) : "?") + ".." +
         std::to_string(n.durable_last) + "\n";
  for (const auto& m : nodes_) {
    if (m.get() == &n) continue;
    out += n.id + ": applied " + m->origin + " " + std::to_string(Holds(n, m->origin)) + "\n";
  }
  return out;
}

std::string SimCluster::Peers(int index) {
  Node& n = *nodes_[index];
  if (!n.up) return n.id + ": down\n";
  std::string out;
  for (const auto& m : nodes_) {
    if (m.get() == &n) continue;
    auto v = n.core->Peer(m->id);
    out += n.id + " -> " + m->id + ": " + (v.connected ? "connected" : "disconnected") +
           (v.snapshotting ? " snapshotting" : "") + " acked " + std::to_string(v.acked) + "\n";
  }
  return out;
}

bool SimCluster::Run() {
  Start();
  const uint64_t end = options_.fault_ms + options_.settle_ms;
  for (int i = 0; i < options_.writes; ++i) {
    const int n = static_cast<int>(Rand(nodes_.size()));
    const std::string key = "k" + std::to_string(Rand(options_.keys));
    std::optional<std::string> value;
    if (!Chance(0.1)) value = "v" + std::to_string(i);
    const auto level = Chance(0.5) ? ConsistencyLevel::kAllRegions : ConsistencyLevel::kLocalRegion;
    const int reader = Chance(0.3) ? static_cast<int>(Rand(nodes_.size())) : -1;
    At(Rand(options_.fault_ms), "write n" + std::to_string(n + 1),
       [this, n, key, value, level, reader] {
         const size_t before = writes_.size();
         Write(n, key, value, level);
         if (reader < 0) return;
         // A read with the write's token, once the write committed.
         At(now_ + 5, "token read", [this, reader, before, key] {
           if (writes_.size() <= before || !nodes_[reader]->up) return;
           for (size_t i = before; i < writes_.size(); ++i) {
             if (writes_[i].key == key) {
               ReadAfter(reader, key, writes_[i].origin + ":" + std::to_string(writes_[i].seq));
               return;
             }
           }
         });
       });
  }
  for (int i = 0; i < 4; ++i) {  // partitions: one pair, or one node from everyone
    const uint64_t start = Rand(options_.fault_ms), length = 100 + Rand(1000);
    const int a = static_cast<int>(Rand(nodes_.size()));
    const int b = Chance(0.5) ? -1 : static_cast<int>(Rand(nodes_.size()));
    At(start, "partition", [this, a, b] {
      for (int k = 0; k < static_cast<int>(nodes_.size()); ++k) {
        if (k != a && (b < 0 || k == b)) cut_.insert({std::min(a, k), std::max(a, k)});
      }
      UpdateLinks();
    });
    At(start + length, "heal", [this, a] {
      for (auto it = cut_.begin(); it != cut_.end();) {
        it = (it->first == a || it->second == a) ? cut_.erase(it) : std::next(it);
      }
      UpdateLinks();
    });
  }
  for (int i = 0; i < 3; ++i) {  // crashes: batches not yet fsync'd and messages in flight are lost
    const int n = static_cast<int>(Rand(nodes_.size()));
    const uint64_t start = Rand(options_.fault_ms), length = 50 + Rand(1500);
    At(start, "crash n" + std::to_string(n + 1), [this, n] { Crash(n); });
    At(start + length, "restart n" + std::to_string(n + 1), [this, n] { Restart(n); });
  }
  At(options_.fault_ms, "heal all", [this] { HealAll(); });
  RunFor(end);
  return failure_.empty() && Check();
}

}  // namespace meridian::sim
