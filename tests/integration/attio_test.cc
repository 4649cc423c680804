// End-to-end tests of the Attio attribute-definitions dialect (docs/attio.md) against
// a real meridiand: every endpoint, every documented status code in Attio's error body, bad
// input of every kind leaving the stored definitions unchanged (snapshot before and after),
// organization selection, isolation from SlashID buckets, consistency headers, commit tokens.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using V = http::verb;

const std::string kPeople = "/v2/objects/people/attributes";
const std::string deals = "/v2/objects/deals/attributes";

// A text attribute body; `extra` is spliced into "data" (starting with a comma).
std::string TextAttr(const std::string& slug, const std::string& extra = "") {
  return R"({"data":{"title":"T )" + slug + R"(","description":null,"api_slug":")" + slug +
         R"(","type":"text","is_required":false,"is_unique":false,"is_multiselect":false,)"
         R"("config":{})" +
         extra + "}}";
}

// Any create body: `fields` are the data's members after the fixed ones.
std::string Attr(const std::string& slug, const std::string& type, const std::string& fields) {
  return R"({"data":{"title":"A","description":"d","api_slug":")" + slug + R"(","type":")" + type +
         R"(",)" + fields + "}}";
}
const std::string kFlags = R"("is_required":false,"is_unique":false,"is_multiselect":false)";
const std::string kMulti = R"("is_required":false,"is_unique":false,"is_multiselect":true)";
const std::string kRequired = R"("is_required":true,"is_unique":false,"is_multiselect":false)";
const std::string kCurrencyConfig =
    R"("config":{"currency":{"default_currency_code":"EUR","display_type":"symbol"}})";
// A required currency attribute "value" with a default of 5 EUR.
std::string RequiredValue() {
  return Attr("value", "currency",
              kRequired +
                  R"(,"default_value":{"type":"static","template":[{"currency_value":5}]},)" +
                  kCurrencyConfig);
}

class AttioTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    org_ = CreateOrg("attio-a");
    key_ = CreateKey(org_, {"read", "schema"});
  }

  Response Send(V method, const std::string& target, const Headers& headers,
                const std::string& body = "") {
    return Client().Request(method, target, headers, body);
  }
  Headers Auth(const std::string& key) const { return BearerAuth(key); }
  Headers Auth() const { return Auth(key_); }
  static Headers With(Headers h, const std::string& name, const std::string& value) {
    h.emplace_back(name, value);
    return h;
  }
  Headers Op(const std::string& org) const { return With(AdminAuth(), "SlashID-OrgID", org); }
  Response Get(const std::string& target) { return Send(V::get, target, Auth()); }
  Response Post(const std::string& target, const std::string& body) {
    return Send(V::post, target, Auth(), body);
  }
  Response Patch(const std::string& target, const std::string& body) {
    return Send(V::patch, target, Auth(), body);
  }
  int MakeDeals() {
    return Post("/v2/objects",
                R"({"data":{"api_slug":"deals","singular_noun":"D","plural_noun":"Ds"}})")
        .status;
  }

  // Every object, list and attribute (archived included) of `org`, as the operator reads them.
  std::string Snapshot(const std::string& org) {
    std::string out;
    for (const std::string target : {"objects", "lists"}) {
      Response parents = Send(V::get, "/v2/" + target, Op(org));
      EXPECT_EQ(parents.status, 200) << parents.body;
      out += parents.body;
      json::value v = parents.Json();
      if (!v.is_object()) return "unreadable";
      for (const auto& p : v.at("data").as_array()) {
        const json::object& id = p.at("id").as_object();
        const std::string pid(id.at(target == "objects" ? "object_id" : "list_id").as_string());
        out += Send(V::get, "/v2/" + target + "/" + pid + "/attributes?show_archived=true", Op(org))
                   .body;
      }
    }
    return out;
  }
  std::string Snapshot() { return Snapshot(org_); }

  std::string org_;
  std::string key_;
};

// Attio's error body with `status` and `code`.
void ExpectAttioError(const Response& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body;
  json::value v = r.Json();
  ASSERT_TRUE(v.is_object()) << r.body;
  EXPECT_EQ(v.at("status_code"), status) << r.body;
  EXPECT_EQ(v.at("code"), json::value(code)) << r.body;
  EXPECT_EQ(v.at("type"), status == 401 || status == 403 ? "auth_error"
                          : status >= 500                ? "api_error"
                                                         : "invalid_request_error");
  EXPECT_FALSE(v.at("message").as_string().empty());
  EXPECT_FALSE(r.Header("X-Request-Id").empty());
}

std::string Field(const Response& r, std::string_view a, std::string_view b = {}) {
  json::value v = r.Json();
  if (!v.is_object()) return "";
  const json::value* x = &v.at("data").at(a);
  if (!b.empty()) x = &x->at(b);
  return x->is_string() ? std::string(x->as_string()) : json::serialize(*x);
}

std::vector<std::string> Slugs(const Response& r) {
  std::vector<std::string> out;
  json::value v = r.Json();
  if (!v.is_object()) return out;
  for (const auto& a : v.at("data").as_array()) out.emplace_back(a.at("api_slug").as_string());
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(AttioTest, PeopleAndCompaniesExistInEveryOrganizationWithSystemAttributes) {
  Response objects = Get("/v2/objects");
  ASSERT_EQ(objects.status, 200) << objects.body;
  EXPECT_EQ(Slugs(objects), (std::vector<std::string>{"people", "companies"}));
  Response people = Get("/v2/objects/people");
  ASSERT_EQ(people.status, 200);
  const std::string people_id = Field(people, "id", "object_id");
  EXPECT_EQ(Field(people, "id", "workspace_id"), org_);
  EXPECT_EQ(Get("/v2/objects/" + people_id).body, people.body);
  Response attrs = Get(kPeople);
  ASSERT_EQ(attrs.status, 200);
  EXPECT_TRUE(Has(Slugs(attrs), "name"));
  EXPECT_TRUE(Has(Slugs(attrs), "email_addresses"));
  Response name = Get(kPeople + "/name");
  ASSERT_EQ(name.status, 200);
  EXPECT_EQ(Field(name, "is_system_attribute"), "true");
  EXPECT_EQ(Field(name, "type"), "personal-name");
  EXPECT_EQ(
      Get("/v2/objects/" + people_id + "/attributes/" + Field(name, "id", "attribute_id")).body,
      name.body);
  Response company = Get(kPeople + "/company");
  EXPECT_EQ(Field(company, "relationship", "object_slug"), "companies");
  EXPECT_EQ(Field(company, "relationship", "api_slug"), "team");
  EXPECT_EQ(Get("/v2/objects/companies/attributes/team").status, 200);
  // Another organization has its own people object, with another id.
  const std::string other = CreateOrg("attio-b");
  Response theirs = Send(V::get, "/v2/objects/people", Op(other));
  ASSERT_EQ(theirs.status, 200);
  EXPECT_NE(Field(theirs, "id", "object_id"), people_id);
  EXPECT_EQ(Get("/v2/lists").body, R"({"data":[]})");
}

TEST_F(AttioTest, ObjectsAndListsAreCreatedWithUniqueSlugs) {
  Response obj =
      Post("/v2/objects",
           R"({"data":{"api_slug":"deals","singular_noun":"Deal","plural_noun":"Deals"}})");
  ASSERT_EQ(obj.status, 200) << obj.body;
  EXPECT_FALSE(obj.Header("Meridian-Commit-Token").empty());
  const std::string deal_id = Field(obj, "id", "object_id");
  EXPECT_EQ(Get("/v2/objects/deals").body, obj.body);
  EXPECT_EQ(Get("/v2/objects/" + deal_id).body, obj.body);
  Response list = Post("/v2/lists", R"({"data":{"name":"Sales Pipeline","parent_object":"deals",)"
                                    R"("workspace_access":"read-only"}})");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Field(list, "api_slug"), "sales_pipeline");
  EXPECT_EQ(Field(list, "parent_object"), R"(["deals"])");
  EXPECT_EQ(Get("/v2/lists/sales_pipeline").body, list.body);
  EXPECT_EQ(Get("/v2/lists/" + Field(list, "id", "list_id")).body, list.body);
  EXPECT_EQ(Slugs(Get("/v2/lists")), std::vector<std::string>{"sales_pipeline"});
  const std::string before = Snapshot();
  for (const std::string slug : {"deals", "people", "companies"}) {
    ExpectAttioError(Post("/v2/objects", R"({"data":{"api_slug":")" + slug +
                                             R"(","singular_noun":"X","plural_noun":"Xs"}})"),
                     409, "slug_conflict");
  }
  ExpectAttioError(
      Post("/v2/lists", R"({"data":{"name":"Sales pipeline","parent_object":"people"}})"), 409,
      "slug_conflict");
  for (const std::string bad :
       {R"({"data":{"api_slug":"Bad-Slug","singular_noun":"X","plural_noun":"Xs"}})",
        R"({"data":{"api_slug":"ok","singular_noun":"X"}})",
        R"({"data":{"api_slug":"ok","singular_noun":"X","plural_noun":"Xs","extra":1}})",
        R"({"data":[]})", R"([])", R"({"data":{"api_slug":)"}) {
    ExpectAttioError(Post("/v2/objects", bad), 400, "validation_type");
  }
  for (const std::string bad :
       {R"({"data":{"name":"L","parent_object":"nothing"}})", R"({"data":{"name":"L"}})",
        R"({"data":{"name":"L","parent_object":"people","api_slug":"x--y"}})",
        R"({"data":{"name":"L","parent_object":"people",)"
        R"("workspace_access":"everything"}})",
        "not json"}) {
    ExpectAttioError(Post("/v2/lists", bad), 400, "validation_type");
  }
  ExpectAttioError(Get("/v2/objects/nothing"), 404, "not_found");
  ExpectAttioError(Get("/v2/lists/00000000-0000-4000-8000-000000000000"), 404, "not_found");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AttioTest, AttributesAreCreatedReadAndListedOnObjectsAndLists) {
  Response created = Post(kPeople, TextAttr("nickname", R"(,"description":"what friends say")"));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_FALSE(created.Header("Meridian-Commit-Token").empty());
  json::value a = created.Json().at("data");
  EXPECT_EQ(a.at("id").at("workspace_id"), json::value(org_));
  EXPECT_EQ(a.at("type"), "text");
  EXPECT_EQ(a.at("is_system_attribute"), false);
  EXPECT_EQ(a.at("is_writable"), true);
  EXPECT_EQ(a.at("is_default_value_enabled"), false);
  EXPECT_EQ(a.at("default_value"), nullptr);
  EXPECT_EQ(a.at("relationship"), nullptr);
  EXPECT_EQ(a.at("config").at("currency").at("default_currency_code"), nullptr);
  EXPECT_FALSE(a.at("created_at").as_string().empty());
  const std::string id(a.at("id").at("attribute_id").as_string());
  const std::string object_id(a.at("id").at("object_id").as_string());
  EXPECT_EQ(Get(kPeople + "/nickname").body, created.body);
  EXPECT_EQ(Get(kPeople + "/" + id).body, created.body);
  EXPECT_EQ(Get("/v2/objects/" + object_id + "/attributes/nickname").body, created.body);
  EXPECT_EQ(Slugs(Get(kPeople)).back(), "nickname");
  // Same slug on another object: slugs are unique per object, not per workspace.
  EXPECT_EQ(Post("/v2/objects/companies/attributes", TextAttr("nickname")).status, 200);
  // Lists: status attributes exist there only; addressed by slug or id.
  Response list = Post("/v2/lists", R"({"data":{"name":"Hiring","parent_object":"people"}})");
  ASSERT_EQ(list.status, 200);
  Response stage =
      Post("/v2/lists/hiring/attributes", Attr("stage", "status", kFlags + R"(,"config":{})"));
  ASSERT_EQ(stage.status, 200) << stage.body;
  // Attio names the parent `object_id` for the attributes of lists too.
  EXPECT_EQ(Field(stage, "id", "object_id"), Field(list, "id", "list_id"));
  EXPECT_EQ(Get("/v2/lists/" + Field(list, "id", "list_id") + "/attributes/stage").body,
            stage.body);
  EXPECT_TRUE(Has(Slugs(Get("/v2/lists/hiring/attributes")), "entry_id"));
  // Typed defaults, dynamic current-user, multiselect, currency, record reference.
  ASSERT_EQ(MakeDeals(), 200);
  Response value = Post(deals, RequiredValue());
  ASSERT_EQ(value.status, 200) << value.body;
  EXPECT_EQ(Field(value, "is_default_value_enabled"), "true");
  EXPECT_EQ(Field(value, "config"),
            R"({"currency":{"default_currency_code":"EUR","display_type":"symbol"},)"
            R"("record_reference":{"allowed_object_ids":null}})");
  Response owner = Post(
      deals,
      Attr(
          "owner", "actor-reference",
          kFlags + R"(,"default_value":{"type":"dynamic","template":"current-user"},"config":{})"));
  EXPECT_EQ(owner.status, 200) << owner.body;
  Response tags = Post(deals, Attr("emails", "email-address", kMulti + R"(,"config":{})"));
  EXPECT_EQ(tags.status, 200) << tags.body;
  Response ref = Post(
      deals, Attr("account", "record-reference",
                  kFlags + R"(,"config":{"record_reference":{"allowed_objects":["companies"]}})"));
  ASSERT_EQ(ref.status, 200) << ref.body;
  EXPECT_EQ(Field(ref, "config", "record_reference"),
            R"({"allowed_object_ids":[")" + Field(Get("/v2/objects/companies"), "id", "object_id") +
                "\"]}");
  // A relationship creates the reverse attribute on the other object.
  Response rel =
      Post(deals,
           Attr("buyer", "record-reference",
                kFlags + R"(,"config":{},"relationship":{"object":"people","title":"Deals bought",)"
                         R"("api_slug":"deals_bought","is_multiselect":true})"));
  ASSERT_EQ(rel.status, 200) << rel.body;
  EXPECT_EQ(Field(rel, "relationship", "api_slug"), "deals_bought");
  EXPECT_EQ(Field(Get(kPeople + "/deals_bought"), "relationship", "api_slug"), "buyer");
}

TEST_F(AttioTest, PatchChangesOnlyTheFieldsSentAndArchives) {
  ASSERT_EQ(MakeDeals(), 200);
  Response created = Post(deals, Attr("value", "currency", kFlags + "," + kCurrencyConfig));
  ASSERT_EQ(created.status, 200) << created.body;
  Response titled = Patch(deals + "/value", R"({"data":{"title":"Deal value"}})");
  ASSERT_EQ(titled.status, 200) << titled.body;
  EXPECT_FALSE(titled.Header("Meridian-Commit-Token").empty());
  json::value want = created.Json();
  want.at("data").as_object()["title"] = "Deal value";
  EXPECT_EQ(titled.Json(), want);
  Response shown =
      Patch(deals + "/value", R"({"data":{"config":{"currency":{"display_type":"code"}}}})");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Field(shown, "config", "currency"),
            R"({"default_currency_code":"EUR","display_type":"code"})");
  EXPECT_EQ(Field(shown, "title"), "Deal value");
  // Required needs a default value: both in one request.
  ExpectAttioError(Patch(deals + "/value", R"({"data":{"is_required":true}})"), 400,
                   "validation_type");
  Response required =
      Patch(deals + "/value", R"({"data":{"is_required":true,"default_value":)"
                              R"({"type":"static","template":[{"currency_value":0}]}}})");
  ASSERT_EQ(required.status, 200) << required.body;
  EXPECT_EQ(Field(required, "is_default_value_enabled"), "true");
  // Renaming the slug moves the slug; the id stays.
  const std::string id = Field(created, "id", "attribute_id");
  Response renamed =
      Patch(deals + "/" + id, R"({"data":{"api_slug":"amount","description":null}})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Field(renamed, "description"), "null");
  ExpectAttioError(Get(deals + "/value"), 404, "not_found");
  EXPECT_EQ(Get(deals + "/amount").body, renamed.body);
  EXPECT_EQ(Post(deals, TextAttr("value")).status, 200);  // the old slug is free again
  // Archive hides it from the listing unless asked; unarchive restores it.
  ASSERT_EQ(Patch(deals + "/amount", R"({"data":{"is_archived":true}})").status, 200);
  EXPECT_FALSE(Has(Slugs(Get(deals)), "amount"));
  EXPECT_TRUE(Has(Slugs(Get(deals + "?show_archived=true")), "amount"));
  EXPECT_EQ(Field(Get(deals + "/amount"), "is_archived"), "true");
  ExpectAttioError(Post(deals, TextAttr("amount")), 409, "slug_conflict");
  ASSERT_EQ(Patch(deals + "/amount", R"({"data":{"is_archived":false}})").status, 200);
  EXPECT_TRUE(Has(Slugs(Get(deals)), "amount"));
  // Sending the unchanged type and is_multiselect is accepted.
  EXPECT_EQ(
      Patch(deals + "/amount", R"({"data":{"type":"currency","is_multiselect":false}})").status,
      200);
}

TEST_F(AttioTest, BadCreateInputIs400AndChangesNothing) {
  ASSERT_EQ(MakeDeals(), 200);
  ASSERT_EQ(Post(kPeople, TextAttr("nickname")).status, 200);
  const std::string before = Snapshot();
  const std::string long_slug(129, 'a');
  // {type, members after the three flags}; the flags themselves are varied at the end.
  const std::string cfg = R"(,"config":{})";
  const std::string dv = cfg + R"(,"default_value":)";
  const std::string rel = cfg + R"(,"relationship":{"title":"t","api_slug":"r",)"
                                R"("is_multiselect":false,"object":)";
  const std::string rr = R"(,"config":{"record_reference":{"allowed_objects":)";
  const std::string cur = R"(,"config":{"currency":{"default_currency_code":)";
  std::vector<std::string> bad = {
      TextAttr("Nickname2"),
      TextAttr("my--attribute"),
      TextAttr("a__b"),
      TextAttr("_a"),
      TextAttr("a_"),
      TextAttr("9lives"),
      TextAttr(""),
      TextAttr(long_slug),
      TextAttr("00000000-0000-4000-8000-000000000000"),
      R"({"data":{"title":"","description":null,"api_slug":"x","type":"text",)"
      R"("is_required":false,"is_unique":false,"is_multiselect":false,"config":{}}})"};
  const std::vector<std::pair<std::string, std::string>> by_type = {
      {"bogus", cfg},
      {"interaction", cfg},
      {"personal-name", cfg},
      {"status", cfg},  // lists only
      {"currency", cfg},
      {"currency", cur + R"("XXX","display_type":"code"}})"},
      {"currency", cur + R"("usd","display_type":"code"}})"},
      {"currency", cur + R"("USD","display_type":"emoji"}})"},
      {"text", "," + kCurrencyConfig},
      {"text", cur + R"("USD","display_type":"code","x":1}})"},
      {"text", rr + R"(["people"]}})"},
      {"record-reference", rr + R"(["nothing"]}})"},
      {"record-reference", rr + R"("people"}})"},
      {"text", dv + R"({"type":"static","template":[{"value":5}]})"},
      {"number", dv + R"({"type":"static","template":[{"value":1},{"value":2}]})"},
      {"rating", dv + R"({"type":"static","template":[{"value":6}]})"},
      {"date", dv + R"({"type":"static","template":[{"value":"2024-02-30"}]})"},
      {"text", dv + R"({"type":"dynamic","template":"current-user"})"},
      {"actor-reference", dv + R"({"type":"dynamic","template":"someone"})"},
      {"text", dv + R"({"type":"sometimes","template":[]})"},
      {"text", ""},  // no config
      {"text", cfg + R"(,"colour":"red")"},
      {"text", rel + R"("people"})"},
      {"record-reference", rel + R"("nothing"})"}};
  for (const auto& [type, rest] : by_type) bad.push_back(Attr("x", type, kFlags + rest));
  bad.push_back(Attr("x", "text", kMulti + cfg));
  bad.push_back(Attr("x", "currency", kMulti + "," + kCurrencyConfig));
  bad.push_back(Attr("x", "text", kRequired + cfg));
  bad.push_back(
      Attr("x", "text", R"("is_required":"yes","is_unique":false,"is_multiselect":false)" + cfg));
  for (const std::string shape : {R"({"data":"text"})", R"({"other":{}})", "[1,2]"}) {
    bad.push_back(shape);
  }
  for (const std::string malformed : {"", "{\"data\":{", "\xff\xfe"}) bad.push_back(malformed);
  for (size_t i = 0; i < bad.size(); ++i) {
    const std::string& body = bad[i];
    SCOPED_TRACE(body);
    // Only the last three are meant to be malformed JSON; the others must fail on content.
    if (i + 3 < bad.size()) {
      EXPECT_FALSE(ParseJson(body).is_null());
    }
    ExpectAttioError(Post(deals, body), 400, "validation_type");
  }
  // People and companies take no default values (so no required attributes either).
  ExpectAttioError(
      Post(kPeople,
           Attr("x", "number", kRequired + dv + R"({"type":"static","template":[{"value":1}]})")),
      400, "validation_type");
  // Slug conflicts: a stored attribute, a system attribute, the relationship's reverse slug.
  ExpectAttioError(Post(kPeople, TextAttr("nickname")), 409, "slug_conflict");
  ExpectAttioError(Post(kPeople, TextAttr("name")), 409, "slug_conflict");
  ExpectAttioError(
      Post(deals, Attr("buyer", "record-reference",
                       kFlags + R"(,"config":{},"relationship":{"object":"people",)"
                                R"("title":"t","api_slug":"nickname","is_multiselect":false})")),
      409, "slug_conflict");
  // Unknown parents and targets.
  ExpectAttioError(Post("/v2/objects/nothing/attributes", TextAttr("x")), 404, "not_found");
  ExpectAttioError(Post("/v2/lists/people/attributes", TextAttr("x")), 404, "not_found");
  ExpectAttioError(Post("/v2/records/people/attributes", TextAttr("x")), 404, "not_found");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AttioTest, BadPatchesAre4xxAndChangeNothing) {
  ASSERT_EQ(MakeDeals(), 200);
  ASSERT_EQ(Post(deals, TextAttr("nickname")).status, 200);
  ASSERT_EQ(Post(deals, TextAttr("other")).status, 200);
  ASSERT_EQ(Post(deals, RequiredValue()).status, 200);
  const std::string before = Snapshot();
  const std::string nick = deals + "/nickname";
  ExpectAttioError(Patch(nick, R"({"data":{"type":"number"}})"), 400, "immutable_value");
  ExpectAttioError(Patch(nick, R"({"data":{"is_multiselect":true}})"), 400, "immutable_value");
  ExpectAttioError(Patch(kPeople + "/name", R"({"data":{"title":"Full name"}})"), 400,
                   "system_edit_unauthorized");
  ExpectAttioError(Patch(kPeople + "/email_addresses", R"({"data":{"is_archived":true}})"), 400,
                   "system_edit_unauthorized");
  ExpectAttioError(Patch(nick, R"({"data":{"api_slug":"other"}})"), 409, "slug_conflict");
  ExpectAttioError(Patch(nick, R"({"data":{"api_slug":"record_id"}})"), 409, "slug_conflict");
  for (const std::string body :
       {R"({"data":{"api_slug":"Bad-Slug"}})", R"({"data":{"title":""}})",
        R"({"data":{"title":5}})", R"({"data":{"is_required":"no"}})",
        R"({"data":{"is_required":true}})",
        R"({"data":{"config":{"currency":{"default_currency_code":"USD","display_type":"code"}}}})",
        R"({"data":{"config":{"record_reference":{"allowed_objects":["people"]}}}})",
        R"({"data":{"default_value":{"type":"static","template":[{"value":1}]}}})",
        R"({"data":{"default_value":{"type":"dynamic","template":"current-user"}}})",
        R"({"data":{"is_default_value_enabled":true}})", R"({"data":{"id":"x"}})",
        R"({"data":{"relationship":null}})", R"({"data":{"unknown":1}})", R"({"data":1})", "{",
        "null"}) {
    SCOPED_TRACE(body);
    ExpectAttioError(Patch(nick, body), 400, "validation_type");
  }
  for (const std::string body :
       {R"({"data":{"config":{"currency":{"default_currency_code":"ABC"}}}})",
        R"({"data":{"config":{"currency":{"display_type":"long"}}}})",
        R"({"data":{"config":{"currency":null}}})", R"({"data":{"default_value":null}})",
        R"({"data":{"default_value":{"type":"static","template":[{"value":"five"}]}}})"}) {
    SCOPED_TRACE(body);
    ExpectAttioError(Patch(deals + "/value", body), 400, "validation_type");
  }
  ExpectAttioError(Patch(deals + "/missing", R"({"data":{"title":"x"}})"), 404, "not_found");
  ExpectAttioError(Patch(deals + "/00000000-0000-4000-8000-000000000000", R"({"data":{}})"), 404,
                   "not_found");
  ExpectAttioError(Patch("/v2/objects/nothing/attributes/nickname", R"({"data":{}})"), 404,
                   "not_found");
  ExpectAttioError(Patch("/v2/lists/deals/attributes/nickname", R"({"data":{}})"), 404,
                   "not_found");
  ExpectAttioError(Get(deals + "/missing"), 404, "not_found");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AttioTest, ListingPagesWithLimitAndOffset) {
  Response all = Get(kPeople);
  const std::vector<std::string> slugs = Slugs(all);
  ASSERT_GE(slugs.size(), 4u);
  EXPECT_EQ(Slugs(Get(kPeople + "?limit=2")),
            std::vector<std::string>(slugs.begin(), slugs.begin() + 2));
  EXPECT_EQ(Slugs(Get(kPeople + "?limit=2&offset=1")),
            std::vector<std::string>(slugs.begin() + 1, slugs.begin() + 3));
  EXPECT_EQ(Get(kPeople + "?offset=1000").body, R"({"data":[]})");
  for (const std::string q : {"limit=0", "limit=-1", "limit=x", "offset=-1", "show_archived=yes"}) {
    ExpectAttioError(Get(kPeople + "?" + q), 400, "validation_type");
  }
}

TEST_F(AttioTest, AuthAndOrganizationSelection) {
  ASSERT_EQ(Post(kPeople, TextAttr("nickname")).status, 200);
  const std::string other = CreateOrg("attio-b");
  const std::string other_key = CreateKey(other, {"read", "schema"});
  const std::string before = Snapshot(), before_other = Snapshot(other);
  const std::string read_only = CreateKey(org_, {"read"});
  const std::string schema_only = CreateKey(org_, {"schema"});
  ExpectAttioError(Send(V::get, kPeople, {}), 401, "unauthorized");
  ExpectAttioError(Send(V::post, kPeople, Auth("not-a-key"), TextAttr("x")), 401, "unauthorized");
  ExpectAttioError(Send(V::post, kPeople, Auth(read_only), TextAttr("x")), 403, "forbidden");
  ExpectAttioError(
      Send(V::patch, kPeople + "/nickname", Auth(read_only), R"({"data":{"title":"x"}})"), 403,
      "forbidden");
  ExpectAttioError(Send(V::post, "/v2/objects", Auth(read_only), "{}"), 403, "forbidden");
  ExpectAttioError(Send(V::get, kPeople, Auth(schema_only)), 403, "forbidden");
  // A key of one organization naming another: 403, for reads and writes.
  const Headers foreign = With(Auth(), "SlashID-OrgID", other);
  ExpectAttioError(Send(V::get, kPeople, foreign), 403, "forbidden");
  ExpectAttioError(Send(V::post, kPeople, foreign, TextAttr("x")), 403, "forbidden");
  ExpectAttioError(Send(V::get, "/v2/objects", foreign), 403, "forbidden");
  // The other organization's ids are unknown here.
  const std::string their_people =
      Field(Send(V::get, "/v2/objects/people", Auth(other_key)), "id", "object_id");
  ExpectAttioError(Get("/v2/objects/" + their_people + "/attributes"), 404, "not_found");
  ExpectAttioError(Send(V::get, kPeople + "/nickname", Auth(other_key)), 404, "not_found");
  // The operator's key must name an existing organization.
  ExpectAttioError(Send(V::get, kPeople, AdminAuth()), 400, "validation_type");
  ExpectAttioError(
      Send(V::post, kPeople, Op("00000000-0000-4000-8000-000000000000"), TextAttr("x")), 404,
      "not_found");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Snapshot(other), before_other);
  EXPECT_EQ(Send(V::get, kPeople + "/nickname", Auth(read_only)).status, 200);
  Response op = Send(V::post, kPeople, Op(other), TextAttr("by_operator"));
  ASSERT_EQ(op.status, 200) << op.body;
  EXPECT_EQ(Field(op, "id", "workspace_id"), other);
  EXPECT_EQ(Send(V::get, kPeople + "/by_operator", Auth(other_key)).status, 200);
  ExpectAttioError(Get(kPeople + "/by_operator"), 404, "not_found");
}

TEST_F(AttioTest, AttioDataDoesNotShowUpInSlashIdBucketsAndBack) {
  ASSERT_EQ(Post(kPeople, TextAttr("nickname")).status, 200);
  ASSERT_EQ(MakeDeals(), 200);
  const std::string slash_key = CreateKey(org_, {"read", "write"});
  const Headers slash = {{"SlashID-API-Key", slash_key}, {"SlashID-OrgID", org_}};
  Response buckets = Send(V::get, "/organizations/attributes", slash);
  ASSERT_EQ(buckets.status, 200) << buckets.body;
  for (const char* word : {"nickname", "deals", "attio"}) {
    EXPECT_EQ(buckets.body.find(word), std::string::npos) << buckets.body;
  }
  Response names = Send(V::get, "/organizations/attribute-buckets", slash);
  EXPECT_EQ(names.body.find("attio"), std::string::npos) << names.body;
  const std::string before = Snapshot();
  ASSERT_EQ(Send(V::patch, "/organizations/attributes/end_user_read_write", slash,
                 R"({"nickname":"from-slashid"})")
                .status,
            204);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AttioTest, RouterErrorsUnderV2UseTheAttioBody) {
  ExpectAttioError(Send(V::get, "/v2/nothing", Auth()), 404, "not_found");
  ExpectAttioError(Send(V::delete_, kPeople + "/name", Auth()), 405, "method_not_allowed");
  const std::string before = Snapshot();
  Response big = Send(V::post, kPeople, Auth(),
                      TextAttr("big", ",\"x\":\"" + std::string(5 << 20, 'a') + "\""));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AttioTest, WritesHonourConsistencyHeadersAndCommitTokensGiveReadYourWrites) {
  const Headers all = With(With(Auth(), "SlashID-Required-Consistency", "all_regions"),
                           "SlashID-Required-Consistency-Timeout", "5");
  Response created = Send(V::post, kPeople, all, TextAttr("nickname"));  // one node: reached here
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Send(V::patch, kPeople + "/nickname", all, R"({"data":{"title":"N"}})").status, 200);
  const std::string before = Snapshot();
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"SlashID-Required-Consistency", "everywhere"},
           {"SlashID-Required-Consistency-Timeout", "0"},
           {"SlashID-Required-Consistency-Timeout", "121"}}) {
    ExpectAttioError(Send(V::post, kPeople, With(Auth(), name, value), TextAttr("x")), 400,
                     "validation_type");
    ExpectAttioError(Send(V::patch, kPeople + "/nickname", With(Auth(), name, value),
                          R"({"data":{"title":"x"}})"),
                     400, "validation_type");
  }
  EXPECT_EQ(Snapshot(), before);
  const std::string token = created.Header("Meridian-Commit-Token");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(
      Send(V::get, kPeople + "/nickname", With(Auth(), "Meridian-Min-Commit-Token", token)).status,
      200);
  const std::string ahead = token.substr(0, token.rfind(':')) + ":99999999";
  const Headers wait = With(With(Auth(), "Meridian-Min-Commit-Token", ahead),
                            "SlashID-Required-Consistency-Timeout", "1");
  ExpectAttioError(Send(V::get, kPeople + "/nickname", wait), 408, "consistency_timeout");
  ExpectAttioError(Send(V::get, "/v2/objects", wait), 408, "consistency_timeout");
}

TEST_F(AttioTest, AConsistencyLevelNotReachedIs408AndTheWriteIsKept) {
  const std::string config = dir_ + "/attio-cluster.json";
  std::ofstream(config) << R"({"cluster_secret":"s","admin_token":"unused","nodes":[
      {"id":"n1","region":"a","api":"127.0.0.1:0","replication":"127.0.0.1:0"},
      {"id":"n2","region":"b","api":"127.0.0.1:1","replication":"127.0.0.1:1"}]})";
  const std::string addr = StartNode({"--config", config, "--node-id", "n1"});
  ASSERT_FALSE(addr.empty());
  HttpClient far(addr);
  Response org = far.Request(V::post, "/admin/v1/organizations", AdminAuth(), R"({"name":"far"})");
  ASSERT_EQ(org.status, 201) << org.body;
  const Headers h = Op(std::string(org.Json().at("id").as_string()));
  const Headers slow = With(With(h, "SlashID-Required-Consistency", "all_regions"),
                            "SlashID-Required-Consistency-Timeout", "1");
  ExpectAttioError(far.Request(V::post, kPeople, slow, TextAttr("nickname")), 408,
                   "consistency_timeout");
  EXPECT_EQ(far.Request(V::get, kPeople + "/nickname", h).status, 200);  // kept
  ExpectAttioError(
      far.Request(V::patch, kPeople + "/nickname", slow, R"({"data":{"title":"Nick"}})"), 408,
      "consistency_timeout");
  EXPECT_EQ(Field(far.Request(V::get, kPeople + "/nickname", h), "title"), "Nick");
  EXPECT_EQ(far.Request(V::post, kPeople, h, TextAttr("local")).status, 200);  // local_region
}

}  // namespace
}  // namespace meridian::test

namespace meridian::test {
namespace {

TEST_F(AttioTest, TheSeedsPatchExampleIsAccepted) {
  ASSERT_EQ(MakeDeals(), 200);
  ASSERT_EQ(Post(deals, Attr("amount", "currency", kFlags + "," + kCurrencyConfig)).status, 200);
  // The seed's PATCH body (its record_reference part left out: allowed objects belong to
  // record-reference attributes only, docs/attio.md).
  Response r = Patch(deals + "/amount", R"({"data":{"title":"Your Attribute",
      "description":"Lorem ipsum","api_slug":"my-attribute","is_required":true,"is_unique":true,
      "default_value":{"type":"static","template":[{"value":5}]},
      "config":{"currency":{"default_currency_code":"USD","display_type":"symbol"}},
      "is_archived":false}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Field(r, "api_slug"), "my-attribute");
  EXPECT_EQ(Get(deals + "/my-attribute").body, r.body);
  // The default value answers in Attio's output shape.
  EXPECT_EQ(Field(r, "default_value"),
            R"({"type":"static","template":[{"currency_value":5,"currency_code":"USD",)"
            R"("attribute_type":"currency"}]})");
  // ... which may be sent back as it came.
  Response back = Patch(deals + "/my-attribute",
                        R"({"data":{"default_value":)" + Field(r, "default_value") + "}}");
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Field(back, "default_value"), Field(r, "default_value"));
}

TEST_F(AttioTest, CurrencyCodesAreAttiosFullList) {
  ASSERT_EQ(MakeDeals(), 200);
  const std::string codes[] = {"FJD", "HUF", "KES", "IDR", "TRY"};
  for (const std::string& code : codes) {
    std::string slug = "price_" + code;
    for (char& c : slug) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Response r = Post(deals, Attr(slug, "currency",
                                  kFlags + R"(,"config":{"currency":{"default_currency_code":")" +
                                      code + R"(","display_type":"code"}})"));
    EXPECT_EQ(r.status, 200) << code << " " << r.body;
  }
}

TEST_F(AttioTest, SelectOptionsAndStatusesAreListedCreatedAndUpdated) {
  ASSERT_EQ(MakeDeals(), 200);
  ASSERT_EQ(Post(deals, Attr("colour", "select", kMulti + R"(,"config":{})")).status, 200);
  const std::string options = deals + "/colour/options";
  Response none = Get(options);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.Json().at("data"), json::array{});
  Response red = Post(options, R"({"data":{"title":"Red"}})");
  ASSERT_EQ(red.status, 200) << red.body;
  EXPECT_FALSE(red.Header("Meridian-Commit-Token").empty());
  json::object id = red.Json().at("data").at("id").as_object();
  EXPECT_EQ(id.at("attribute_id"),
            Get(deals + "/colour").Json().at("data").at("id").at("attribute_id"));
  EXPECT_EQ(id.at("object_id"),
            Get("/v2/objects/deals").Json().at("data").at("id").at("object_id"));
  EXPECT_EQ(Field(red, "title"), "Red");
  EXPECT_EQ(Field(red, "is_archived"), "false");
  const std::string red_id(id.at("option_id").as_string());
  ASSERT_EQ(Post(options, R"({"data":{"title":"Blue"}})").status, 200);
  // Titles are unique per attribute; PATCH names an option by UUID or title.
  ExpectAttioError(Post(options, R"({"data":{"title":"Red"}})"), 409, "slug_conflict");
  ExpectAttioError(Patch(options + "/Blue", R"({"data":{"title":"Red"}})"), 409, "slug_conflict");
  ExpectAttioError(Patch(options + "/Green", R"({"data":{"title":"Teal"}})"), 400,
                   "value_not_found");
  Response crimson = Patch(options + "/" + red_id, R"({"data":{"title":"Crimson"}})");
  ASSERT_EQ(crimson.status, 200) << crimson.body;
  EXPECT_EQ(Field(crimson, "id", "option_id"), red_id);
  ASSERT_EQ(Post(options, R"({"data":{"title":"Red"}})").status, 200);  // the old title is free
  ASSERT_EQ(Patch(options + "/Blue", R"({"data":{"is_archived":true}})").status, 200);
  auto titles = [&](const std::string& target) {
    std::vector<std::string> out;
    const json::value all = Get(target).Json();
    for (const auto& o : all.at("data").as_array()) out.emplace_back(o.at("title").as_string());
    return out;
  };
  EXPECT_EQ(titles(options), (std::vector<std::string>{"Crimson", "Red"}));
  EXPECT_EQ(titles(options + "?show_archived=true"),
            (std::vector<std::string>{"Crimson", "Blue", "Red"}));
  // Bad input: Attio's errors, nothing changes.
  const std::string before = Get(options + "?show_archived=true").body;
  for (const std::string body : {R"({"data":{}})", R"({"data":{"title":""}})",
                                 R"({"data":{"title":5}})", R"({"data":{"title":"x","colour":1}})",
                                 R"({"data":{"title":"x","celebration_enabled":true}})", "nope"}) {
    ExpectAttioError(Post(options, body), 400, "validation_type");
  }
  ExpectAttioError(Patch(options + "/Red", R"({"data":{"is_archived":"yes"}})"), 400,
                   "validation_type");
  ExpectAttioError(Get(deals + "/nothing/options"), 404, "not_found");
  ExpectAttioError(Post(deals + "/colour/statuses", R"({"data":{"title":"x"}})"), 404,
                   "not_found");  // a select attribute has no statuses
  ExpectAttioError(Get("/v2/objects/nothing/attributes/colour/options"), 404, "not_found");
  ExpectAttioError(
      Send(V::post, options, Auth(CreateKey(org_, {"read"})), R"({"data":{"title":"x"}})"), 403,
      "forbidden");
  EXPECT_EQ(Get(options + "?show_archived=true").body, before);

  // Statuses, on a status attribute of a list.
  ASSERT_EQ(Post("/v2/lists", R"({"data":{"name":"Pipeline","parent_object":"deals"}})").status,
            200);
  ASSERT_EQ(
      Post("/v2/lists/pipeline/attributes", Attr("stage", "status", kFlags + R"(,"config":{})"))
          .status,
      200);
  const std::string statuses = "/v2/lists/pipeline/attributes/stage/statuses";
  Response won = Post(statuses, R"({"data":{"title":"Won","celebration_enabled":true,)"
                                R"("target_time_in_status":"P1DT12H"}})");
  ASSERT_EQ(won.status, 200) << won.body;
  EXPECT_EQ(Field(won, "celebration_enabled"), "true");
  EXPECT_EQ(Field(won, "target_time_in_status"), "P1DT12H");
  EXPECT_FALSE(Field(won, "id", "status_id").empty());
  Response lead = Post(statuses, R"({"data":{"title":"Lead"}})");
  ASSERT_EQ(lead.status, 200) << lead.body;
  EXPECT_EQ(Field(lead, "celebration_enabled"), "false");
  EXPECT_EQ(Field(lead, "target_time_in_status"), "null");
  ExpectAttioError(Post(statuses, R"({"data":{"title":"Late","target_time_in_status":"1 day"}})"),
                   400, "validation_type");
  Response patched =
      Patch(statuses + "/Won", R"({"data":{"target_time_in_status":null,"is_archived":true}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Field(patched, "target_time_in_status"), "null");
  EXPECT_EQ(titles(statuses), (std::vector<std::string>{"Lead"}));
  // A PATCH that changes nothing answers the stored status.
  Response same = Patch(statuses + "/Lead", R"({"data":{"title":"Lead"}})");
  EXPECT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.Json().at("data"), lead.Json().at("data"));
}

TEST_F(AttioTest, ChoiceWritesHonourConsistencyHeadersAndCommitTokens) {
  ASSERT_EQ(MakeDeals(), 200);
  ASSERT_EQ(Post(deals, Attr("colour", "select", kFlags + R"(,"config":{})")).status, 200);
  const std::string options = deals + "/colour/options";
  ExpectAttioError(
      Send(V::post, options, With(Auth(), "SlashID-Required-Consistency", "everywhere"),
           R"({"data":{"title":"Red"}})"),
      400, "validation_type");
  Response red = Send(V::post, options, With(Auth(), "SlashID-Required-Consistency", "all_regions"),
                      R"({"data":{"title":"Red"}})");
  ASSERT_EQ(red.status, 200) << red.body;  // a single region: all regions is this one
  const std::string token = red.Header("Meridian-Commit-Token");
  ASSERT_FALSE(token.empty());
  Response read = Send(V::get, options, With(Auth(), "Meridian-Min-Commit-Token", token));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json().at("data").as_array().size(), 1u);
}

}  // namespace
}  // namespace meridian::test
