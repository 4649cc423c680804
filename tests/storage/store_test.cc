// Tests of opening a node's storage (storage/store.h) on a real LMDB in a temp dir: identity
// (node id, incarnation id), durable position and data across reopen, applied positions
// restored, a tiny map that rejects what does not fit and stays healthy, Stop().
#include "storage/store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage.pb.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::storage {
namespace {

using namespace std::chrono_literals;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<std::unique_ptr<Store>> OpenAs(const std::string& node_id, uint64_t map_size = 64 << 20) {
    StoreOptions options;
    options.dir = dir_;
    options.node_id = node_id;
    options.map_size_bytes = map_size;
    return Store::Open(std::move(options));
  }
  void Open(const std::string& node_id = "n1", uint64_t map_size = 64 << 20) {
    store_.reset();  // one environment per directory per process (LMDB caveat)
    auto store = OpenAs(node_id, map_size);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  Result<CommitInfo> Commit(WriteBatch batch) {
    auto done = std::make_shared<std::promise<Result<CommitInfo>>>();
    auto future = done->get_future();
    store_->Submit(std::move(batch),
                   [done](Result<CommitInfo> r) { done->set_value(std::move(r)); });
    if (future.wait_for(30s) != std::future_status::ready) {
      return Status::Timeout("test: no answer from the store");
    }
    return future.get();
  }
  Result<CommitInfo> Put(const std::string& key, const std::string& value) {
    WriteBatch b;
    b.Put(key, value);
    return Commit(std::move(b));
  }
  std::string LiveValue(const std::string& key) {
    auto txn = store_->Read();
    if (!txn.ok()) return "<error>";
    auto r = GetLiveRecord(*txn, key);
    if (!r.ok()) return "<error>";
    return r->has_value() ? (*r)->value() : "<absent>";
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, FreshStoreHasAnIncarnationOfItsNodeAndNothingApplied) {
  Open("n1");
  EXPECT_EQ(store_->node_id(), "n1");
  EXPECT_EQ(store_->origin_id().rfind("n1.", 0), 0u) << store_->origin_id();
  EXPECT_GT(store_->origin_id().size(), 3u);
  EXPECT_EQ(store_->applied().Get(store_->origin_id()), 0u);
  EXPECT_EQ(store_->writer().committed_seq(), 0u);
  EXPECT_TRUE(store_->writer().health().ok());
}

TEST_F(StoreTest, CommitsAreReadableAndAdvanceTheOwnAppliedPosition) {
  Open();
  auto r = Put("k", "v");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->seq, 1u);
  EXPECT_EQ(LiveValue("k"), "v");
  EXPECT_EQ(store_->applied().Get(store_->origin_id()), 1u);
  auto txn = store_->Read();
  ASSERT_TRUE(txn.ok());
  auto rec = GetLiveRecord(*txn, "k");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->origin(), store_->origin_id());
}

TEST_F(StoreTest, ReopenKeepsDataSequenceAndIncarnation) {
  Open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Put("k" + std::to_string(i), "v").ok());
  const std::string origin = store_->origin_id();
  Open();
  EXPECT_EQ(store_->origin_id(), origin);
  EXPECT_EQ(store_->writer().committed_seq(), 3u);
  EXPECT_EQ(store_->applied().Get(origin), 3u);
  EXPECT_EQ(LiveValue("k0"), "v");
  EXPECT_EQ(LiveValue("k2"), "v");
  auto next = Put("k3", "v");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 4u);  // the writer continues at seq + 1
}

TEST_F(StoreTest, ReopenedClockNeverGoesBehindTheStoredOne) {
  Open();
  auto first = Put("k", "v");
  ASSERT_TRUE(first.ok());
  Open();
  auto second = Put("k", "w");
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->hlc, first->hlc);
}

TEST_F(StoreTest, OpeningAnotherNodesDirectoryFailsAndLeavesItIntact) {
  Open("n1");
  ASSERT_TRUE(Put("k", "v").ok());
  store_.reset();
  auto other = OpenAs("n2");
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(other.status().IsInvalidArgument()) << other.status().ToString();
  Open("n1");
  EXPECT_EQ(LiveValue("k"), "v");
  EXPECT_EQ(store_->writer().committed_seq(), 1u);
}

TEST_F(StoreTest, OpeningUnderARegularFileFails) {
  const std::string file = dir_ + "/plain-file";
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  StoreOptions options;
  options.dir = file + "/db";
  options.node_id = "n1";
  options.map_size_bytes = 8 << 20;
  EXPECT_FALSE(Store::Open(std::move(options)).ok());
}

TEST_F(StoreTest, AppliedPositionsOfOtherOriginsAreRestoredOnReopen) {
  Open();
  pb::LogEntry entry;
  entry.set_version(1);
  entry.set_origin("n2.a");
  entry.set_seq(1);
  entry.set_hlc(Hlc::FromParts(10, 0).packed());
  entry.set_wall_ms(10);
  auto* m = entry.add_mutations();
  m->set_key("remote");
  m->set_value("x");
  WriteBatch remote;
  remote.remote = RemoteEntries{"n2.a", {entry.SerializeAsString()}};
  ASSERT_TRUE(Commit(std::move(remote)).ok());
  EXPECT_EQ(store_->applied().Get("n2.a"), 1u);
  Open();
  EXPECT_EQ(store_->applied().Get("n2.a"), 1u);
  EXPECT_EQ(LiveValue("remote"), "x");
}

TEST_F(StoreTest, TinyMapRejectsTheWriteThatDoesNotFitAndStaysHealthy) {
  Open("n1", 1 << 20);
  ASSERT_TRUE(Put("early", "v").ok());
  WriteBatch big;
  for (int i = 0; i < 512; ++i) big.Put("big" + std::to_string(i), std::string(4000, 'x'));
  auto r = Commit(std::move(big));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsResourceExhausted()) << r.status().ToString();
  EXPECT_TRUE(store_->writer().health().ok());
  EXPECT_EQ(LiveValue("big0"), "<absent>");
  EXPECT_EQ(LiveValue("early"), "v");
  auto small = Put("small", "v");
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->seq, 2u);
  EXPECT_EQ(LiveValue("small"), "v");
}

TEST_F(StoreTest, OnDurableIsCalledWithEachNewSequence) {
  auto seen = std::make_shared<std::vector<uint64_t>>();
  auto mu = std::make_shared<std::mutex>();
  StoreOptions options;
  options.dir = dir_;
  options.node_id = "n1";
  options.map_size_bytes = 64 << 20;
  options.writer.on_durable = [seen, mu](uint64_t seq) {
    std::lock_guard lock(*mu);
    seen->push_back(seq);
  };
  auto store = Store::Open(std::move(options));
  ASSERT_TRUE(store.ok());
  store_ = std::move(*store);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Put("k" + std::to_string(i), "v").ok());
  std::lock_guard lock(*mu);
  EXPECT_EQ(*seen, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(StoreTest, StopCommitsAndThenRefusesWrites) {
  Open();
  ASSERT_TRUE(Put("k", "v").ok());
  store_->Stop();
  store_->Stop();
  auto r = Put("late", "v");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_EQ(LiveValue("k"), "v");  // reads still work
  EXPECT_EQ(LiveValue("late"), "<absent>");
}

}  // namespace
}  // namespace meridian::storage
