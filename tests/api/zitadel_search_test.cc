// Tests of the ZITADEL `_search` request: protojson-style parsing (numbers or strings, enum
// names or numbers, proto field names, unknown fields ignored), limits, and key matching.
#include <gtest/gtest.h>

#include "api/zitadel/search.h"

namespace meridian::api::zitadel {
namespace {
namespace json = boost::json;

Result<SearchRequest> Parse(std::string_view text) { return ParseSearchRequest(json::parse(text)); }

TEST(ZitadelSearchParseTest, EmptyBodyGivesDefaults) {
  for (const char* text : {"null", "{}", "{\"query\":{}}", "{\"query\":null,\"queries\":null}"}) {
    auto r = Parse(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(r->offset, 0u);
    EXPECT_EQ(r->limit, 100u);
    EXPECT_FALSE(r->asc);
    EXPECT_TRUE(r->filters.empty());
  }
}

TEST(ZitadelSearchParseTest, OffsetAndLimitAcceptNumbersAndStrings) {
  auto r = Parse(R"({"query":{"offset":"18446744073709551615","limit":20,"asc":true}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 18446744073709551615ull);
  EXPECT_EQ(r->limit, 20u);
  EXPECT_TRUE(r->asc);
  r = Parse(R"({"query":{"offset":3,"limit":"1000"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 3u);
  EXPECT_EQ(r->limit, 1000u);
  r = Parse(R"({"query":{"offset":2.0,"limit":0}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 2u);
  EXPECT_EQ(r->limit, 100u);  // 0 is the default
}

TEST(ZitadelSearchParseTest, BadPagingIsRefused) {
  for (const char* text :
       {R"({"query":{"limit":1001}})", R"({"query":{"limit":"1001"}})",
        R"({"query":{"limit":4294967296}})", R"({"query":{"limit":-1}})",
        R"({"query":{"offset":-1}})", R"({"query":{"offset":1.5}})", R"({"query":{"offset":"1x"}})",
        R"({"query":{"offset":""}})", R"({"query":{"offset":true}})", R"({"query":{"asc":"true"}})",
        R"({"query":[]})", R"({"query":5})", R"([])", R"("x")"}) {
    EXPECT_TRUE(Parse(text).status().IsInvalidArgument()) << text;
  }
}

TEST(ZitadelSearchParseTest, KeyQueriesByNameOrNumber) {
  auto r = Parse(R"({"queries":[
      {"keyQuery":{"key":"a","method":"TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE"}},
      {"key_query":{"key":"b","method":6}},
      {"keyQuery":{"key":"c"}, "unknownField": 1}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->filters.size(), 3u);
  EXPECT_EQ(r->filters[0].method, TextMethod::kStartsWithIgnoreCase);
  EXPECT_EQ(r->filters[1].method, TextMethod::kEndsWith);
  EXPECT_EQ(r->filters[1].key, "b");
  EXPECT_EQ(r->filters[2].method, TextMethod::kEquals);
}

TEST(ZitadelSearchParseTest, BadKeyQueriesAreRefused) {
  const std::string long_key(201, 'k');
  for (std::string text :
       {std::string(R"({"queries":[{}]})"), std::string(R"({"queries":[1]})"),
        std::string(R"({"queries":{"keyQuery":{}}})"),
        std::string(R"({"queries":[{"keyQuery":"a"}]})"),
        std::string(R"({"queries":[{"keyQuery":{"key":5}}]})"),
        std::string(R"({"queries":[{"keyQuery":{"method":"TEXT_QUERY_METHOD_LIKE"}}]})"),
        std::string(R"({"queries":[{"keyQuery":{"method":8}}]})"),
        std::string(R"({"queries":[{"keyQuery":{"method":"2"}}]})"),
        R"({"queries":[{"keyQuery":{"key":")" + long_key + R"("}}]})"}) {
    EXPECT_TRUE(Parse(text).status().IsInvalidArgument()) << text;
  }
  const std::string k200(200, 'k');
  EXPECT_TRUE(Parse(R"({"queries":[{"keyQuery":{"key":")" + k200 + R"("}}]})").ok());
}

TEST(ZitadelSearchMatchTest, EveryMethod) {
  auto m = [](TextMethod method, std::string_view filter, std::string_view key) {
    return Matches(KeyFilter{std::string(filter), method}, key);
  };
  EXPECT_TRUE(m(TextMethod::kEquals, "Plan", "Plan"));
  EXPECT_FALSE(m(TextMethod::kEquals, "plan", "Plan"));
  EXPECT_TRUE(m(TextMethod::kEqualsIgnoreCase, "plan", "PLAN"));
  EXPECT_TRUE(m(TextMethod::kStartsWith, "billing.", "billing.plan"));
  EXPECT_FALSE(m(TextMethod::kStartsWith, "Billing.", "billing.plan"));
  EXPECT_TRUE(m(TextMethod::kStartsWithIgnoreCase, "Billing.", "billing.plan"));
  EXPECT_TRUE(m(TextMethod::kContains, "ll", "billing"));
  EXPECT_FALSE(m(TextMethod::kContains, "LL", "billing"));
  EXPECT_TRUE(m(TextMethod::kContainsIgnoreCase, "LL", "billing"));
  EXPECT_TRUE(m(TextMethod::kEndsWith, ".plan", "billing.plan"));
  EXPECT_FALSE(m(TextMethod::kEndsWith, ".PLAN", "billing.plan"));
  EXPECT_TRUE(m(TextMethod::kEndsWithIgnoreCase, ".PLAN", "billing.plan"));
  EXPECT_TRUE(m(TextMethod::kStartsWith, "", "anything"));
  EXPECT_FALSE(m(TextMethod::kEquals, "", "anything"));
}

TEST(ZitadelSearchMatchTest, AllFiltersMustMatch) {
  std::vector<KeyFilter> filters = {{"a", TextMethod::kStartsWith}, {"z", TextMethod::kEndsWith}};
  EXPECT_TRUE(MatchesAll(filters, "abcz"));
  EXPECT_FALSE(MatchesAll(filters, "abc"));
  EXPECT_TRUE(MatchesAll({}, "anything"));
}

}  // namespace
}  // namespace meridian::api::zitadel
