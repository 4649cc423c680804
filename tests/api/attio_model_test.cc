// Tests of the Attio attribute model without a store: body parsing of create and update
// requests, every cross-field rule, the merge of an update, the stored and API forms, and the
// error envelope.
#include <gtest/gtest.h>

#include "api/attio/attribute_model.h"
#include "api/attio/attribute_request.h"
#include "api/attio/errors.h"

namespace meridian::api::attio {
namespace {
namespace json = boost::json;

json::object Base(std::string_view type = "text") {
  return json::object{{"title", "Score"},        {"description", nullptr},
                      {"api_slug", "score"},     {"type", type},
                      {"is_required", false},    {"is_unique", false},
                      {"is_multiselect", false}, {"config", json::object{}}};
}

json::value Wrap(json::object data) { return json::object{{"data", std::move(data)}}; }

Result<AttributeDraft> Create(json::object data, Target target = Target::kObjects) {
  return ParseCreateBody(Wrap(std::move(data)), target);
}

std::string CodeOf(const Status& st) { return std::string(ErrorCodeOf(st)); }

TEST(AttioSlugTest, AcceptsSnakeCaseOnly) {
  // Attio's own examples use `my-attribute`: '-' separates words like '_'.
  for (std::string_view ok : {"a", "score", "deal_value", "v2", "a_1_b", "my-attribute", "a-b_c"}) {
    EXPECT_TRUE(IsValidSlug(ok)) << ok;
  }
  for (std::string_view bad : {"", "Score", "_a", "a_", "a__b", "a--b", "a-_b", "a-", "-a", "1a",
                               "a b", "é", "14beef7a-99f7-4534-a87e-70b564330a4c"}) {
    EXPECT_FALSE(IsValidSlug(bad)) << bad;
  }
  EXPECT_TRUE(IsValidSlug(std::string(128, 'a')));
  EXPECT_FALSE(IsValidSlug(std::string(129, 'a')));
}

TEST(AttioCreateBodyTest, MinimalBodyParses) {
  auto draft = Create(Base());
  ASSERT_TRUE(draft.ok()) << draft.status().ToString();
  EXPECT_EQ(draft->def.title, "Score");
  EXPECT_EQ(draft->def.api_slug, "score");
  EXPECT_EQ(draft->def.type, "text");
  EXPECT_FALSE(draft->def.description.has_value());
  EXPECT_TRUE(draft->def.default_value.is_null());
}

TEST(AttioCreateBodyTest, EveryRequiredFieldIsRequired) {
  for (std::string_view key : {"title", "description", "api_slug", "type", "is_required",
                               "is_unique", "is_multiselect", "config"}) {
    json::object data = Base();
    data.erase(key);
    auto draft = Create(data);
    ASSERT_FALSE(draft.ok()) << key;
    EXPECT_TRUE(draft.status().IsInvalidArgument());
    EXPECT_EQ(CodeOf(draft.status()), "validation_type");
  }
}

TEST(AttioCreateBodyTest, RejectsMalformedBodies) {
  EXPECT_FALSE(ParseCreateBody(json::value(json::array{}), Target::kObjects).ok());
  EXPECT_FALSE(ParseCreateBody(json::object{{"data", 5}}, Target::kObjects).ok());
  EXPECT_FALSE(ParseCreateBody(json::object{{"title", "x"}}, Target::kObjects).ok());
  json::object extra = Base();
  extra["colour"] = "red";
  EXPECT_FALSE(Create(extra).ok());
  for (auto [key, bad] : std::initializer_list<std::pair<std::string_view, json::value>>{
           {"title", ""},
           {"title", 5},
           {"title", json::value(std::string(257, 'x'))},
           {"description", 3},
           {"api_slug", "my--attribute"},
           {"api_slug", "Score"},
           {"type", "colour"},
           {"type", 1},
           {"is_required", "yes"},
           {"is_unique", nullptr},
           {"config", nullptr},
           {"config", json::object{{"other", 1}}}}) {
    json::object data = Base();
    data[key] = bad;
    EXPECT_FALSE(Create(data).ok()) << key << "=" << json::serialize(bad);
  }
}

TEST(AttioCreateBodyTest, TypeRules) {
  EXPECT_FALSE(Create(Base("interaction")).ok());
  EXPECT_FALSE(Create(Base("personal-name")).ok());
  EXPECT_FALSE(Create(Base("status"), Target::kObjects).ok());
  EXPECT_TRUE(Create(Base("status"), Target::kLists).ok());
  json::object multi = Base("text");
  multi["is_multiselect"] = true;
  EXPECT_FALSE(Create(multi).ok());
  for (std::string_view type : {"select", "record-reference", "actor-reference", "domain",
                                "email-address", "phone-number"}) {
    json::object ok = Base(type);
    ok["is_multiselect"] = true;
    EXPECT_TRUE(Create(ok).ok()) << type;
  }
}

TEST(AttioCreateBodyTest, CurrencyConfigOnlyAndAlwaysForCurrency) {
  EXPECT_FALSE(Create(Base("currency")).ok());
  json::object currency = Base("currency");
  currency["config"] = json::object{
      {"currency", json::object{{"default_currency_code", "EUR"}, {"display_type", "symbol"}}}};
  auto draft = Create(currency);
  ASSERT_TRUE(draft.ok()) << draft.status().ToString();
  EXPECT_EQ(draft->def.currency_code, "EUR");
  EXPECT_EQ(draft->def.display_type, "symbol");
  for (auto [code, display] :
       {std::pair{"XXX", "symbol"}, std::pair{"usd", "symbol"}, std::pair{"USD", "long"}}) {
    currency["config"] = json::object{
        {"currency", json::object{{"default_currency_code", code}, {"display_type", display}}}};
    EXPECT_FALSE(Create(currency).ok()) << code << " " << display;
  }
  json::object text = Base("text");
  text["config"] = json::object{{"currency", json::object{{"default_currency_code", "USD"}}}};
  EXPECT_FALSE(Create(text).ok());
  // What GET shows for other types may be sent back.
  text["config"] = json::object{
      {"currency", json::object{{"default_currency_code", nullptr}, {"display_type", nullptr}}},
      {"record_reference", json::object{{"allowed_object_ids", nullptr}}}};
  EXPECT_TRUE(Create(text).ok());
}

TEST(AttioCreateBodyTest, RecordReferenceConfigOnlyForRecordReferences) {
  json::object ref = Base("record-reference");
  ref["config"] = json::object{
      {"record_reference", json::object{{"allowed_objects", json::array{"people", "companies"}}}}};
  auto draft = Create(ref);
  ASSERT_TRUE(draft.ok());
  EXPECT_EQ(draft->allowed_objects, (std::vector<std::string>{"people", "companies"}));
  json::object text = Base("text");
  text["config"] = ref["config"];
  EXPECT_FALSE(Create(text).ok());
  ref["config"] = json::object{{"record_reference", json::object{{"allowed_objects", "people"}}}};
  EXPECT_FALSE(Create(ref).ok());
}

TEST(AttioCreateBodyTest, RequiredNeedsADefaultValue) {
  json::object required = Base("number");
  required["is_required"] = true;
  auto draft = Create(required);
  ASSERT_FALSE(draft.ok());
  EXPECT_NE(draft.status().message().find("is_default_value_enabled"), std::string::npos);
  required["default_value"] =
      json::object{{"type", "static"}, {"template", json::array{json::object{{"value", 5}}}}};
  EXPECT_TRUE(Create(required).ok());
}

TEST(AttioCreateBodyTest, DefaultValuesAreTypedByTheAttributeType) {
  json::object number = Base("number");
  number["default_value"] =
      json::object{{"type", "static"}, {"template", json::array{json::object{{"value", "5"}}}}};
  EXPECT_FALSE(Create(number).ok());
  json::object actor = Base("actor-reference");
  actor["default_value"] = json::object{{"type", "dynamic"}, {"template", "current-user"}};
  EXPECT_TRUE(Create(actor).ok());
  json::object text = Base("text");
  text["default_value"] = actor["default_value"];
  EXPECT_FALSE(Create(text).ok());
}

TEST(AttioCreateBodyTest, RelationshipRules) {
  json::object ref = Base("record-reference");
  ref["relationship"] = json::object{{"object", "people"},
                                     {"title", "Owner of"},
                                     {"api_slug", "owner_of"},
                                     {"is_multiselect", true}};
  auto draft = Create(ref);
  ASSERT_TRUE(draft.ok()) << draft.status().ToString();
  ASSERT_TRUE(draft->relationship.has_value());
  EXPECT_EQ(draft->relationship->api_slug, "owner_of");
  EXPECT_FALSE(Create(ref, Target::kLists).ok());
  json::object text = Base("text");
  text["relationship"] = ref["relationship"];
  EXPECT_FALSE(Create(text).ok());
  ref["relationship"].as_object().erase("title");
  EXPECT_FALSE(Create(ref).ok());
  ref["relationship"] = nullptr;
  EXPECT_TRUE(Create(ref).ok());
}

AttributeDef Stored(std::string_view type = "text") {
  auto draft = Create(Base("text"));
  AttributeDef def = draft->def;
  def.type = std::string(type);
  def.id = "41252299-f8c7-4b5e-99c9-4ff8321d2f96";
  def.parent_id = "97052eb9-e65e-443f-a297-f2d9a4a7f795";
  def.created_at = "2024-01-02T03:04:05.006Z";
  return def;
}

TEST(AttioPatchTest, ParsesOnlyKnownUpdatableFields) {
  auto patch = ParsePatchBody(Wrap(json::object{{"title", "New"}, {"is_archived", true}}));
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(patch->title, "New");
  EXPECT_EQ(patch->is_archived, true);
  EXPECT_FALSE(patch->api_slug.has_value());
  for (std::string_view key :
       {"id", "is_system_attribute", "is_writable", "is_default_value_enabled", "relationship",
        "created_at", "colour"}) {
    EXPECT_FALSE(ParsePatchBody(Wrap(json::object{{key, 1}})).ok()) << key;
  }
  EXPECT_FALSE(ParsePatchBody(Wrap(json::object{{"api_slug", "my_attribute_"}})).ok());
  EXPECT_FALSE(ParsePatchBody(json::object{{"title", "x"}}).ok());
  EXPECT_TRUE(ParsePatchBody(Wrap(json::object{})).ok());
}

TEST(AttioPatchTest, SystemAttributesAndImmutableFields) {
  AttributeDef system = Stored();
  system.is_system = true;
  auto patch = ParsePatchBody(Wrap(json::object{{"title", "x"}}));
  Status st = CheckPatchAllowed(system, *patch);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_EQ(CodeOf(st), "system_edit_unauthorized");
  AttributeDef def = Stored();
  auto type = ParsePatchBody(Wrap(json::object{{"type", "number"}}));
  EXPECT_EQ(CodeOf(CheckPatchAllowed(def, *type)), "immutable_value");
  auto same = ParsePatchBody(Wrap(json::object{{"type", "text"}, {"is_multiselect", false}}));
  EXPECT_TRUE(CheckPatchAllowed(def, *same).ok());
  auto multi = ParsePatchBody(Wrap(json::object{{"is_multiselect", true}}));
  EXPECT_EQ(CodeOf(CheckPatchAllowed(def, *multi)), "immutable_value");
  auto refs = ParsePatchBody(Wrap(json::object{
      {"config", json::object{{"record_reference",
                               json::object{{"allowed_objects", json::array{"people"}}}}}}}));
  EXPECT_FALSE(CheckPatchAllowed(def, *refs).ok());
}

TEST(AttioPatchTest, ChangesOnlyTheFieldsSent) {
  AttributeDef def = Stored("currency");
  def.currency_code = "USD";
  def.display_type = "code";
  def.description = "kept";
  auto patch = ParsePatchBody(Wrap(json::object{
      {"title", "Renamed"},
      {"config", json::object{{"currency", json::object{{"display_type", "name"}}}}}}));
  ASSERT_TRUE(patch.ok());
  auto after = ApplyPatch(def, *patch, std::nullopt);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->title, "Renamed");
  EXPECT_EQ(after->description, "kept");
  EXPECT_EQ(after->api_slug, def.api_slug);
  EXPECT_EQ(after->currency_code, "USD");
  EXPECT_EQ(after->display_type, "name");
  auto clear = ParsePatchBody(Wrap(json::object{
      {"config", json::object{{"currency", json::object{{"default_currency_code", nullptr}}}}}}));
  EXPECT_FALSE(ApplyPatch(def, *clear, std::nullopt).ok());
  auto required = ParsePatchBody(Wrap(json::object{{"is_required", true}}));
  EXPECT_FALSE(ApplyPatch(def, *required, std::nullopt).ok());
}

TEST(AttioAttributeFormTest, StoredFormRoundTrips) {
  AttributeDef def = Stored("record-reference");
  def.is_multiselect = true;
  def.description = "d";
  def.allowed_object_ids = {"a5d4c6d2-0000-4000-8000-000000000001"};
  def.relationship = RelationshipRef{"a5d4c6d2-0000-4000-8000-000000000001",
                                     "a5d4c6d2-0000-4000-8000-000000000002"};
  def.default_value = json::object{{"type", "static"}, {"template", json::array{}}};
  auto back = DecodeAttribute(EncodeAttribute(def));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeAttribute(*back), EncodeAttribute(def));
  EXPECT_TRUE(DecodeAttribute("{}").status().code() == Status::Code::kCorruption);
  EXPECT_FALSE(DecodeAttribute("not json").ok());
}

TEST(AttioAttributeFormTest, RenderHasEveryField) {
  AttributeDef def = Stored("text");
  def.target = Target::kLists;
  json::object o = RenderAttribute("org", def, std::nullopt);
  for (std::string_view key :
       {"id", "title", "description", "api_slug", "type", "is_system_attribute", "is_writable",
        "is_required", "is_unique", "is_multiselect", "is_default_value_enabled", "is_archived",
        "default_value", "relationship", "created_at", "config"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  // Attio's attribute id names the parent object_id for lists too.
  EXPECT_EQ(o["id"].as_object()["object_id"], json::value(def.parent_id));
  EXPECT_FALSE(o["id"].as_object().contains("list_id"));
  EXPECT_EQ(o["id"].as_object()["workspace_id"], "org");
  EXPECT_TRUE(
      o["config"].as_object()["record_reference"].as_object()["allowed_object_ids"].is_null());
  EXPECT_TRUE(o["config"].as_object()["currency"].as_object()["display_type"].is_null());
}

TEST(AttioErrorTest, EnvelopeCarriesStatusTypeCodeAndMessage) {
  Response res = ErrorFromStatus(SlugConflict("score", "on the object \"people\""), "rid");
  EXPECT_EQ(res.result(), http::status::conflict);
  json::value body = json::parse(res.body());
  EXPECT_EQ(body.at("status_code"), 409);
  EXPECT_EQ(body.at("type"), "invalid_request_error");
  EXPECT_EQ(body.at("code"), "slug_conflict");
  json::value unauth =
      json::parse(ErrorFromStatus(Status::Unauthenticated("missing API key"), "r").body());
  EXPECT_EQ(unauth.at("status_code"), 401);
  EXPECT_EQ(unauth.at("type"), "auth_error");
  json::value timeout = json::parse(ErrorFromStatus(Status::Timeout("t"), "r").body());
  EXPECT_EQ(timeout.at("status_code"), 408);
  json::value internal = json::parse(ErrorFromStatus(Status::Internal("secret"), "r").body());
  EXPECT_EQ(internal.at("message"), "internal error");
  // The code is read apart from the text a client sees.
  EXPECT_EQ(ErrorTextOf(SlugConflict("score", "here")),
            "the slug \"score\" is already in use here");
  EXPECT_EQ(ErrorCodeOf(SlugConflict("score", "here")), "slug_conflict");
}

}  // namespace
}  // namespace meridian::api::attio
