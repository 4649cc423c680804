// Tests of the group-commit writer (storage/writer.h) on a real LMDB in a temp dir: sequence
// numbers, record metadata, what is and is not logged, prefix deletes, preconditions and their
// extra mutations, group commit (a count, not a timing), oversized batches, Stop(), and the
// positions reported to the applied index and on_durable.
#include "storage/writer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage.pb.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::storage {
namespace {

using namespace std::chrono_literals;

constexpr auto kWaitLimit = 30s;  // bound on every wait; a healthy run never gets near it

class WriterTest : public ::testing::Test {
 protected:
  static constexpr const char* kOrigin = "n1.test";

  void SetUp() override {
    char tmpl[] = "/tmp/meridian-writer-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    writer_.reset();
    env_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Opens the env and starts a writer at (last_seq, last_hlc) with the test's wall clock.
  void Start(uint64_t map_size = 64 << 20, WriterOptions options = {}, uint64_t last_seq = 0,
             Hlc last_hlc = Hlc()) {
    auto env = Env::Open({dir_, map_size});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(*env);
    options.wall_ms = [this] { return now_ms_.load(); };
    options.on_durable = [this](uint64_t seq) {
      std::lock_guard lock(mu_);
      durable_.push_back(seq);
    };
    writer_ = std::make_unique<Writer>(env_.get(), &applied_, kOrigin, last_seq, last_hlc,
                                       std::move(options));
  }

  std::future<Result<CommitInfo>> SubmitAsync(WriteBatch batch) {
    auto done = std::make_shared<std::promise<Result<CommitInfo>>>();
    auto future = done->get_future();
    writer_->Submit(std::move(batch),
                    [done](Result<CommitInfo> r) { done->set_value(std::move(r)); });
    return future;
  }
  static Result<CommitInfo> Await(std::future<Result<CommitInfo>>& f) {
    if (f.wait_for(kWaitLimit) != std::future_status::ready) {
      return Status::Timeout("test: no answer from the writer");
    }
    return f.get();
  }
  Result<CommitInfo> Commit(WriteBatch batch) {
    auto f = SubmitAsync(std::move(batch));
    return Await(f);
  }
  Result<CommitInfo> Put(const std::string& key, const std::string& value) {
    WriteBatch b;
    b.Put(key, value);
    return Commit(std::move(b));
  }

  // Occupies the writer thread inside a precondition until Release(), so that batches submitted
  // meanwhile queue up and are folded into the next group.
  struct Hold {
    std::shared_ptr<std::promise<void>> release;
    std::future<Result<CommitInfo>> done;
    void Release() { release->set_value(); }
  };
  Hold HoldWriter() {
    auto entered = std::make_shared<std::promise<void>>();
    auto entered_future = entered->get_future();
    auto release = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    auto signalled = std::make_shared<std::atomic<bool>>(false);
    WriteBatch batch;
    batch.Put("hold", "x");
    batch.prepare = [entered, released, signalled](const Txn&, std::vector<Mutation>&) {
      if (!signalled->exchange(true)) entered->set_value();
      released.wait_for(kWaitLimit);
      return Status::Ok();
    };
    Hold hold{release, SubmitAsync(std::move(batch))};
    EXPECT_EQ(entered_future.wait_for(kWaitLimit), std::future_status::ready);
    return hold;
  }

  std::optional<Record> GetAny(const std::string& key) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto r = GetAnyRecord(*txn, key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }
  std::optional<Record> GetLive(const std::string& key) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto r = GetLiveRecord(*txn, key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }
  // The live value of `key`, or "<absent>".
  std::string LiveValue(const std::string& key) {
    auto r = GetLive(key);
    return r ? r->value() : "<absent>";
  }
  std::optional<pb::LogEntry> LogEntryAt(uint64_t seq) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto raw = txn->Get(Db::kLog, LogKey(seq));
    if (!raw.ok() || !raw->has_value()) return std::nullopt;
    pb::LogEntry entry;
    EXPECT_TRUE(entry.ParseFromArray((*raw)->data(), static_cast<int>((*raw)->size())));
    return entry;
  }
  std::vector<std::string> LiveNamesUnder(const std::string& prefix) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto names = LiveNames(*txn, prefix);
    EXPECT_TRUE(names.ok());
    return names.ok() ? *names : std::vector<std::string>{};
  }
  std::vector<uint64_t> Durable() {
    std::lock_guard lock(mu_);
    return durable_;
  }

  std::string dir_;
  std::unique_ptr<Env> env_;
  AppliedIndex applied_;
  std::unique_ptr<Writer> writer_;
  std::atomic<uint64_t> now_ms_{1000};
  std::mutex mu_;
  std::vector<uint64_t> durable_;  // GUARDED_BY(mu_)
};

TEST_F(WriterTest, SequentialSubmitsGetConsecutiveSequenceNumbers) {
  Start();
  for (uint64_t i = 1; i <= 3; ++i) {
    auto r = Put("k" + std::to_string(i), "v");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->seq, i);
    EXPECT_TRUE(r->logged);
  }
  EXPECT_EQ(writer_->committed_seq(), 3u);
  EXPECT_EQ(applied_.Get(kOrigin), 3u);
  EXPECT_EQ(Durable(), (std::vector<uint64_t>{1, 2, 3}));
  const WriterStats stats = writer_->stats();
  EXPECT_EQ(stats.commits, 3u);
  EXPECT_EQ(stats.batches, 3u);
  EXPECT_EQ(stats.rejected, 0u);
  EXPECT_TRUE(writer_->health().ok());
}

TEST_F(WriterTest, RecordCarriesValueHlcOriginAndSequence) {
  Start();
  auto r = Put("k", "value");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hlc, Hlc::FromParts(1000, 0));
  auto rec = GetAny("k");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->value(), "value");
  EXPECT_EQ(rec->hlc(), r->hlc.packed());
  EXPECT_EQ(rec->origin(), kOrigin);
  EXPECT_EQ(rec->origin_seq(), 1u);
  EXPECT_EQ(rec->created_at_ms(), 1000);
  EXPECT_EQ(rec->updated_at_ms(), 1000);
  EXPECT_FALSE(rec->tombstone());
  EXPECT_EQ(rec->version(), 1u);
}

TEST_F(WriterTest, UpdateKeepsCreationTimeAndDeleteResetsIt) {
  Start();
  ASSERT_TRUE(Put("k", "one").ok());
  now_ms_ = 2000;
  auto second = Put("k", "two");
  ASSERT_TRUE(second.ok());
  auto rec = GetAny("k");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->value(), "two");
  EXPECT_EQ(rec->created_at_ms(), 1000);
  EXPECT_EQ(rec->updated_at_ms(), 2000);
  EXPECT_EQ(rec->origin_seq(), 2u);

  now_ms_ = 3000;
  WriteBatch del;
  del.Delete("k");
  auto deleted = Commit(std::move(del));
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->logged);
  rec = GetAny("k");
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->tombstone());
  EXPECT_EQ(rec->value(), "");
  EXPECT_EQ(rec->updated_at_ms(), 3000);
  EXPECT_EQ(rec->origin_seq(), 3u);
  EXPECT_FALSE(GetLive("k").has_value());

  now_ms_ = 4000;
  ASSERT_TRUE(Put("k", "again").ok());
  rec = GetAny("k");
  ASSERT_TRUE(rec.has_value());
  EXPECT_FALSE(rec->tombstone());
  EXPECT_EQ(rec->created_at_ms(), 4000);
  EXPECT_EQ(rec->updated_at_ms(), 4000);
}

TEST_F(WriterTest, HlcCountsLogicallyWhenTheWallClockStallsOrStepsBack) {
  Start();
  auto a = Put("a", "1");
  auto b = Put("b", "1");
  now_ms_ = 900;
  auto c = Put("c", "1");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->hlc, Hlc::FromParts(1000, 0));
  EXPECT_EQ(b->hlc, Hlc::FromParts(1000, 1));
  EXPECT_EQ(c->hlc, Hlc::FromParts(1000, 2));
  now_ms_ = 1500;
  auto d = Put("d", "1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->hlc, Hlc::FromParts(1500, 0));
}

TEST_F(WriterTest, StartsAfterTheGivenDurablePosition) {
  Start(64 << 20, {}, 41, Hlc::FromParts(5000, 3));
  EXPECT_EQ(applied_.Get(kOrigin), 41u);
  EXPECT_EQ(writer_->committed_seq(), 41u);
  auto r = Put("k", "v");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 42u);
  // The wall clock (1000) is behind the recovered clock: the HLC keeps counting from it.
  EXPECT_EQ(r->hlc, Hlc::FromParts(5000, 4));
}

TEST_F(WriterTest, DurablePositionIsStoredInTheMetaDatabase) {
  Start();
  ASSERT_TRUE(Put("a", "1").ok());
  auto last = Put("b", "1");
  ASSERT_TRUE(last.ok());
  auto txn = env_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto seq = txn->Get(Db::kMeta, kMetaLastSeq);
  auto hlc = txn->Get(Db::kMeta, kMetaHlc);
  ASSERT_TRUE(seq.ok() && seq->has_value());
  ASSERT_TRUE(hlc.ok() && hlc->has_value());
  EXPECT_EQ(DecodeFixed64(**seq), 2u);
  EXPECT_EQ(DecodeFixed64(**hlc), last->hlc.packed());
}

TEST_F(WriterTest, LogEntryDescribesTheBatchWithEachKeyOnce) {
  Start();
  WriteBatch batch;
  batch.Put("b", "first");
  batch.Put("a", "x");
  batch.Put("b", "second");  // the later mutation of a key wins inside a batch
  auto r = Commit(std::move(batch));
  ASSERT_TRUE(r.ok());
  auto entry = LogEntryAt(r->seq);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->version(), 1u);
  EXPECT_EQ(entry->origin(), kOrigin);
  EXPECT_EQ(entry->seq(), 1u);
  EXPECT_EQ(entry->hlc(), r->hlc.packed());
  EXPECT_EQ(entry->wall_ms(), 1000);
  ASSERT_EQ(entry->mutations_size(), 2);
  EXPECT_EQ(entry->mutations(0).key(), "a");
  EXPECT_EQ(entry->mutations(0).value(), "x");
  EXPECT_EQ(entry->mutations(1).key(), "b");
  EXPECT_EQ(entry->mutations(1).value(), "second");
  EXPECT_FALSE(entry->mutations(1).tombstone());
  EXPECT_EQ(LiveValue("b"), "second");
}

TEST_F(WriterTest, DeleteOfAnAbsentKeyLogsNothing) {
  Start();
  ASSERT_TRUE(Put("present", "v").ok());
  WriteBatch del;
  del.Delete("absent");
  auto r = Commit(std::move(del));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->logged);
  EXPECT_EQ(r->seq, 1u);  // the sequence already durable
  EXPECT_FALSE(LogEntryAt(2).has_value());
  EXPECT_FALSE(GetAny("absent").has_value());  // no tombstone for a key that never lived
  // Deleting a tombstone again changes nothing either.
  WriteBatch first;
  first.Delete("present");
  ASSERT_TRUE(Commit(std::move(first))->logged);
  WriteBatch again;
  again.Delete("present");
  auto repeat = Commit(std::move(again));
  ASSERT_TRUE(repeat.ok());
  EXPECT_FALSE(repeat->logged);
  EXPECT_EQ(repeat->seq, 2u);
  // The next real write takes the next number: nothing was skipped.
  auto next = Put("other", "v");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 3u);
}

TEST_F(WriterTest, EmptyBatchIsNotLoggedButAClockEntryIs) {
  Start();
  auto empty = Commit(WriteBatch{});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->logged);
  EXPECT_EQ(empty->seq, 0u);
  WriteBatch clock;
  clock.clock_entry = true;
  auto r = Commit(std::move(clock));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->logged);
  EXPECT_EQ(r->seq, 1u);
  auto entry = LogEntryAt(1);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->mutations_size(), 0);
  EXPECT_EQ(entry->hlc(), r->hlc.packed());
}

TEST_F(WriterTest, DeletePrefixTombstonesOnlyLiveKeysUnderThePrefix) {
  Start();
  WriteBatch setup;
  for (const char* k : {"p/a", "p/b", "p/c", "q/a", "p"}) setup.Put(k, "v");
  ASSERT_TRUE(Commit(std::move(setup)).ok());
  WriteBatch del_c;
  del_c.Delete("p/c");
  ASSERT_TRUE(Commit(std::move(del_c)).ok());

  WriteBatch wipe;
  wipe.DeletePrefix("p/");
  auto r = Commit(std::move(wipe));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->logged);
  EXPECT_EQ(r->seq, 3u);

  for (const char* k : {"p/a", "p/b"}) {
    auto any = GetAny(k);
    ASSERT_TRUE(any.has_value()) << k;
    EXPECT_TRUE(any->tombstone()) << k;
    EXPECT_EQ(any->origin_seq(), 3u) << k;
    EXPECT_FALSE(GetLive(k).has_value()) << k;
  }
  // The older tombstone keeps its own write; keys outside the prefix are untouched.
  auto older = GetAny("p/c");
  ASSERT_TRUE(older.has_value());
  EXPECT_EQ(older->origin_seq(), 2u);
  EXPECT_EQ(LiveValue("q/a"), "v");
  EXPECT_EQ(LiveValue("p"), "v");

  auto entry = LogEntryAt(3);
  ASSERT_TRUE(entry.has_value());
  std::vector<std::string> logged;
  for (const auto& m : entry->mutations()) {
    EXPECT_TRUE(m.tombstone()) << m.key();
    logged.push_back(m.key());
  }
  EXPECT_EQ(logged, (std::vector<std::string>{"p/a", "p/b"}));
}

TEST_F(WriterTest, DeletePrefixWithNothingLiveLogsNothing) {
  Start();
  ASSERT_TRUE(Put("q/a", "v").ok());
  WriteBatch wipe;
  wipe.DeletePrefix("p/");
  auto r = Commit(std::move(wipe));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->logged);
  EXPECT_EQ(r->seq, 1u);
}

TEST_F(WriterTest, PutLikeBatchLeavesExactlyTheNewKeysAndNamesEachKeyOnce) {
  Start();
  WriteBatch setup;
  for (const char* k : {"p/a", "p/b", "p/c"}) setup.Put(k, "old");
  ASSERT_TRUE(Commit(std::move(setup)).ok());

  WriteBatch replace;  // a PUT of the namespace: everything goes, then the new content
  replace.DeletePrefix("p/");
  replace.Put("p/b", "new-b");
  replace.Put("p/d", "new-d");
  auto r = Commit(std::move(replace));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(LiveNamesUnder("p/"), (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(LiveValue("p/b"), "new-b");
  EXPECT_EQ(LiveValue("p/d"), "new-d");

  auto entry = LogEntryAt(r->seq);
  ASSERT_TRUE(entry.has_value());
  std::vector<std::string> keys;
  for (const auto& m : entry->mutations()) {
    keys.push_back(m.key());
    const bool kept = m.key() == "p/b" || m.key() == "p/d";
    EXPECT_EQ(m.tombstone(), !kept) << m.key();
    if (kept) {
      EXPECT_EQ(m.value(), "new-" + m.key().substr(2)) << m.key();
    }
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"p/a", "p/b", "p/c", "p/d"}));
}

TEST_F(WriterTest, PutThenDeletePrefixInOneBatchLeavesNothingUnderThePrefix) {
  Start();
  ASSERT_TRUE(Put("p/a", "old").ok());
  WriteBatch batch;
  batch.Put("p/new", "v");
  batch.DeletePrefix("p/");
  auto r = Commit(std::move(batch));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(LiveNamesUnder("p/").empty());
  // p/new never lived: only p/a needed a tombstone.
  auto entry = LogEntryAt(r->seq);
  ASSERT_TRUE(entry.has_value());
  ASSERT_EQ(entry->mutations_size(), 1);
  EXPECT_EQ(entry->mutations(0).key(), "p/a");
  EXPECT_FALSE(GetAny("p/new").has_value());
}

TEST_F(WriterTest, PreconditionCanAddExtraMutationsComputedFromState) {
  Start();
  auto increment = [] {
    WriteBatch b;
    b.Put("counter", "overwritten by extra");
    b.prepare = [](const Txn& txn, std::vector<Mutation>& extra) {
      auto current = GetLiveRecord(txn, "counter");
      if (!current.ok()) return current.status();
      const int n = current->has_value() ? std::stoi((*current)->value()) : 0;
      extra.push_back({Mutation::Kind::kPut, "counter", std::to_string(n + 1)});
      return Status::Ok();
    };
    return b;
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Commit(increment()).ok());
  EXPECT_EQ(LiveValue("counter"), "3");
  // Extra mutations are logged like the batch's own.
  auto entry = LogEntryAt(3);
  ASSERT_TRUE(entry.has_value());
  ASSERT_EQ(entry->mutations_size(), 1);
  EXPECT_EQ(entry->mutations(0).value(), "3");
}

TEST_F(WriterTest, FailingPreconditionRejectsOnlyItsBatchWhileTheGroupCommits) {
  Start();
  Hold hold = HoldWriter();
  WriteBatch a;
  a.Put("a", "1");
  WriteBatch bad;
  bad.Put("bad", "1");
  bad.prepare = [](const Txn&, std::vector<Mutation>& extra) {
    extra.push_back({Mutation::Kind::kPut, "bad-extra", "1"});
    return Status::Conflict("precondition failed");
  };
  WriteBatch c;
  c.Put("c", "1");
  auto fa = SubmitAsync(std::move(a));
  auto fbad = SubmitAsync(std::move(bad));
  auto fc = SubmitAsync(std::move(c));
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  auto ra = Await(fa), rbad = Await(fbad), rc = Await(fc);
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  EXPECT_TRUE(rbad.status().IsConflict()) << rbad.status().ToString();
  EXPECT_EQ(ra->seq, 2u);
  EXPECT_EQ(rc->seq, 3u);  // the rejected batch used no sequence number
  EXPECT_FALSE(GetAny("bad").has_value());
  EXPECT_FALSE(GetAny("bad-extra").has_value());
  EXPECT_EQ(LiveValue("c"), "1");
  const WriterStats stats = writer_->stats();
  EXPECT_EQ(stats.commits, 2u);  // the held batch, then a, bad and c together
  EXPECT_EQ(stats.batches, 3u);
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_TRUE(writer_->health().ok());
}

TEST_F(WriterTest, PreconditionSeesEarlierBatchesOfItsGroup) {
  Start();
  Hold hold = HoldWriter();
  WriteBatch create;
  create.Put("org", "exists");
  WriteBatch child;
  child.Put("org/child", "1");
  child.prepare = [](const Txn& txn, std::vector<Mutation>&) -> Status {
    auto org = GetLiveRecord(txn, "org");
    if (!org.ok()) return org.status();
    return org->has_value() ? Status::Ok() : Status::NotFound("org missing");
  };
  auto f1 = SubmitAsync(std::move(create));
  auto f2 = SubmitAsync(std::move(child));
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  ASSERT_TRUE(Await(f1).ok());
  auto r2 = Await(f2);
  EXPECT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(writer_->stats().commits, 2u);
  EXPECT_TRUE(GetLive("org/child").has_value());
}

TEST_F(WriterTest, WritesQueuedBehindABusyWriterShareOneCommit) {
  Start();
  Hold hold = HoldWriter();
  constexpr int kBatches = 100;
  std::vector<std::future<Result<CommitInfo>>> futures;
  for (int i = 0; i < kBatches; ++i) {
    WriteBatch b;
    b.Put("k" + std::to_string(i), "v");
    futures.push_back(SubmitAsync(std::move(b)));
  }
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  for (int i = 0; i < kBatches; ++i) {
    auto r = Await(futures[i]);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->seq, static_cast<uint64_t>(i) + 2);  // queue order is sequence order
  }
  const WriterStats stats = writer_->stats();
  EXPECT_EQ(stats.commits, 2u);
  EXPECT_EQ(stats.batches, kBatches + 1u);
  // One commit, one on_durable report for the whole group.
  EXPECT_EQ(Durable(), (std::vector<uint64_t>{1, kBatches + 1}));
}

TEST_F(WriterTest, ALocalWriteOverTheQueueBoundIsRefusedAtOnceAndNotSticky) {
  WriterOptions options;
  options.max_queued_writes = 2;
  Start(64 << 20, std::move(options));
  Hold hold = HoldWriter();  // taken off the queue: the queue is empty
  WriteBatch a, b, c;
  a.Put("a", "1");
  b.Put("b", "1");
  c.Put("c", "1");
  auto fa = SubmitAsync(std::move(a));
  auto fb = SubmitAsync(std::move(b));
  auto fc = SubmitAsync(std::move(c));  // the third while two wait
  auto refused = Await(fc);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsQueueFull(refused.status())) << refused.status().ToString();
  // Replication never gets refused for load.
  WriteBatch clock;
  clock.clock_entry = true;
  auto fclock = SubmitAsync(std::move(clock));
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  EXPECT_TRUE(Await(fa).ok());
  EXPECT_TRUE(Await(fb).ok());
  EXPECT_TRUE(Await(fclock).ok());
  EXPECT_TRUE(writer_->health().ok());
  EXPECT_TRUE(Put("c", "2").ok());  // the queue drained: accepted again
  EXPECT_EQ(LiveValue("c"), "2");
}

TEST_F(WriterTest, GroupsAreBoundedByMaxGroupBatches) {
  WriterOptions options;
  options.max_group_batches = 10;
  Start(64 << 20, std::move(options));
  Hold hold = HoldWriter();
  std::vector<std::future<Result<CommitInfo>>> futures;
  for (int i = 0; i < 35; ++i) {
    WriteBatch b;
    b.Put("k" + std::to_string(i), "v");
    futures.push_back(SubmitAsync(std::move(b)));
  }
  hold.Release();
  for (auto& f : futures) ASSERT_TRUE(Await(f).ok());
  EXPECT_EQ(writer_->stats().commits, 1u + 4u);  // the held batch, then 10 + 10 + 10 + 5
}

TEST_F(WriterTest, ConcurrentSubmitsFromSeveralThreadsGroupAndGetDistinctSequences) {
  Start();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  constexpr int kTotal = kThreads * kPerThread;
  std::mutex seqs_mu;
  std::vector<uint64_t> seqs;
  std::atomic<int> answered{0}, failed{0};
  std::promise<void> all_answered;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch b;
        b.Put("t" + std::to_string(t) + "/" + std::to_string(i), std::to_string(i));
        writer_->Submit(std::move(b), [&](Result<CommitInfo> r) {
          if (r.ok()) {
            std::lock_guard lock(seqs_mu);
            seqs.push_back(r->seq);
          } else {
            failed++;
          }
          if (++answered == kTotal) all_answered.set_value();
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(all_answered.get_future().wait_for(kWaitLimit), std::future_status::ready);
  EXPECT_EQ(failed.load(), 0);
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) ASSERT_EQ(seqs[i], static_cast<uint64_t>(i) + 1);
  const WriterStats stats = writer_->stats();
  EXPECT_EQ(stats.batches, static_cast<uint64_t>(kTotal));
  EXPECT_LT(stats.commits, static_cast<uint64_t>(kTotal));  // group commit really happened
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(LiveNamesUnder("t" + std::to_string(t) + "/").size(),
              static_cast<size_t>(kPerThread));
  }
}

TEST_F(WriterTest, OversizedBatchFailsAloneAndItsGroupNeighboursCommit) {
  Start(1 << 20);
  Hold hold = HoldWriter();
  WriteBatch small1;
  small1.Put("small1", "v");
  WriteBatch big;
  for (int i = 0; i < 512; ++i) big.Put("big" + std::to_string(i), std::string(4000, 'x'));
  WriteBatch small2;
  small2.Put("small2", "v");
  auto f1 = SubmitAsync(std::move(small1));
  auto fbig = SubmitAsync(std::move(big));
  auto f2 = SubmitAsync(std::move(small2));
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  auto r1 = Await(f1), rbig = Await(fbig), r2 = Await(f2);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_TRUE(rbig.status().IsResourceExhausted()) << rbig.status().ToString();
  EXPECT_EQ(r1->seq, 2u);
  EXPECT_EQ(r2->seq, 3u);
  EXPECT_FALSE(GetAny("big0").has_value());
  EXPECT_TRUE(writer_->health().ok());  // a batch too big is not a broken disk
  EXPECT_EQ(writer_->stats().rejected, 1u);
  auto after = Put("after", "v");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->seq, 4u);
}

// A serialized entry of another node's log.
std::string RemoteEntry(const std::string& origin, uint64_t seq, const std::string& key) {
  pb::LogEntry entry;
  entry.set_version(1);
  entry.set_origin(origin);
  entry.set_seq(seq);
  entry.set_hlc(Hlc::FromParts(10, seq).packed());
  entry.set_wall_ms(10);
  auto* m = entry.add_mutations();
  m->set_key(key);
  m->set_value("remote");
  return entry.SerializeAsString();
}

TEST_F(WriterTest, ABatchThatChangesNothingReportsTheWritesItFound) {
  // A retried delete rests on the write that deleted the key first (issue 9): the writer names
  // it, and the writer of every key the batch only observed, so the answer can wait for them.
  Start();
  ASSERT_TRUE(Put("k", "v").ok());  // seq 1
  WriteBatch first;
  first.Delete("k");  // seq 2: the tombstone
  ASSERT_TRUE(Commit(std::move(first))->logged);
  ASSERT_TRUE(Put("other", "v").ok());  // seq 3
  WriteBatch remote;
  remote.remote = RemoteEntries{"n2.a", {RemoteEntry("n2.a", 1, "theirs")}};
  ASSERT_TRUE(Commit(std::move(remote)).ok());

  WriteBatch retry;
  retry.Delete("k");
  retry.Delete("never");
  auto r = Commit(std::move(retry));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->logged);
  EXPECT_EQ(r->observed, (std::map<std::string, uint64_t>{{kOrigin, 2}}));

  WriteBatch observe;
  observe.mutations.push_back({Mutation::Kind::kObserve, "theirs", {}});
  observe.mutations.push_back({Mutation::Kind::kObserve, "other", {}});
  observe.mutations.push_back({Mutation::Kind::kObserve, "never", {}});
  r = Commit(std::move(observe));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->logged);
  EXPECT_EQ(r->observed, (std::map<std::string, uint64_t>{{kOrigin, 3}, {"n2.a", 1}}));
  EXPECT_FALSE(GetAny("never").has_value());  // observing writes nothing

  // A key both written and observed by one batch rests on the batch itself.
  WriteBatch both;
  both.Put("other", "w");
  both.mutations.push_back({Mutation::Kind::kObserve, "other", {}});
  r = Commit(std::move(both));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->logged);
  EXPECT_TRUE(r->observed.empty());
}

TEST_F(WriterTest, RefusedRemoteEntriesDoNotStopLaterWrites) {
  // A peer's batch refused by validation (a gap or an undecodable entry: Corruption from
  // ApplyRemoteEntries, storage/replica.cc) fails alone: only a failed LMDB commit or fsync is
  // sticky (Writer::CommitGroup), so one bad message from a peer never stops this node's later
  // writes, and ReplicationService::ApplyEntries can retry (core_->ApplyFailed).
  Start();
  WriteBatch gap;
  gap.remote = RemoteEntries{"n2.a", {RemoteEntry("n2.a", 5, "r")}};
  auto refused = Commit(std::move(gap));
  EXPECT_FALSE(refused.ok());
  EXPECT_FALSE(GetAny("r").has_value());
  EXPECT_TRUE(writer_->health().ok()) << writer_->health().ToString();
  auto later = Put("local", "v");
  EXPECT_TRUE(later.ok()) << later.status().ToString();
  // The peer's log, delivered from its start, applies afterwards.
  WriteBatch in_order;
  in_order.remote = RemoteEntries{"n2.a", {RemoteEntry("n2.a", 1, "r")}};
  auto applied = Commit(std::move(in_order));
  EXPECT_TRUE(applied.ok()) << applied.status().ToString();
}

TEST_F(WriterTest, RefusedRemoteEntriesDoNotFailLocalWritesOfTheSameGroup) {
  // A peer's batch refused by validation is rejected alone, like a failed precondition: the
  // local writes that share its group commit (Writer::TryCommit).
  Start();
  Hold hold = HoldWriter();
  WriteBatch a;
  a.Put("a", "1");
  WriteBatch undecodable;
  undecodable.remote = RemoteEntries{"n2.a", {"\xff\xff not a log entry"}};
  WriteBatch c;
  c.Put("c", "1");
  auto fa = SubmitAsync(std::move(a));
  auto fbad = SubmitAsync(std::move(undecodable));
  auto fc = SubmitAsync(std::move(c));
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  auto ra = Await(fa), rbad = Await(fbad), rc = Await(fc);
  EXPECT_FALSE(rbad.ok());
  EXPECT_TRUE(ra.ok()) << ra.status().ToString();
  EXPECT_TRUE(rc.ok()) << rc.status().ToString();
  EXPECT_EQ(LiveValue("a"), "1");
  EXPECT_EQ(LiveValue("c"), "1");
}

TEST_F(WriterTest, StopCommitsEverythingQueuedBeforeItReturns) {
  Start();
  Hold hold = HoldWriter();
  std::vector<std::future<Result<CommitInfo>>> queued;
  for (int i = 0; i < 50; ++i) {
    WriteBatch b;
    b.Put("q" + std::to_string(i), "v");
    queued.push_back(SubmitAsync(std::move(b)));
  }
  std::thread stopper([this] { writer_->Stop(); });
  // Wait (bounded) until Stop() has closed the queue: a probe is then refused.
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    WriteBatch probe;
    probe.Put("probe", "v");
    auto f = SubmitAsync(std::move(probe));
    if (f.wait_for(0s) == std::future_status::ready) {
      auto r = f.get();
      refused = r.status().IsUnavailable();
    } else {
      queued.push_back(std::move(f));  // accepted before the queue closed: must commit too
      std::this_thread::sleep_for(1ms);
    }
  }
  hold.Release();
  stopper.join();
  ASSERT_TRUE(refused);
  ASSERT_EQ(hold.done.wait_for(0s), std::future_status::ready);
  for (auto& f : queued) {
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);  // answered before Stop returned
    auto r = f.get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(LiveNamesUnder("q").size(), 50u);
}

TEST_F(WriterTest, SubmitAfterStopIsRefusedAtOnce) {
  Start();
  ASSERT_TRUE(Put("k", "v").ok());
  writer_->Stop();
  writer_->Stop();  // idempotent
  bool called = false;
  Status got;
  WriteBatch b;
  b.Put("late", "v");
  writer_->Submit(std::move(b), [&](Result<CommitInfo> r) {
    called = true;
    got = r.status();
  });
  EXPECT_TRUE(called);  // inline, on the caller's thread
  EXPECT_TRUE(got.IsUnavailable()) << got.ToString();
  EXPECT_FALSE(GetAny("late").has_value());
}

TEST_F(WriterTest, CallbackRunsAfterTheAppliedIndexAndOnDurableAdvanced) {
  Start();
  std::promise<std::pair<uint64_t, uint64_t>> seen;
  uint64_t durable_seen = 0;
  std::thread::id callback_thread;
  WriteBatch b;
  b.Put("k", "v");
  writer_->Submit(std::move(b), [&](Result<CommitInfo> r) {
    callback_thread = std::this_thread::get_id();
    durable_seen = Durable().empty() ? 0 : Durable().back();
    seen.set_value({r.ok() ? r->seq : 0, applied_.Get(kOrigin)});
  });
  auto f = seen.get_future();
  ASSERT_EQ(f.wait_for(kWaitLimit), std::future_status::ready);
  auto [seq, applied] = f.get();
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(applied, 1u);
  EXPECT_EQ(durable_seen, 1u);
  EXPECT_NE(callback_thread, std::this_thread::get_id());  // the writer thread
}

TEST_F(WriterTest, WaitersOnTheAppliedIndexAreReleasedByTheCommit) {
  Start();
  std::promise<void> reached;
  const auto id = applied_.Wait(kOrigin, 2, [&] { reached.set_value(); });
  EXPECT_NE(id, 0u);
  ASSERT_TRUE(Put("a", "v").ok());
  auto f = reached.get_future();
  EXPECT_EQ(f.wait_for(0s), std::future_status::timeout);
  ASSERT_TRUE(Put("b", "v").ok());
  EXPECT_EQ(f.wait_for(kWaitLimit), std::future_status::ready);
}

// --- LMDB's limits: a key it cannot hold is the caller's error, refused alone, never sticky ---

TEST_F(WriterTest, KeyBeyondLmdbLimitIsRefusedAloneAndTheNextBatchCommits) {
  Start();
  Hold hold = HoldWriter();
  WriteBatch before;
  before.Put("before", "v");
  WriteBatch too_long;
  too_long.Put("ok", "v");
  too_long.Put(std::string(MaxKeyBytes() + 1, 'k'), "v");
  WriteBatch after;
  after.Put("after", "v");
  auto fb = SubmitAsync(std::move(before));
  auto fbad = SubmitAsync(std::move(too_long));
  auto fa = SubmitAsync(std::move(after));
  hold.Release();
  ASSERT_TRUE(Await(hold.done).ok());
  auto rb = Await(fb), rbad = Await(fbad), ra = Await(fa);
  EXPECT_TRUE(rbad.status().IsInvalidArgument()) << rbad.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  EXPECT_EQ(LiveValue("ok"), "<absent>");  // nothing of the refused batch
  EXPECT_TRUE(writer_->health().ok()) << writer_->health().ToString();
  auto next = Put("next", "v");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(LiveValue("next"), "v");
  // The longest key LMDB holds is stored and read back.
  const std::string longest(MaxKeyBytes(), 'k');
  ASSERT_TRUE(Put(longest, "edge").ok());
  EXPECT_EQ(LiveValue(longest), "edge");
}

TEST_F(WriterTest, EmptyKeyIsRefusedWithoutStoppingWrites) {
  Start();
  auto r = Put("", "v");
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_TRUE(writer_->health().ok());
  EXPECT_TRUE(Put("k", "v").ok());
}

TEST_F(WriterTest, PreconditionExtraKeyBeyondLimitRejectsOnlyItsBatch) {
  Start();
  WriteBatch b;
  b.Put("mine", "v");
  b.prepare = [](const Txn&, std::vector<Mutation>& extra) {
    extra.push_back({Mutation::Kind::kPut, std::string(MaxKeyBytes() + 7, 'x'), "v"});
    return Status::Ok();
  };
  auto r = Commit(std::move(b));
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_EQ(LiveValue("mine"), "<absent>");
  EXPECT_TRUE(writer_->health().ok());
  EXPECT_TRUE(Put("k", "v").ok());
}

TEST_F(WriterTest, RemoteEntryWithKeyBeyondLimitIsRefusedBeforeWritingAnything) {
  Start();
  pb::LogEntry entry;
  entry.set_version(1);
  entry.set_origin("n2.a");
  entry.set_seq(1);
  entry.set_hlc(Hlc::FromParts(10, 1).packed());
  auto* good = entry.add_mutations();
  good->set_key("fits");
  good->set_value("v");
  auto* bad = entry.add_mutations();
  bad->set_key(std::string(MaxKeyBytes() + 1, 'r'));
  bad->set_value("v");
  WriteBatch b;
  b.remote = RemoteEntries{"n2.a", {entry.SerializeAsString()}};
  auto r = Commit(std::move(b));
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_FALSE(GetAny("fits").has_value());
  EXPECT_TRUE(writer_->health().ok());
  EXPECT_TRUE(Put("k", "v").ok());
}

TEST_F(WriterTest, DeletePrefixLongerThanAnyKeyDeletesNothingAndFailsNothing) {
  Start();
  ASSERT_TRUE(Put("p", "v").ok());
  WriteBatch b;
  b.DeletePrefix(std::string(MaxKeyBytes() + 100, 'p'));
  auto r = Commit(std::move(b));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(LiveValue("p"), "v");
}

}  // namespace
}  // namespace meridian::storage
