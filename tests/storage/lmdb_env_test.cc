// Tests of the LMDB environment and RAII transactions (storage/lmdb_env.h) on a real LMDB in a
// temp dir: put/get/delete, prefix scans with early stop, LastKey, abort on destruction, read
// snapshots, reopen, the error mapping, and a full map that fails cleanly and stays usable.
#include "storage/lmdb_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace meridian::storage {
namespace {

class LmdbEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-lmdb-env-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Open(64 << 20);
  }
  void TearDown() override {
    env_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(uint64_t map_size) {
    env_.reset();
    auto env = Env::Open({dir_, map_size});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(*env);
  }
  // Commits `pairs` into `db` in one transaction.
  Status PutAll(Db db, const std::vector<std::pair<std::string, std::string>>& pairs) {
    auto txn = env_->BeginWrite();
    if (!txn.ok()) return txn.status();
    for (const auto& [k, v] : pairs) MERIDIAN_RETURN_IF_ERROR(txn->Put(db, k, v));
    return txn->Commit();
  }
  // The committed value of `key` in `db`, "<absent>" if none, "<error>" on failure.
  std::string Read(Db db, const std::string& key) {
    auto txn = env_->BeginRead();
    if (!txn.ok()) return "<error>";
    auto v = txn->Get(db, key);
    if (!v.ok()) return "<error>";
    return v->has_value() ? std::string(**v) : "<absent>";
  }
  std::vector<std::string> ScanKeys(Db db, const std::string& prefix, size_t stop_after = 1000) {
    std::vector<std::string> keys;
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    Status st = txn->Scan(db, prefix, [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return keys.size() < stop_after;
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return keys;
  }
  std::string dir_;
  std::unique_ptr<Env> env_;
};

TEST_F(LmdbEnvTest, CommittedPutIsReadBack) {
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "v"}, {std::string("bin\0key", 7), "x"}}).ok());
  EXPECT_EQ(Read(Db::kData, "k"), "v");
  EXPECT_EQ(Read(Db::kData, std::string("bin\0key", 7)), "x");
  EXPECT_EQ(Read(Db::kData, "missing"), "<absent>");
}

TEST_F(LmdbEnvTest, DatabasesAreSeparateKeySpaces) {
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "data"}}).ok());
  ASSERT_TRUE(PutAll(Db::kMeta, {{"k", "meta"}}).ok());
  EXPECT_EQ(Read(Db::kData, "k"), "data");
  EXPECT_EQ(Read(Db::kMeta, "k"), "meta");
  EXPECT_EQ(Read(Db::kLog, "k"), "<absent>");
}

TEST_F(LmdbEnvTest, PutOverwritesAndDeleteRemoves) {
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "one"}}).ok());
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "two"}}).ok());
  EXPECT_EQ(Read(Db::kData, "k"), "two");
  auto txn = env_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(txn->Delete(Db::kData, "k").ok());
  EXPECT_TRUE(txn->Delete(Db::kData, "never-there").ok());  // deleting an absent key is OK
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Read(Db::kData, "k"), "<absent>");
}

TEST_F(LmdbEnvTest, WriteTxnSeesItsOwnUncommittedWrites) {
  auto txn = env_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(txn->Put(Db::kData, "k", "v").ok());
  auto v = txn->Get(Db::kData, "k");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ(**v, "v");
  ASSERT_TRUE(txn->Commit().ok());
}

TEST_F(LmdbEnvTest, ScanVisitsOnlyThePrefixInKeyOrder) {
  ASSERT_TRUE(PutAll(Db::kData, {{"b/2", "x"},
                                 {"a/1", "x"},
                                 {"b/1", "x"},
                                 {"b", "x"},
                                 {"b0", "x"},
                                 {"c/1", "x"},
                                 {"b/10", "x"}})
                  .ok());
  EXPECT_EQ(ScanKeys(Db::kData, "b/"), (std::vector<std::string>{"b/1", "b/10", "b/2"}));
  EXPECT_EQ(ScanKeys(Db::kData, "zzz"), std::vector<std::string>{});
  EXPECT_EQ(ScanKeys(Db::kData, "").size(), 7u);  // the empty prefix is everything
}

TEST_F(LmdbEnvTest, ScanPassesValuesAndStopsWhenTheCallbackSaysSo) {
  ASSERT_TRUE(PutAll(Db::kData, {{"p1", "v1"}, {"p2", "v2"}, {"p3", "v3"}, {"p4", "v4"}}).ok());
  EXPECT_EQ(ScanKeys(Db::kData, "p", 2), (std::vector<std::string>{"p1", "p2"}));
  auto txn = env_->BeginRead();
  ASSERT_TRUE(txn.ok());
  std::vector<std::string> values;
  ASSERT_TRUE(txn->Scan(Db::kData, "p",
                        [&](std::string_view, std::string_view v) {
                          values.emplace_back(v);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(values, (std::vector<std::string>{"v1", "v2", "v3", "v4"}));
}

TEST_F(LmdbEnvTest, ScanFromStartsAtTheFirstKeyNotBelowStart) {
  ASSERT_TRUE(PutAll(Db::kLog, {{"a", ""}, {"c", ""}, {"e", ""}}).ok());
  auto txn = env_->BeginRead();
  ASSERT_TRUE(txn.ok());
  std::vector<std::string> keys;
  ASSERT_TRUE(txn->ScanFrom(Db::kLog, "b",
                            [&](std::string_view k, std::string_view) {
                              keys.emplace_back(k);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"c", "e"}));
  keys.clear();
  ASSERT_TRUE(txn->ScanFrom(Db::kLog, "",
                            [&](std::string_view k, std::string_view) {
                              keys.emplace_back(k);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(keys.size(), 3u);
  keys.clear();
  ASSERT_TRUE(txn->ScanFrom(Db::kLog, "f",
                            [&](std::string_view k, std::string_view) {
                              keys.emplace_back(k);
                              return true;
                            })
                  .ok());
  EXPECT_TRUE(keys.empty());
}

TEST_F(LmdbEnvTest, LastKeyIsEmptyThenTheGreatestKey) {
  {
    auto txn = env_->BeginRead();
    ASSERT_TRUE(txn.ok());
    auto last = txn->LastKey(Db::kLog);
    ASSERT_TRUE(last.ok());
    EXPECT_FALSE(last->has_value());
  }
  ASSERT_TRUE(PutAll(Db::kLog, {{"m", ""}, {"z", ""}, {"a", ""}}).ok());
  auto txn = env_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto last = txn->LastKey(Db::kLog);
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(**last, "z");
}

TEST_F(LmdbEnvTest, WriteTxnDestroyedWithoutCommitLeavesNothing) {
  ASSERT_TRUE(PutAll(Db::kData, {{"kept", "v"}}).ok());
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Db::kData, "dropped", "v").ok());
    ASSERT_TRUE(txn->Delete(Db::kData, "kept").ok());
  }
  EXPECT_EQ(Read(Db::kData, "dropped"), "<absent>");
  EXPECT_EQ(Read(Db::kData, "kept"), "v");
  // The writer lock was released: a new write transaction can start and commit.
  EXPECT_TRUE(PutAll(Db::kData, {{"after", "v"}}).ok());
}

TEST_F(LmdbEnvTest, MovedWriteTxnCommitsOnceAndTheSourceAbortsNothing) {
  auto txn = env_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  WriteTxn moved = std::move(*txn);
  ASSERT_TRUE(moved.Put(Db::kData, "k", "v").ok());
  ASSERT_TRUE(moved.Commit().ok());
  EXPECT_EQ(Read(Db::kData, "k"), "v");
}

TEST_F(LmdbEnvTest, ReadSnapshotDoesNotSeeLaterCommits) {
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "old"}}).ok());
  auto snapshot = env_->BeginRead();
  ASSERT_TRUE(snapshot.ok());
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "new"}, {"k2", "added"}}).ok());
  auto v = snapshot->Get(Db::kData, "k");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(**v, "old");
  auto v2 = snapshot->Get(Db::kData, "k2");
  ASSERT_TRUE(v2.ok());
  EXPECT_FALSE(v2->has_value());
  EXPECT_EQ(Read(Db::kData, "k"), "new");  // a fresh snapshot sees it
}

TEST_F(LmdbEnvTest, ReopenKeepsCommittedDataOnly) {
  ASSERT_TRUE(PutAll(Db::kData, {{"k", "v"}}).ok());
  ASSERT_TRUE(PutAll(Db::kMeta, {{"m", "1"}}).ok());
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Db::kData, "uncommitted", "v").ok());
  }
  Open(64 << 20);
  EXPECT_EQ(Read(Db::kData, "k"), "v");
  EXPECT_EQ(Read(Db::kMeta, "m"), "1");
  EXPECT_EQ(Read(Db::kData, "uncommitted"), "<absent>");
}

TEST_F(LmdbEnvTest, ReportsItsMapSizeAndUsedBytes) {
  EXPECT_EQ(env_->map_size_bytes(), uint64_t{64} << 20);
  const uint64_t before = env_->UsedBytes();
  EXPECT_GT(before, 0u);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 200; ++i) pairs.emplace_back("k" + std::to_string(i), std::string(1000, 'x'));
  ASSERT_TRUE(PutAll(Db::kData, pairs).ok());
  EXPECT_GT(env_->UsedBytes(), before);
  EXPECT_LE(env_->UsedBytes(), env_->map_size_bytes());
}

TEST_F(LmdbEnvTest, OverfilledTinyMapGivesResourceExhaustedAndStaysUsable) {
  Open(1 << 20);
  ASSERT_TRUE(PutAll(Db::kData, {{"early", "data"}}).ok());
  Status failure;
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    const std::string value(4000, 'v');
    // 2 MiB of values cannot fit in a 1 MiB map: some Put, or the Commit, must fail.
    for (int i = 0; i < 512 && failure.ok(); ++i) {
      failure = txn->Put(Db::kData, "big" + std::to_string(i), value);
    }
    if (failure.ok()) failure = txn->Commit();
  }  // an uncommitted (failed) transaction is discarded here
  EXPECT_TRUE(failure.IsResourceExhausted()) << failure.ToString();
  EXPECT_EQ(Read(Db::kData, "early"), "data");
  EXPECT_EQ(Read(Db::kData, "big0"), "<absent>");
  EXPECT_TRUE(PutAll(Db::kData, {{"small", "ok"}}).ok());
  EXPECT_EQ(Read(Db::kData, "small"), "ok");
}

TEST_F(LmdbEnvTest, OpenCreatesAMissingDirectory) {
  const std::string nested = dir_ + "/nested/deeper";
  auto env = Env::Open({nested, 8 << 20});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(nested + "/data.mdb"));
  auto txn = (*env)->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(txn->Put(Db::kData, "k", "v").ok());
  EXPECT_TRUE(txn->Commit().ok());
}

TEST_F(LmdbEnvTest, OpenUnderARegularFileFails) {
  const std::string file = dir_ + "/plain-file";
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  auto env = Env::Open({file + "/db", 8 << 20});
  EXPECT_FALSE(env.ok());
}

TEST_F(LmdbEnvTest, MdbCodesMapToStatusCodes) {
  EXPECT_TRUE(FromMdb(MDB_SUCCESS, "x").ok());
  EXPECT_TRUE(FromMdb(MDB_MAP_FULL, "x").IsResourceExhausted());
  EXPECT_TRUE(FromMdb(MDB_TXN_FULL, "x").IsResourceExhausted());
  EXPECT_TRUE(FromMdb(MDB_NOTFOUND, "x").IsNotFound());
  EXPECT_EQ(FromMdb(MDB_CORRUPTED, "x").code(), Status::Code::kCorruption);
  EXPECT_EQ(FromMdb(MDB_VERSION_MISMATCH, "x").code(), Status::Code::kCorruption);
  EXPECT_TRUE(FromMdb(MDB_READERS_FULL, "x").IsUnavailable());
  EXPECT_EQ(FromMdb(EIO, "x").code(), Status::Code::kIOError);
  // The message names the operation.
  EXPECT_EQ(FromMdb(MDB_MAP_FULL, "mdb_put").message().rfind("mdb_put: ", 0), 0u);
}

}  // namespace
}  // namespace meridian::storage
