// Unit tests of api/ocamba/property and property_list: create and PATCH validation, the stored
// form, the answer form, the system properties, and the list query.
#include <gtest/gtest.h>

#include "api/ocamba/ocamba_api.h"
#include "api/ocamba/property.h"
#include "api/ocamba/property_list.h"

namespace meridian::api::ocamba {
namespace {
namespace json = boost::json;

json::value J(std::string_view text) { return json::parse(text); }

TEST(OcambaPropertyTest, CreateTakesTheSeedBodyAndDerivesTheTarget) {
  auto p = ParseCreate(J(R"({"label":"Region Name","data_type":"text","example":"northern_europe",
      "description":"d","export_alias":"region_name","pi_data":1,"importable":0,"exportable":1})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->target, "region_name");
  EXPECT_EQ(p->label, "Region Name");
  EXPECT_EQ(p->export_alias, "region_name");
  EXPECT_EQ(p->pi_data, 1);
  EXPECT_EQ(p->importable, 0);
  EXPECT_FALSE(p->system);
}

TEST(OcambaPropertyTest, CreateDefaultsAndAliases) {
  auto p = ParseCreate(J(R"({"name":"42 Lucky!","type":"number"})"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->target, "p_42_lucky");
  EXPECT_EQ(p->data_type, "number");
  EXPECT_EQ(p->importable, 1);
  EXPECT_EQ(p->exportable, 1);
  EXPECT_EQ(p->pi_data, 0);
  auto q = ParseCreate(J(R"({"property":"Plan"})"));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->data_type, "text");
  EXPECT_EQ(q->target, "plan");
}

TEST(OcambaPropertyTest, CreateRefusesBadBodies) {
  for (const char* body : {R"([])",
                           R"("x")",
                           R"({})",
                           R"({"label":""})",
                           R"({"label":5})",
                           R"({"label":"a","name":"b"})",
                           R"({"label":"a","data_type":"colour"})",
                           R"({"label":"a","target":"Bad Target"})",
                           R"({"label":"a","target":"9x"})",
                           R"({"label":"a","pi_data":2})",
                           R"({"label":"a","pi_data":true})",
                           R"({"label":"a","importable":"1"})",
                           R"({"label":"a","id":"1"})",
                           R"({"label":"a","system":1})",
                           R"({"label":"a","colour":"red"})",
                           R"({"label":"!!!"})",
                           R"({"label":"a","import_aliases":"x"})",
                           R"({"label":"a","import_aliases":[""]})",
                           R"({"label":"a","export_alias":"Has Space"})",
                           R"({"label":"a","data_type":"text","type":"text"})"}) {
    auto p = ParseCreate(J(body));
    EXPECT_FALSE(p.ok()) << body;
    if (!p.ok()) {
      EXPECT_TRUE(p.status().IsInvalidArgument()) << body;
    }
  }
  EXPECT_FALSE(ParseCreate(json::object{{"label", std::string(256, 'a')}}).ok());
  EXPECT_TRUE(ParseCreate(json::object{{"label", std::string(255, 'a')}}).ok());
  EXPECT_FALSE(
      ParseCreate(json::object{{"label", "a"}, {"description", std::string(1001, 'd')}}).ok());
}

TEST(OcambaPropertyTest, PatchNeedsAnUpdatableFieldAndRefusesFixedOnes) {
  EXPECT_FALSE(ParsePatch(J("{}")).ok());
  EXPECT_FALSE(ParsePatch(J("[1]")).ok());
  EXPECT_FALSE(ParsePatch(J(R"({"target":"x"})")).ok());
  EXPECT_FALSE(ParsePatch(J(R"({"data_type":"text"})")).ok());
  EXPECT_FALSE(ParsePatch(J(R"({"update_time":"x"})")).ok());
  EXPECT_FALSE(ParsePatch(J(R"({"unknown":1})")).ok());
  EXPECT_FALSE(ParsePatch(J(R"({"example":7})")).ok());
  auto patch = ParsePatch(J(R"({"example":"northern_europe","export_alias":"region_name"})"));
  ASSERT_TRUE(patch.ok());
  Property p = *ParseCreate(J(R"({"label":"Region","description":"keep"})"));
  ApplyPatch(*patch, p);
  EXPECT_EQ(p.example, "northern_europe");
  EXPECT_EQ(p.export_alias, "region_name");
  EXPECT_EQ(p.description, "keep");
  EXPECT_EQ(p.label, "Region");
}

TEST(OcambaPropertyTest, StoredFormRoundTrips) {
  Property p =
      *ParseCreate(J(R"({"label":"L","target":"t1","import_aliases":["a","b"],"pi_data":1})"));
  auto back = DecodeStored("123", EncodeStored(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, "123");
  EXPECT_EQ(back->target, "t1");
  EXPECT_EQ(back->import_aliases, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(back->pi_data, 1);
  EXPECT_FALSE(DecodeStored("1", "not json").ok());
  EXPECT_FALSE(DecodeStored("1", "[]").ok());
}

TEST(OcambaPropertyTest, AnswerFormUsesIntegersAndOcambaTimes) {
  Property p = *ParseCreate(J(R"({"label":"L"})"));
  p.id = "99";
  p.create_ms = 1700000000123;
  p.update_ms = 1700000100000;
  json::object o = ToJson(p);
  EXPECT_EQ(o.at("id"), "99");
  EXPECT_EQ(o.at("system"), 0);
  EXPECT_EQ(o.at("importable"), 1);
  EXPECT_EQ(o.at("create_time"), "2023-11-14 22:13:20");
  EXPECT_EQ(o.at("update_time"), "2023-11-14 22:15:00");
}

TEST(OcambaPropertyTest, IdsAndSystemProperties) {
  EXPECT_TRUE(IsPropertyId("1"));
  EXPECT_TRUE(IsPropertyId("12345678901234567890"));
  EXPECT_FALSE(IsPropertyId(""));
  EXPECT_FALSE(IsPropertyId("123456789012345678901"));
  EXPECT_FALSE(IsPropertyId("12a"));
  EXPECT_FALSE(IsPropertyId("-1"));
  for (int i = 0; i < 100; ++i) {
    std::string id = NewPropertyId();
    EXPECT_EQ(id.size(), 16u);
    EXPECT_TRUE(IsPropertyId(id));
    EXPECT_FALSE(IsSystemId(id));
  }
  auto system = SystemProperties(0);
  ASSERT_FALSE(system.empty());
  for (const auto& p : system) {
    EXPECT_TRUE(p.system);
    EXPECT_TRUE(IsSystemId(p.id));
    EXPECT_TRUE(IsSystemTarget(p.target));
  }
  EXPECT_TRUE(IsSystemTarget("email"));
  EXPECT_FALSE(IsSystemTarget("region_name"));
}

TEST(OcambaListTest, QueryParsingAndPaging) {
  EXPECT_TRUE(ParseListQuery("").ok());
  EXPECT_FALSE(ParseListQuery("page=0,10").ok());
  EXPECT_FALSE(ParseListQuery("page=1,0").ok());
  EXPECT_FALSE(ParseListQuery("page=1,1001").ok());
  EXPECT_FALSE(ParseListQuery("page=x").ok());
  EXPECT_FALSE(ParseListQuery("system=2").ok());
  EXPECT_FALSE(ParseListQuery("q=%zz").ok());
  EXPECT_FALSE(ParseListQuery("q=a&q_fields=").ok());  // would search nothing
  EXPECT_FALSE(ParseListQuery("q_fields=label,").ok());
  EXPECT_TRUE(ParseListQuery("q=a&q_fields=label,target").ok());
  EXPECT_FALSE(ParseListQuery("sort=label,").ok());
  EXPECT_TRUE(ParseListQuery("sort=").ok());
  auto q = ParseListQuery("page=2,3&system=1&q=NAME");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->page, 2u);
  EXPECT_EQ(*q->per_page, 3u);
  EXPECT_EQ(q->filters, (std::vector<std::pair<std::string, std::string>>{{"system", "1"}}));
  EXPECT_EQ(q->q, "name");

  std::vector<Property> all = SystemProperties(0);
  json::object body = ListBody(all, *q);
  EXPECT_EQ(body.at("total"), 3);  // first_name, last_name, timezone ("... zone name.")
  EXPECT_EQ(body.at("items").as_array().size(), 0u);
  body = ListBody(all, *ParseListQuery("page=1,3"));
  EXPECT_EQ(body.at("total").to_number<size_t>(), all.size());
  EXPECT_EQ(body.at("items").as_array().size(), 3u);
}

TEST(OcambaErrorTest, EnvelopeHasCodeTitleMessageTrace) {
  Response r = ErrorResponse(http::status::bad_request, "The request body is not valid.", "t-1");
  json::value v = json::parse(r.body());
  EXPECT_EQ(v.at("code"), 400);
  EXPECT_EQ(v.at("title"), "Bad request.");
  EXPECT_EQ(v.at("message"), "The request body is not valid.");
  EXPECT_EQ(v.at("trace_id"), "t-1");
  Response internal = ErrorResponse(http::status::internal_server_error, "secret detail", "t-2");
  json::value w = json::parse(internal.body());
  EXPECT_EQ(w.at("title"), "Internal server error.");
  EXPECT_FALSE(w.as_object().contains("message"));
  EXPECT_EQ(internal.body().find("secret"), std::string::npos);
  EXPECT_EQ(
      json::parse(ErrorResponse(http::status::too_many_requests, "m", "t").body()).at("title"),
      "Too many requests.");
}

}  // namespace
}  // namespace meridian::api::ocamba
