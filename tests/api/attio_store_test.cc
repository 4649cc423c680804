// Tests of the Attio batches against a real store (LMDB in a temp dir): built-in objects and
// derived ids, object and list creation, slug uniqueness decided inside the writer (also for
// batches committed in one group), relationships, updates merged with the current state,
// system attributes, and writes racing an organization's deletion.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "api/attio/attribute_store.h"
#include "api/attio/errors.h"
#include "api/attio/parent_requests.h"
#include "api/attio/system_attributes.h"
#include "api/auth.h"
#include "api/http.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/store.h"

namespace meridian::api::attio {
namespace {
namespace json = boost::json;

constexpr const char* kOrg = "0b8f0d8e-1111-4222-8333-444455556666";

class AttioStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-attio-XXXXXX";
    dir_ = mkdtemp(tmpl);
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = 64 << 20;
    auto store = storage::Store::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    storage::WriteBatch org;
    org.Put(storage::DataKey(storage::kSystemTenant, kOrgsNs, kOrg),
            "{\"id\":\"x\",\"name\":\"acme\",\"created_at\":\"2024-01-01T00:00:00.000Z\"}");
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
  // Submits every batch before waiting, so the writer may take them as one group.
  std::vector<Result<storage::CommitInfo>> CommitAll(std::vector<storage::WriteBatch> batches) {
    std::vector<std::promise<Result<storage::CommitInfo>>> done(batches.size());
    for (size_t i = 0; i < batches.size(); ++i) {
      store_->Submit(std::move(batches[i]), [&done, i](Result<storage::CommitInfo> r) {
        done[i].set_value(std::move(r));
      });
    }
    std::vector<Result<storage::CommitInfo>> out;
    for (auto& d : done) out.push_back(d.get_future().get());
    return out;
  }
  Result<json::object> CreateAttr(Target target, const std::string& parent, json::object data) {
    auto draft = ParseCreateBody(json::object{{"data", std::move(data)}}, target);
    if (!draft.ok()) return draft.status();
    auto outcome = std::make_shared<AttributeOutcome>();
    auto committed =
        Commit(CreateAttributeBatch(kOrg, target, parent, std::move(*draft),
                                    {NewUuid(), NewUuid(), "2024-05-05T00:00:00.000Z"}, outcome));
    if (!committed.ok()) return committed.status();
    return outcome->body;
  }
  Result<json::object> Update(const std::string& parent, const std::string& attr, json::object data,
                              storage::CommitInfo* info = nullptr) {
    auto patch = ParsePatchBody(json::object{{"data", std::move(data)}});
    if (!patch.ok()) return patch.status();
    auto outcome = std::make_shared<AttributeOutcome>();
    auto committed = Commit(
        UpdateAttributeBatch(kOrg, Target::kObjects, parent, attr, std::move(*patch), outcome));
    if (!committed.ok()) return committed.status();
    if (info) *info = *committed;
    return outcome->body;
  }
  Result<json::object> CreateObject(const std::string& slug) {
    auto outcome = std::make_shared<CreateOutcome>();
    auto committed = Commit(CreateObjectBatch(kOrg, {slug, "Deal", "Deals"}, NewUuid(),
                                              "2024-02-02T00:00:00.000Z", outcome));
    if (!committed.ok()) return committed.status();
    return outcome->body;
  }
  std::vector<std::string> Slugs(Target target, const std::string& parent) {
    auto txn = store_->Read();
    auto p = FindParent(*txn, kOrg, target, parent);
    auto all = ListAttributes(*txn, kOrg, **p);
    std::vector<std::string> slugs;
    for (const auto& d : *all) slugs.push_back(d.api_slug);
    return slugs;
  }
  static json::object Text(std::string slug) {
    return json::object{{"title", "T"},
                        {"description", nullptr},
                        {"api_slug", slug},
                        {"type", "text"},
                        {"is_required", false},
                        {"is_unique", false},
                        {"is_multiselect", false},
                        {"config", json::object{}}};
  }
  static std::string Code(const Status& st) { return std::string(ErrorCodeOf(st)); }
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(AttioStoreTest, BuiltinObjectsHaveStableDerivedIds) {
  auto txn = store_->Read();
  auto people = FindParent(*txn, kOrg, Target::kObjects, "people");
  ASSERT_TRUE(people.ok() && people->has_value());
  EXPECT_TRUE(IsUuid((*people)->id));
  EXPECT_EQ((*people)->id, BuiltinObjectId(kOrg, "people"));
  EXPECT_NE((*people)->id, BuiltinObjectId("another-org", "people"));
  EXPECT_EQ((*people)->created_at, "2024-01-01T00:00:00.000Z");
  auto by_id = FindParent(*txn, kOrg, Target::kObjects, (*people)->id);
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->api_slug, "people");
  auto upper = (*people)->id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(FindParent(*txn, kOrg, Target::kObjects, upper)->has_value());
  EXPECT_FALSE(FindParent(*txn, kOrg, Target::kLists, "people")->has_value());
  EXPECT_FALSE(FindParent(*txn, kOrg, Target::kObjects, "deals")->has_value());
}

TEST_F(AttioStoreTest, ObjectsAndListsWithUniqueSlugs) {
  auto deal = CreateObject("deals");
  ASSERT_TRUE(deal.ok()) << deal.status().ToString();
  EXPECT_EQ((*deal)["api_slug"], "deals");
  auto again = CreateObject("deals");
  EXPECT_TRUE(again.status().IsConflict());
  EXPECT_EQ(Code(again.status()), "slug_conflict");
  EXPECT_TRUE(CreateObject("people").status().IsConflict());
  auto list_outcome = std::make_shared<CreateOutcome>();
  ListSpec spec{"Pipeline", "pipeline", "deals", nullptr, {}};
  ASSERT_TRUE(
      Commit(CreateListBatch(kOrg, spec, NewUuid(), "2024-03-03T00:00:00.000Z",
                             json::object{{"type", "api-token"}, {"id", "k"}}, list_outcome))
          .ok());
  EXPECT_EQ(list_outcome->body["parent_object"], json::array{"deals"});
  auto dup = Commit(
      CreateListBatch(kOrg, spec, NewUuid(), "t", nullptr, std::make_shared<CreateOutcome>()));
  EXPECT_TRUE(dup.status().IsConflict());
  spec.api_slug = "other";
  spec.parent_object = "unknown_object";
  auto orphan = Commit(
      CreateListBatch(kOrg, spec, NewUuid(), "t", nullptr, std::make_shared<CreateOutcome>()));
  EXPECT_TRUE(orphan.status().IsInvalidArgument());
  auto txn = store_->Read();
  auto objects = ListParents(*txn, kOrg, Target::kObjects);
  ASSERT_EQ(objects->size(), 3u);
  EXPECT_EQ((*objects)[2].api_slug, "deals");
  EXPECT_EQ(ListParents(*txn, kOrg, Target::kLists)->size(), 1u);
}

TEST_F(AttioStoreTest, ConcurrentCreatesOfOneSlugLetExactlyOneWin) {
  std::vector<storage::WriteBatch> batches;
  for (int i = 0; i < 6; ++i) {
    auto draft = ParseCreateBody(json::object{{"data", Text("score")}}, Target::kObjects);
    batches.push_back(CreateAttributeBatch(kOrg, Target::kObjects, "people", *draft,
                                           {NewUuid(), NewUuid(), "t"},
                                           std::make_shared<AttributeOutcome>()));
    batches.push_back(CreateObjectBatch(kOrg, {"projects", "P", "Ps"}, NewUuid(), "t",
                                        std::make_shared<CreateOutcome>()));
  }
  auto results = CommitAll(std::move(batches));
  int attr_ok = 0, object_ok = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      (i % 2 == 0 ? attr_ok : object_ok)++;
    } else {
      EXPECT_TRUE(results[i].status().IsConflict());
    }
  }
  EXPECT_EQ(attr_ok, 1);
  EXPECT_EQ(object_ok, 1);
  auto slugs = Slugs(Target::kObjects, "people");
  EXPECT_EQ(std::count(slugs.begin(), slugs.end(), "score"), 1);
}

TEST_F(AttioStoreTest, AttributeSlugsAreUniquePerParentIncludingSystemAttributes) {
  EXPECT_TRUE(CreateAttr(Target::kObjects, "people", Text("score")).ok());
  auto dup = CreateAttr(Target::kObjects, "people", Text("score"));
  EXPECT_EQ(Code(dup.status()), "slug_conflict");
  EXPECT_EQ(Code(CreateAttr(Target::kObjects, "people", Text("email_addresses")).status()),
            "slug_conflict");
  EXPECT_TRUE(CreateAttr(Target::kObjects, "companies", Text("score")).ok());
  auto missing = CreateAttr(Target::kObjects, "deals", Text("score"));
  EXPECT_TRUE(missing.status().IsNotFound());
  auto slugs = Slugs(Target::kObjects, "people");
  ASSERT_EQ(slugs.size(), 11u);
  EXPECT_EQ(slugs.front(), "record_id");
  EXPECT_EQ(slugs.back(), "score");
}

TEST_F(AttioStoreTest, RecordReferencesResolveAllowedObjects) {
  json::object ref = Text("employer");
  ref["type"] = "record-reference";
  ref["config"] =
      json::object{{"record_reference",
                    json::object{{"allowed_objects", json::array{"companies", "companies"}}}}};
  auto made = CreateAttr(Target::kObjects, "people", ref);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto allowed =
      (*made)["config"].as_object()["record_reference"].as_object()["allowed_object_ids"];
  EXPECT_EQ(allowed, json::array{json::value(BuiltinObjectId(kOrg, "companies"))});
  ref["api_slug"] = "other";
  ref["config"] =
      json::object{{"record_reference", json::object{{"allowed_objects", json::array{"nowhere"}}}}};
  EXPECT_TRUE(CreateAttr(Target::kObjects, "people", ref).status().IsInvalidArgument());
}

TEST_F(AttioStoreTest, RelationshipCreatesBothEntangledAttributes) {
  ASSERT_TRUE(CreateObject("deals").ok());
  json::object ref = Text("owner");
  ref["type"] = "record-reference";
  ref["relationship"] = json::object{{"object", "people"},
                                     {"title", "Deals owned"},
                                     {"api_slug", "deals_owned"},
                                     {"is_multiselect", true}};
  auto made = CreateAttr(Target::kObjects, "deals", ref);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const json::object& rel = (*made)["relationship"].as_object();
  EXPECT_EQ(rel.at("object_slug"), "people");
  EXPECT_EQ(rel.at("api_slug"), "deals_owned");
  EXPECT_EQ(rel.at("is_multiselect"), true);
  {
    auto txn = store_->Read();
    auto people = FindParent(*txn, kOrg, Target::kObjects, "people");
    auto reverse = FindAttribute(*txn, kOrg, **people, "deals_owned");
    ASSERT_TRUE(reverse.ok() && reverse->has_value());
    auto rendered = RenderStored(*txn, kOrg, **reverse);
    EXPECT_EQ((*rendered)["relationship"].as_object()["object_slug"], "deals");
    EXPECT_EQ((*rendered)["relationship"].as_object()["api_slug"], "owner");
  }
  // The reverse slug must be free on the related object too: nothing is written otherwise.
  ref["api_slug"] = "owner2";
  ref["relationship"].as_object()["api_slug"] = "company";
  EXPECT_EQ(Code(CreateAttr(Target::kObjects, "deals", ref).status()), "slug_conflict");
  auto slugs = Slugs(Target::kObjects, "deals");
  EXPECT_EQ(std::count(slugs.begin(), slugs.end(), "owner2"), 0);
}

TEST_F(AttioStoreTest, UpdatesMergeAndKeepSlugIndexConsistent) {
  auto made = CreateAttr(Target::kObjects, "people", Text("score"));
  ASSERT_TRUE(made.ok());
  auto renamed = Update("people", "score", json::object{{"api_slug", "rating_score"}});
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ((*renamed)["title"], "T");
  EXPECT_TRUE(Update("people", "score", json::object{{"title", "x"}}).status().IsNotFound());
  const std::string id((*made)["id"].as_object()["attribute_id"].as_string());
  auto by_id = Update("people", id, json::object{{"is_archived", true}});
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ((*by_id)["is_archived"], true);
  EXPECT_EQ((*by_id)["api_slug"], "rating_score");
  // The old slug is free again; the new one is taken.
  EXPECT_TRUE(CreateAttr(Target::kObjects, "people", Text("score")).ok());
  EXPECT_EQ(Code(Update("people", "score", json::object{{"api_slug", "rating_score"}}).status()),
            "slug_conflict");
  EXPECT_EQ(Code(Update("people", "score", json::object{{"api_slug", "name"}}).status()),
            "slug_conflict");
  storage::CommitInfo info;
  ASSERT_TRUE(Update("people", "score", json::object{{"title", "T"}}, &info).ok());
  EXPECT_FALSE(info.logged);  // nothing changed, nothing written
}

TEST_F(AttioStoreTest, SystemAttributesAndTypesCannotBeChanged) {
  auto system = Update("people", "email_addresses", json::object{{"title", "Mail"}});
  EXPECT_EQ(Code(system.status()), "system_edit_unauthorized");
  ASSERT_TRUE(CreateAttr(Target::kObjects, "people", Text("score")).ok());
  EXPECT_EQ(Code(Update("people", "score", json::object{{"type", "number"}}).status()),
            "immutable_value");
  auto txn = store_->Read();
  auto people = FindParent(*txn, kOrg, Target::kObjects, "people");
  auto company = FindAttribute(*txn, kOrg, **people, "company");
  auto rendered = RenderStored(*txn, kOrg, **company);
  EXPECT_EQ((*rendered)["is_system_attribute"], true);
  EXPECT_EQ((*rendered)["relationship"].as_object()["api_slug"], "team");
  EXPECT_EQ((*company)->id, SystemAttributeId(kOrg, (*people)->id, "company"));
}

TEST_F(AttioStoreTest, PeopleAndCompaniesTakeNoDefaultValues) {
  json::object with_default = Text("score");
  with_default["type"] = "number";
  with_default["default_value"] =
      json::object{{"type", "static"}, {"template", json::array{json::object{{"value", 1}}}}};
  EXPECT_TRUE(CreateAttr(Target::kObjects, "people", with_default).status().IsInvalidArgument());
  EXPECT_TRUE(CreateAttr(Target::kObjects, "companies", with_default).status().IsInvalidArgument());
  ASSERT_TRUE(CreateObject("deals").ok());
  EXPECT_TRUE(CreateAttr(Target::kObjects, "deals", with_default).ok());
  with_default["api_slug"] = "plain";
  with_default.erase("default_value");
  ASSERT_TRUE(CreateAttr(Target::kObjects, "people", with_default).ok());
  auto patched =
      Update("people", "plain",
             json::object{{"default_value",
                           json::object{{"type", "static"},
                                        {"template", json::array{json::object{{"value", 2}}}}}}});
  EXPECT_TRUE(patched.status().IsInvalidArgument());
  EXPECT_EQ(Code(patched.status()), "validation_type");
}

TEST_F(AttioStoreTest, WritesAfterTheOrganizationIsDeletedAreRefused) {
  storage::WriteBatch remove;
  remove.Delete(storage::DataKey(storage::kSystemTenant, kOrgsNs, kOrg));
  ASSERT_TRUE(Commit(std::move(remove)).ok());
  EXPECT_TRUE(CreateAttr(Target::kObjects, "people", Text("score")).status().IsNotFound());
  EXPECT_TRUE(CreateObject("deals").status().IsNotFound());
  auto txn = store_->Read();
  EXPECT_FALSE(storage::LiveNames(*txn, storage::TenantPrefix(kOrg))->size());
}

}  // namespace
}  // namespace meridian::api::attio
