// A full disk (ENOSPC on commit) on a real filesystem: a small tmpfs mounted for the test (needs
// root; skipped otherwise). Writes fail with ResourceExhausted, the env reports full(), nothing
// committed is lost, and once space is freed the next write commits without a restart.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "storage/records.h"
#include "storage/writer.h"

namespace meridian::storage {
namespace {

using namespace std::chrono_literals;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    char tmpl[] = "/tmp/meridian-disk-full-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    if (mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=2m") != 0) {
      std::filesystem::remove_all(dir_);
      dir_.clear();
      GTEST_SKIP() << "cannot mount a tmpfs here";
    }
    mounted_ = true;
    auto env = Env::Open({dir_ + "/db", 64 << 20});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(*env);
    writer_ = std::make_unique<Writer>(env_.get(), &applied_, "n1.test", 0, Hlc(), WriterOptions{});
  }
  void TearDown() override {
    writer_.reset();
    env_.reset();
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Result<CommitInfo> Put(const std::string& key, const std::string& value) {
    WriteBatch b;
    b.Put(key, value);
    auto done = std::make_shared<std::promise<Result<CommitInfo>>>();
    auto f = done->get_future();
    writer_->Submit(std::move(b), [done](Result<CommitInfo> r) { done->set_value(std::move(r)); });
    if (f.wait_for(30s) != std::future_status::ready) return Status::Timeout("no answer");
    return f.get();
  }
  std::string LiveValue(const std::string& key) {
    auto txn = env_->BeginRead();
    if (!txn.ok()) return "<error>";
    auto r = GetLiveRecord(*txn, key);
    return r.ok() && r->has_value() ? (*r)->value() : "<absent>";
  }

  std::string dir_;
  bool mounted_ = false;
  std::unique_ptr<Env> env_;
  AppliedIndex applied_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(DiskFullTest, FullDiskRefusesWritesKeepsCommittedOnesAndRecoversWhenSpaceIsFreed) {
  ASSERT_TRUE(Put("acknowledged", "kept").ok());
  // Take most of the filesystem with a file the "operator" can delete later.
  const std::string filler = dir_ + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string chunk(64 << 10, 'f');
    for (int i = 0; i < 64 && out.write(chunk.data(), chunk.size()); ++i) {
    }
  }
  Status failure;
  int committed = 0;
  for (int i = 0; i < 2000 && failure.ok(); ++i) {
    auto r = Put("k" + std::to_string(i), std::string(8000, 'v'));
    if (r.ok()) {
      committed++;
    } else {
      failure = r.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "the disk never filled";
  EXPECT_TRUE(failure.IsResourceExhausted()) << failure.ToString();
  EXPECT_TRUE(env_->full());
  EXPECT_TRUE(writer_->health().ok())
      << "a full disk is not sticky: " << writer_->health().ToString();
  // Still full: refused again, not wedged.
  EXPECT_TRUE(Put("still", std::string(8000, 'v')).status().IsResourceExhausted());
  EXPECT_EQ(LiveValue("acknowledged"), "kept");
  if (committed > 0) {
    EXPECT_EQ(LiveValue("k0"), std::string(8000, 'v'));
  }

  std::filesystem::remove(filler);  // the operator frees space
  auto after = Put("after", "v");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_FALSE(env_->full());
  EXPECT_EQ(LiveValue("after"), "v");
  EXPECT_EQ(LiveValue("acknowledged"), "kept");
}

}  // namespace
}  // namespace meridian::storage
