// Tests of the replication side of the store (storage/replica.h): exactly-once remote apply
// with last-writer-wins, snapshot merge, log reads and truncation, tombstone collection.
#include "storage/replica.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "storage.pb.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/store.h"

namespace meridian::storage {
namespace {

// Node n1's store in `dir` (64 MiB map).
Result<std::unique_ptr<Store>> OpenN1(const std::string& dir) {
  StoreOptions options;
  options.dir = dir;
  options.node_id = "n1";
  options.map_size_bytes = 64 << 20;
  return Store::Open(std::move(options));
}

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-replica-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = OpenN1(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<CommitInfo> Commit(WriteBatch batch) {
    std::promise<Result<CommitInfo>> done;
    store_->Submit(std::move(batch), [&](Result<CommitInfo> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  static std::string Entry(const std::string& origin, uint64_t seq, uint64_t hlc,
                           const std::string& key, const std::string& value, bool tombstone) {
    pb::LogEntry entry;
    entry.set_version(1);
    entry.set_origin(origin);
    entry.set_seq(seq);
    entry.set_hlc(hlc);
    entry.set_wall_ms(1000);
    auto* m = entry.add_mutations();
    m->set_key(key);
    m->set_value(value);
    m->set_tombstone(tombstone);
    return entry.SerializeAsString();
  }
  std::optional<Record> Get(const std::string& key) {
    auto txn = store_->Read();
    auto r = GetAnyRecord(*txn, key);
    return r.ok() ? *r : std::nullopt;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ReplicaTest, RemoteEntriesApplyOnceAndRecordTheirPosition) {
  WriteBatch batch;
  batch.remote = RemoteEntries{
      "n2.a", {Entry("n2.a", 1, 100, "k", "one", false), Entry("n2.a", 2, 200, "k", "two", false)}};
  auto r = Commit(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->seq, 2u);
  EXPECT_EQ(store_->applied().Get("n2.a"), 2u);
  EXPECT_EQ(Get("k")->value(), "two");
  // Delivered again (a retransmission): skipped, nothing changes.
  auto again = Commit(batch);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->seq, 2u);
  EXPECT_EQ(Get("k")->value(), "two");
  auto txn = store_->Read();
  auto positions = AppliedPositions(*txn);
  ASSERT_TRUE(positions.ok());
  EXPECT_EQ((*positions)["n2.a"], 2u);
}

TEST_F(ReplicaTest, AGapInARemoteLogIsRefusedAndChangesNothing) {
  WriteBatch batch;
  batch.remote = RemoteEntries{"n2.a", {Entry("n2.a", 3, 100, "k", "three", false)}};
  auto r = Commit(batch);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(Get("k").has_value());
  EXPECT_EQ(store_->applied().Get("n2.a"), 0u);
}

TEST_F(ReplicaTest, OlderRemoteWriteLosesToNewerLocalWrite) {
  WriteBatch local;
  local.Put("k", "local");
  ASSERT_TRUE(Commit(local).ok());
  const uint64_t local_hlc = Get("k")->hlc();
  WriteBatch remote;
  remote.remote = RemoteEntries{"n2.a", {Entry("n2.a", 1, local_hlc - 1, "k", "old", false)}};
  ASSERT_TRUE(Commit(remote).ok());
  EXPECT_EQ(Get("k")->value(), "local");
  WriteBatch newer;
  newer.remote = RemoteEntries{"n2.a", {Entry("n2.a", 2, local_hlc + 1, "k", "", true)}};
  ASSERT_TRUE(Commit(newer).ok());
  EXPECT_TRUE(Get("k")->tombstone());
  // The local clock moved past the remote HLC: the next local write wins again.
  WriteBatch after;
  after.Put("k", "again");
  ASSERT_TRUE(Commit(after).ok());
  EXPECT_EQ(Get("k")->value(), "again");
  EXPECT_GT(Get("k")->hlc(), local_hlc + 1);
}

TEST_F(ReplicaTest, EqualHlcIsBrokenByOriginId) {
  WriteBatch a;
  a.remote = RemoteEntries{"n2.a", {Entry("n2.a", 1, 500, "k", "from-n2", false)}};
  WriteBatch b;
  b.remote = RemoteEntries{"n3.a", {Entry("n3.a", 1, 500, "k", "from-n3", false)}};
  ASSERT_TRUE(Commit(b).ok());
  ASSERT_TRUE(Commit(a).ok());
  EXPECT_EQ(Get("k")->value(), "from-n3");
}

TEST_F(ReplicaTest, SnapshotChunksMergeAndTheLastRecordsThePosition) {
  pb::Record rec;
  rec.set_value("snap");
  rec.set_hlc(300);
  rec.set_origin("n2.a");
  rec.set_origin_seq(7);
  WriteBatch first;
  first.snapshot = SnapshotChunk{"n2.a", {{"a", rec.SerializeAsString()}}, std::nullopt};
  ASSERT_TRUE(Commit(first).ok());
  EXPECT_EQ(store_->applied().Get("n2.a"), 0u);
  WriteBatch last;
  last.snapshot = SnapshotChunk{"n2.a", {{"b", rec.SerializeAsString()}}, 7};
  auto r = Commit(last);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(store_->applied().Get("n2.a"), 7u);
  EXPECT_EQ(Get("a")->value(), "snap");
  EXPECT_EQ(Get("b")->value(), "snap");
}

TEST_F(ReplicaTest, LogReadsFromASequenceAndTruncationMovesTheFirstSeq) {
  for (int i = 0; i < 5; ++i) {
    WriteBatch b;
    b.Put("k" + std::to_string(i), "v");
    ASSERT_TRUE(Commit(b).ok());
  }
  {
    auto txn = store_->Read();
    EXPECT_EQ(*FirstLogSeq(*txn), 1u);
    auto entries = ReadLog(*txn, 3, 10, 1 << 20);
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 3u);
    EXPECT_EQ(entries->front().seq, 3u);
    pb::LogEntry e;
    ASSERT_TRUE(e.ParseFromString(entries->front().payload));
    EXPECT_EQ(e.origin(), store_->origin_id());
    EXPECT_EQ(ReadLog(*txn, 1, 2, 1 << 20)->size(), 2u);
  }
  WriteBatch truncate;
  truncate.truncate_log_upto = 3;
  ASSERT_TRUE(Commit(truncate).ok());
  auto txn = store_->Read();
  EXPECT_EQ(*FirstLogSeq(*txn), 4u);
  EXPECT_EQ(*DurableLastSeq(*txn), 5u);
}

TEST_F(ReplicaTest, ClockEntryIsLoggedWithoutMutations) {
  WriteBatch clock;
  clock.clock_entry = true;
  auto r = Commit(clock);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->logged);
  EXPECT_EQ(r->seq, 1u);
}

TEST_F(ReplicaTest, TombstonesAreCollectedOnlyPastStableAndEveryFrontier) {
  // A tombstone from n2 at seq 1, hlc 100.
  WriteBatch del;
  del.remote = RemoteEntries{"n2.a", {Entry("n2.a", 1, 100, "k", "", true)}};
  ASSERT_TRUE(Commit(del).ok());
  auto collect = [&](uint64_t stable) {
    WriteBatch gc;
    gc.collect = TombstoneHorizon{{{"n2.a", stable}}, {store_->origin_id(), "n2.a", "n3.a"}};
    return Commit(gc);
  };
  EXPECT_EQ(collect(0)->seq, 0u);  // not every node has it yet
  EXPECT_EQ(collect(1)->seq, 0u);  // n3's frontier has not passed it
  EXPECT_TRUE(Get("k").has_value());
  WriteBatch n3;
  n3.remote = RemoteEntries{"n3.a", {Entry("n3.a", 1, 50, "other", "x", false)}};
  ASSERT_TRUE(Commit(n3).ok());
  EXPECT_EQ(collect(1)->seq, 0u);  // n3's frontier (50) is still below the tombstone (100)
  WriteBatch n3_later;
  n3_later.remote = RemoteEntries{"n3.a", {Entry("n3.a", 2, 150, "other", "y", false)}};
  ASSERT_TRUE(Commit(n3_later).ok());
  EXPECT_EQ(collect(1)->seq, 1u);
  EXPECT_FALSE(Get("k").has_value());
  EXPECT_EQ(Get("other")->value(), "y");  // live records are never collected
}

// Tombstone collection walks the tombstone index, never the live data, and bounds each pass.
class TombstoneIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-tombidx-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Env> OpenEnv() {
    auto env = Env::Open({dir_, 64 << 20});
    EXPECT_TRUE(env.ok()) << env.status().ToString();
    return env.ok() ? std::move(*env) : nullptr;
  }
  static Record Rec(const std::string& origin, uint64_t seq, bool tombstone) {
    Record r;
    r.set_version(1);
    r.set_origin(origin);
    r.set_origin_seq(seq);
    r.set_hlc(seq * 10);
    r.set_tombstone(tombstone);
    if (!tombstone) r.set_value("v");
    return r;
  }
  // Writes `live` live keys and `dead` tombstones, all from origin "o" (self).
  void Fill(Env& env, int live, int dead) {
    auto txn = env.BeginWrite();
    ASSERT_TRUE(txn.ok());
    std::string scratch;
    for (int i = 0; i < live; ++i) {
      ASSERT_TRUE(
          PutRecord(*txn, "live/" + std::to_string(i), Rec("o", 1, false), false, scratch).ok());
    }
    for (int i = 0; i < dead; ++i) {
      ASSERT_TRUE(
          PutRecord(*txn, "dead/" + std::to_string(i), Rec("o", 2, true), false, scratch).ok());
    }
    ASSERT_TRUE(txn->Commit().ok());
  }
  static TombstoneCollection Collect(Env& env, uint64_t stable, size_t max_visited = 10000) {
    TombstoneHorizon horizon{{{"o", stable}}, {"o"}};
    horizon.max_visited = max_visited;
    TombstoneCollection pass;
    auto txn = env.BeginWrite();
    EXPECT_TRUE(txn.ok());
    EXPECT_TRUE(CollectTombstones(*txn, horizon, "o", pass).ok());
    EXPECT_TRUE(txn->Commit().ok());
    return pass;
  }
  static size_t Count(Env& env, Db db) {
    size_t n = 0;
    auto txn = env.BeginRead();
    EXPECT_TRUE(txn->Scan(db, "", [&](std::string_view, std::string_view) { return ++n; }).ok());
    return n;
  }
  std::string dir_;
};

TEST_F(TombstoneIndexTest, APassVisitsTheTombstonesNotTheLiveKeys) {
  auto env = OpenEnv();
  Fill(*env, 5000, 7);
  EXPECT_EQ(Count(*env, Db::kTombstones), 7u);
  auto early = Collect(*env, /*stable=*/1);  // the tombstones (seq 2) are not stable yet
  EXPECT_EQ(early.visited, 7u);
  EXPECT_EQ(early.purged, 0u);
  auto pass = Collect(*env, /*stable=*/2);
  EXPECT_EQ(pass.visited, 7u);
  EXPECT_EQ(pass.purged, 7u);
  EXPECT_FALSE(pass.resumes);
  EXPECT_EQ(Count(*env, Db::kData), 5000u);
  EXPECT_EQ(Count(*env, Db::kTombstones), 0u);
  EXPECT_EQ(Collect(*env, 2).visited, 0u);
}

TEST_F(TombstoneIndexTest, EachPassIsBoundedAndTheNextResumes) {
  auto env = OpenEnv();
  Fill(*env, 100, 25);
  for (size_t expect : {10u, 10u, 5u}) {
    auto pass = Collect(*env, 2, /*max_visited=*/10);
    EXPECT_EQ(pass.visited, expect);
    EXPECT_EQ(pass.purged, expect);
    EXPECT_EQ(pass.resumes, expect == 10u);
  }
  EXPECT_EQ(Count(*env, Db::kData), 100u);
  // Not yet collectable: a bounded pass resumes where the last stopped and wraps around.
  Fill(*env, 0, 25);
  size_t visited = 0;
  for (int i = 0; i < 3; ++i) visited += Collect(*env, 1, 10).visited;
  EXPECT_EQ(visited, 25u);
  EXPECT_EQ(Collect(*env, 1, 10).visited, 10u);  // wrapped to the start
}

TEST_F(TombstoneIndexTest, OverwritingATombstoneDropsItsIndexEntry) {
  auto env = OpenEnv();
  Fill(*env, 0, 3);
  {
    auto txn = env->BeginWrite();
    std::string scratch;
    ASSERT_TRUE(PutRecord(*txn, "dead/0", Rec("o", 3, false), true, scratch).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(Count(*env, Db::kTombstones), 2u);
  // An entry whose key is live again (written by a binary that kept no index) is dropped, the
  // live record kept.
  {
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn->Put(Db::kData, "dead/1", Rec("o", 3, false).SerializeAsString()).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  auto pass = Collect(*env, 3);
  EXPECT_EQ(pass.visited, 2u);
  EXPECT_EQ(pass.purged, 1u);
  EXPECT_EQ(Count(*env, Db::kTombstones), 0u);
  EXPECT_EQ(Count(*env, Db::kData), 2u);
}

TEST_F(TombstoneIndexTest, ADirectoryWrittenBeforeTheIndexIsIndexedOnOpen) {
  {
    auto env = OpenEnv();
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn->Put(Db::kData, "old/dead", Rec("o", 1, true).SerializeAsString()).ok());
    ASSERT_TRUE(txn->Put(Db::kData, "old/live", Rec("o", 1, false).SerializeAsString()).ok());
    ASSERT_TRUE(txn->Commit().ok());
    EXPECT_EQ(Count(*env, Db::kTombstones), 0u);
  }
  {
    auto store = OpenN1(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  auto env = OpenEnv();
  EXPECT_EQ(Count(*env, Db::kTombstones), 1u);
  EXPECT_EQ(Collect(*env, 1).purged, 1u);
}

TEST_F(ReplicaTest, TombstonesSurviveARestartAndAreCollectedAfterIt) {
  for (int i = 0; i < 50; ++i) {
    WriteBatch put;
    put.Put("k" + std::to_string(i), "v");
    ASSERT_TRUE(Commit(put).ok());
  }
  WriteBatch del;
  del.Delete("k3");
  del.Delete("k4");
  auto deleted = Commit(del);
  ASSERT_TRUE(deleted.ok());
  const std::string self = store_->origin_id();
  store_.reset();
  auto reopened = OpenN1(dir_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(*reopened);
  auto collect = [&](uint64_t stable) {
    WriteBatch gc;
    gc.collect = TombstoneHorizon{{{self, stable}}, {self}};
    return Commit(gc);
  };
  EXPECT_EQ(collect(deleted->seq - 1)->seq, 0u);  // never before the horizon allows
  EXPECT_TRUE(Get("k3").has_value());
  EXPECT_EQ(collect(deleted->seq)->seq, 2u);
  EXPECT_FALSE(Get("k3").has_value());
  EXPECT_EQ(Get("k5")->value(), "v");
}

}  // namespace
}  // namespace meridian::storage
