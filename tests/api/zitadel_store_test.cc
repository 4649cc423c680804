// Tests of the ZITADEL metadata batches against a real store (LMDB in a temp dir): the
// per-organization sequence, creation dates kept across updates, all-or-nothing removes
// decided inside the writer, organizations deleted under a write, and search paging.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>

#include "api/auth.h"
#include "api/zitadel/metadata_store.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace meridian::api::zitadel {
namespace {

class ZitadelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-zitadel-XXXXXX";
    dir_ = mkdtemp(tmpl);
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = 64 << 20;
    auto store = storage::Store::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    storage::WriteBatch org;
    org.Put(storage::DataKey(storage::kSystemTenant, kOrgsNs, kOrg), "{\"id\":\"org-1\"}");
    ASSERT_TRUE(Commit(std::move(org)).ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<storage::CommitInfo> Commit(storage::WriteBatch batch) {
    std::promise<Result<storage::CommitInfo>> done;
    store_->Submit(std::move(batch),
                   [&](Result<storage::CommitInfo> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  // Runs a batch made by `make` with a fixed clock; returns the details or the error.
  Result<Details> Run(
      const std::function<storage::WriteBatch(std::shared_ptr<WriteOutcome>, WallClock)>& make,
      int64_t now_ms) {
    auto outcome = std::make_shared<WriteOutcome>();
    auto committed = Commit(make(outcome, [now_ms] { return now_ms; }));
    if (!committed.ok()) return committed.status();
    return outcome->details;
  }
  Result<Details> Set(std::vector<MetadataItem> items, bool bulk, int64_t now_ms) {
    return Run([&](auto o, auto c) { return SetBatch(kOrg, items, bulk, o, c); }, now_ms);
  }
  Result<Details> Remove(std::vector<std::string> keys, int64_t now_ms) {
    return Run([&](auto o, auto c) { return RemoveBatch(kOrg, keys, "TEST-miss", o, c); }, now_ms);
  }
  std::optional<StoredEntry> Get(const std::string& key) {
    auto txn = store_->Read();
    auto e = GetEntry(*txn, kOrg, key);
    return e.ok() ? *e : std::nullopt;
  }
  uint64_t Sequence() {
    auto txn = store_->Read();
    auto s = CurrentSequence(*txn, kOrg);
    return s.ok() ? *s : 999999;
  }
  static constexpr const char* kOrg = "org-1";
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ZitadelStoreTest, SetKeepsCreationDateAndAdvancesSequence) {
  auto first = Set({{"plan", "cHJv"}}, false, 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->sequence, 1u);
  EXPECT_EQ(first->created_ms, 1000);
  EXPECT_EQ(first->changed_ms, 1000);
  EXPECT_EQ(first->resource_owner, kOrg);
  auto second = Set({{"plan", "ZW50"}}, false, 2000);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->sequence, 2u);
  EXPECT_EQ(second->created_ms, 1000);
  EXPECT_EQ(second->changed_ms, 2000);
  auto stored = Get("plan");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->value, "ZW50");
  EXPECT_EQ(stored->sequence, 2u);
  EXPECT_EQ(stored->created_ms, 1000);
  EXPECT_EQ(stored->changed_ms, 2000);
}

TEST_F(ZitadelStoreTest, BulkSetCountsOneEventPerItem) {
  auto d = Set({{"a", "YQ=="}, {"b", "Yg=="}, {"a", "Yw=="}}, true, 5000);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->sequence, 3u);
  EXPECT_EQ(d->created_ms, 0);  // change details: no creationDate
  EXPECT_EQ(Get("a")->value, "Yw==");
  EXPECT_EQ(Get("a")->sequence, 3u);
  EXPECT_EQ(Get("b")->sequence, 2u);
  EXPECT_EQ(Sequence(), 3u);
}

TEST_F(ZitadelStoreTest, RemoveOfAnyMissingKeyRemovesNothing) {
  ASSERT_TRUE(Set({{"a", "YQ=="}, {"b", "Yg=="}}, true, 1000).ok());
  auto failed = Remove({"a", "missing", "b"}, 2000);
  EXPECT_TRUE(failed.status().IsNotFound());
  EXPECT_NE(failed.status().message().find("TEST-miss"), std::string::npos);
  EXPECT_TRUE(Get("a").has_value());
  EXPECT_TRUE(Get("b").has_value());
  EXPECT_EQ(Sequence(), 2u);
  auto removed = Remove({"a", "b"}, 3000);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->sequence, 4u);
  EXPECT_EQ(removed->changed_ms, 3000);
  EXPECT_FALSE(Get("a").has_value());
  EXPECT_FALSE(Get("b").has_value());
  EXPECT_TRUE(Remove({"a"}, 4000).status().IsNotFound());
  EXPECT_EQ(Sequence(), 4u);
}

TEST_F(ZitadelStoreTest, KeysRecreatedAfterRemovalGetANewCreationDate) {
  ASSERT_TRUE(Set({{"a", "YQ=="}}, false, 1000).ok());
  ASSERT_TRUE(Remove({"a"}, 2000).ok());
  auto again = Set({{"a", "YQ=="}}, false, 3000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created_ms, 3000);
}

TEST_F(ZitadelStoreTest, WritesToADeletedOrganizationAreRefused) {
  storage::WriteBatch drop;
  drop.Delete(storage::DataKey(storage::kSystemTenant, kOrgsNs, kOrg));
  ASSERT_TRUE(Commit(std::move(drop)).ok());
  EXPECT_TRUE(Set({{"a", "YQ=="}}, false, 1000).status().IsNotFound());
  EXPECT_FALSE(Get("a").has_value());
  EXPECT_EQ(Sequence(), 0u);
}

TEST_F(ZitadelStoreTest, ConcurrentWritesGetDistinctSequences) {
  constexpr int kWriters = 20;
  std::vector<std::shared_ptr<WriteOutcome>> outcomes;
  std::vector<std::future<Result<storage::CommitInfo>>> done;
  std::vector<std::shared_ptr<std::promise<Result<storage::CommitInfo>>>> promises;
  for (int i = 0; i < kWriters; ++i) {
    outcomes.push_back(std::make_shared<WriteOutcome>());
    promises.push_back(std::make_shared<std::promise<Result<storage::CommitInfo>>>());
    done.push_back(promises.back()->get_future());
    store_->Submit(
        SetBatch(kOrg, {{"k" + std::to_string(i), "YQ=="}}, false, outcomes.back()),
        [p = promises.back()](Result<storage::CommitInfo> r) { p->set_value(std::move(r)); });
  }
  std::set<uint64_t> sequences;
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(done[i].get().ok());
    sequences.insert(outcomes[i]->details.sequence);
  }
  EXPECT_EQ(sequences.size(), static_cast<size_t>(kWriters));
  EXPECT_EQ(*sequences.rbegin(), static_cast<uint64_t>(kWriters));
}

TEST_F(ZitadelStoreTest, SearchFiltersOrdersAndPages) {
  ASSERT_TRUE(
      Set({{"app.a", "YQ=="}, {"app.b", "Yg=="}, {"app.c", "Yw=="}, {"other", "ZA=="}}, true, 1000)
          .ok());
  auto txn = store_->Read();
  SearchRequest all;
  auto page = Search(*txn, kOrg, all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(page->processed_sequence, 4u);
  ASSERT_EQ(page->entries.size(), 4u);
  EXPECT_EQ(page->entries[0].key, "other");  // descending by default
  SearchRequest app;
  app.filters = {{"APP.", TextMethod::kStartsWithIgnoreCase}};
  app.asc = true;
  app.offset = 1;
  app.limit = 1;
  page = Search(*txn, kOrg, app);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3u);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].key, "app.b");
  EXPECT_EQ(page->entries[0].stored.value, "Yg==");
  app.offset = 3;
  page = Search(*txn, kOrg, app);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3u);
  EXPECT_TRUE(page->entries.empty());
}

TEST_F(ZitadelStoreTest, OrganizationsDoNotSeeEachOther) {
  ASSERT_TRUE(Set({{"a", "YQ=="}}, false, 1000).ok());
  auto txn = store_->Read();
  auto other = GetEntry(*txn, "org-2", "a");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto page = Search(*txn, "org-2", SearchRequest{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 0u);
}

}  // namespace
}  // namespace meridian::api::zitadel
