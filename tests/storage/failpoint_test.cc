// Failure paths under the writer, driven by the failpoints of storage/failpoint.h on a real
// store: a commit that fails turns the writer sticky without losing what was acknowledged and
// a reopened store recovers; a replica whose fsync fails records nothing as applied; a log read
// that fails is an error, not a short read.
#include "storage/failpoint.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>

#include "storage.pb.h"
#include "storage/records.h"
#include "storage/replica.h"
#include "storage/store.h"

namespace meridian::storage {
namespace {

class FailpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-failpoint-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = 64 << 20;
    auto store = Store::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  Result<CommitInfo> Commit(WriteBatch batch) {
    std::promise<Result<CommitInfo>> done;
    store_->Submit(std::move(batch), [&](Result<CommitInfo> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Result<CommitInfo> Put(const std::string& key, const std::string& value) {
    WriteBatch b;
    b.Put(key, value);
    return Commit(std::move(b));
  }
  std::optional<std::string> Value(const std::string& key) {
    auto txn = store_->Read();
    auto r = GetAnyRecord(*txn, key);
    if (!r.ok() || !r->has_value() || (*r)->tombstone()) return std::nullopt;
    return (*r)->value();
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST(FailpointSpec, ParsesNamesAndCountsAndRefusesGarbage) {
  EXPECT_TRUE(failpoint::Hit("test.unarmed").ok());
  ASSERT_TRUE(failpoint::ArmFromText("test.a=after:2,test.b").ok());
  EXPECT_TRUE(failpoint::Hit("test.a").ok());
  EXPECT_TRUE(failpoint::Hit("test.a").ok());
  EXPECT_EQ(failpoint::Hit("test.a").code(), Status::Code::kIOError);
  EXPECT_FALSE(failpoint::Hit("test.a").ok()) << "armed: fails every later hit";
  EXPECT_FALSE(failpoint::Hit("test.b").ok());
  failpoint::Disarm("test.a");
  failpoint::Disarm("test.b");
  EXPECT_TRUE(failpoint::Hit("test.a").ok());
  EXPECT_FALSE(failpoint::ArmFromText("test.c=sometimes").ok());
  EXPECT_FALSE(failpoint::ArmFromText("test.c=after:x").ok());
  EXPECT_FALSE(failpoint::ArmFromText("=after:1").ok());
  EXPECT_TRUE(failpoint::Hit("test.c").ok()) << "a refused spec arms nothing";
}

TEST_F(FailpointTest, AFailedCommitIsStickyLosesNothingAcknowledgedAndAReopenRecovers) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("b", "2").ok());
  {
    failpoint::ScopedFailpoint fail(failpoint::kCommit);
    auto failed = Put("c", "3");
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().code(), Status::Code::kIOError);
  }
  // Sticky (leveldb's rule): the disk may be fine again, the writer does not trust it.
  EXPECT_FALSE(store_->writer().health().ok());
  EXPECT_NE(store_->writer().health().message().find("failpoint"), std::string::npos);
  auto later = Put("d", "4");
  EXPECT_FALSE(later.ok());
  EXPECT_EQ(store_->writer().committed_seq(), 2u);
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(Value("b"), "2");
  EXPECT_FALSE(Value("c").has_value()) << "a failed commit left nothing behind";

  Open();  // a restart recovers: acknowledged writes kept, new ones accepted
  EXPECT_TRUE(store_->writer().health().ok());
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(Value("b"), "2");
  EXPECT_FALSE(Value("c").has_value());
  auto after = Put("e", "5");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->seq, 3u);
}

TEST_F(FailpointTest, AReplicaWhoseFsyncFailsRecordsNothingApplied) {
  pb::LogEntry entry;
  entry.set_version(1);
  entry.set_origin("n2.a");
  entry.set_seq(1);
  entry.set_hlc(100);
  auto* m = entry.add_mutations();
  m->set_key("k");
  m->set_value("remote");
  WriteBatch remote;
  remote.remote = RemoteEntries{"n2.a", {entry.SerializeAsString()}};
  {
    failpoint::ScopedFailpoint fail(failpoint::kCommitRemote);
    ASSERT_TRUE(Put("local", "fine").ok()) << "only commits holding a peer's entries fail";
    EXPECT_FALSE(Commit(remote).ok());
  }
  EXPECT_EQ(store_->applied().Get("n2.a"), 0u) << "nothing to acknowledge";
  auto txn = store_->Read();
  auto positions = AppliedPositions(*txn);
  ASSERT_TRUE(positions.ok());
  EXPECT_EQ(positions->count("n2.a"), 0u);
  EXPECT_FALSE(Value("k").has_value());
}

TEST_F(FailpointTest, AFailedLogReadIsAnErrorNotAShortRead) {
  ASSERT_TRUE(Put("a", "1").ok());
  auto txn = store_->Read();
  ASSERT_TRUE(txn.ok());
  {
    failpoint::ScopedFailpoint fail(failpoint::kReadLog);
    auto read = ReadLog(*txn, 1, 10, 1 << 20);
    EXPECT_FALSE(read.ok());
  }
  auto read = ReadLog(*txn, 1, 10, 1 << 20);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->size(), 1u);
}

}  // namespace
}  // namespace meridian::storage
