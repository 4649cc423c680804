// The store-backed LogReader (replication/log_source.h): the core reads the node's own log
// through it, and a storage error must reach the core as an error, never as "the log ends here".
#include "replication/log_source.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>

#include "replication/core/replicator.h"
#include "storage/failpoint.h"

namespace meridian::replication {
namespace {

class StoreLogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-logsource-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = 64 << 20;
    auto store = storage::Store::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    for (int i = 0; i < 3; ++i) {
      storage::WriteBatch b;
      b.Put("k" + std::to_string(i), "v");
      std::promise<Result<storage::CommitInfo>> done;
      store_->Submit(std::move(b), [&](auto r) { done.set_value(std::move(r)); });
      ASSERT_TRUE(done.get_future().get().ok());
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(StoreLogReaderTest, ReadsTheOwnLogAndFailsLoudly) {
  StoreLogReader reader(store_.get());
  EXPECT_EQ(reader.FirstSeq(), 1u);
  auto all = reader.Read(1, 10, 1 << 20);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  storage::failpoint::ScopedFailpoint fail(storage::failpoint::kReadLog);
  auto broken = reader.Read(1, 10, 1 << 20);
  ASSERT_FALSE(broken.ok()) << "a storage error came back as a read of " << broken->size()
                            << " entries";
  EXPECT_EQ(broken.status().code(), Status::Code::kIOError);
}

TEST_F(StoreLogReaderTest, TheCoreSeesTheStorageErrorAndResumesAfterIt) {
  StoreLogReader reader(store_.get());
  Replicator core(store_->origin_id(), {"n2"}, PersistedState{3, {}}, &reader);
  {
    storage::failpoint::ScopedFailpoint fail(storage::failpoint::kReadLog);
    core.PeerConnected("n2", 0, 0);
    Ready ready = core.TakeReady();
    EXPECT_FALSE(ready.log_error.ok());
    for (const auto& [peer, msg] : ready.entries) EXPECT_TRUE(msg.entries.empty());
  }
  core.Tick(10);
  Ready ready = core.TakeReady();
  size_t sent = 0;
  for (const auto& [peer, msg] : ready.entries) sent += msg.entries.size();
  EXPECT_EQ(sent, 3u);
}

}  // namespace
}  // namespace meridian::replication
