// Tests of the Merkle-style range digests (storage/digest.h): the tree's shape follows the key
// layout, equal records digest equally whatever order they were written in, and any change to
// a record's version or value, or a record more or less, changes every digest above it.
#include "storage/digest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "storage.pb.h"
#include "storage/keys.h"

namespace meridian::storage {
namespace {

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-digest-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto env = Env::Open({dir_, 64 << 20});
    ASSERT_TRUE(env.ok());
    env_ = std::move(*env);
  }
  void TearDown() override {
    env_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Put(const std::string& key, uint64_t hlc, const std::string& value, bool tombstone = false) {
    pb::Record r;
    r.set_hlc(hlc);
    r.set_origin("o1");
    r.set_value(value);
    r.set_tombstone(tombstone);
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Db::kData, key, r.SerializeAsString()).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  DigestNode Digest(const std::string& prefix, size_t leaf_max = 32) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto node = DigestPrefix(*txn, prefix, leaf_max);
    EXPECT_TRUE(node.ok());
    return *node;
  }
  std::string dir_;
  std::unique_ptr<Env> env_;
};

TEST(DigestShape, ChildrenFollowTheKeyLayout) {
  EXPECT_EQ(ChildPrefix(DataKey("t", "ns", "abc"), ""), TenantPrefix("t"));
  EXPECT_EQ(ChildPrefix(DataKey("t", "ns", "abc"), TenantPrefix("t")), NamespacePrefix("t", "ns"));
  EXPECT_EQ(ChildPrefix(DataKey("t", "ns", "abc"), NamespacePrefix("t", "ns")),
            NamespacePrefix("t", "ns") + "a");
  const std::string exact = DataKey("t", "ns", "ab");
  EXPECT_EQ(ChildPrefix(exact, exact), exact);
  std::string bytes;
  EXPECT_TRUE(BytesOfHex(HexOf(std::string("\0\xff", 2)), &bytes));
  EXPECT_EQ(bytes, std::string("\0\xff", 2));
  EXPECT_FALSE(BytesOfHex("zz", &bytes));
  EXPECT_FALSE(BytesOfHex("abc", &bytes));
}

TEST_F(DigestTest, GroupsCountsAndListsRecords) {
  Put(DataKey("t1", "a", "x1"), 5, "v");
  Put(DataKey("t1", "a", "x2"), 6, "v");
  Put(DataKey("t1", "a", "y"), 7, "v");
  Put(DataKey("t1", "b", "z"), 8, "v");
  Put(DataKey("t2", "a", "q"), 9, "v");
  Put(DataKey("t2", "a", "gone"), 10, "", /*tombstone=*/true);
  DigestNode root = Digest("", 2);
  EXPECT_EQ(root.count, 5u);  // tombstones are not digested
  EXPECT_TRUE(root.keys.empty());
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].prefix, TenantPrefix("t1"));
  EXPECT_EQ(root.children[0].count, 4u);
  EXPECT_EQ(root.children[1].count, 1u);
  ASSERT_TRUE(root.children[1].only.has_value());
  EXPECT_EQ(root.children[1].only->key, DataKey("t2", "a", "q"));
  DigestNode ns = Digest(NamespacePrefix("t1", "a"));
  ASSERT_EQ(ns.children.size(), 2u);  // "x" (two records) and "y"
  EXPECT_EQ(ns.children[0].count, 2u);
  EXPECT_FALSE(ns.children[0].only.has_value());
  EXPECT_EQ(ns.keys.size(), 3u);
  EXPECT_EQ(ns.keys[2].hlc, 7u);
}

TEST_F(DigestTest, EveryChangeShowsInEveryDigestAbove) {
  Put(DataKey("t", "a", "k1"), 5, "v1");
  Put(DataKey("t", "a", "k2"), 6, "v2");
  const DigestNode before = Digest("");
  Put(DataKey("t", "a", "k2"), 6, "v2-rotted");  // same version, other value
  EXPECT_NE(Digest("").digest, before.digest);
  Put(DataKey("t", "a", "k2"), 7, "v2");  // other version, same value
  EXPECT_NE(Digest("").digest, before.digest);
  Put(DataKey("t", "a", "k2"), 6, "v2");  // back as it was: the same digest again
  EXPECT_EQ(Digest("").digest, before.digest);
  EXPECT_EQ(Digest(TenantPrefix("t")).digest, before.digest);
  Put(DataKey("t", "a", "k3"), 8, "v3");
  EXPECT_NE(Digest("").digest, before.digest);
  EXPECT_EQ(Digest("").count, 3u);
}

}  // namespace
}  // namespace meridian::storage
