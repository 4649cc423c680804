// Tests of the JSON helpers (api/json_util.h): body parsing with a clear error and a depth
// bound, string quoting, and typed field access.
#include "api/json_util.h"

#include <gtest/gtest.h>

#include <string>

namespace meridian::api {
namespace json = boost::json;
namespace {

class JsonUtilTest : public ::testing::Test {
 protected:
  static Request WithBody(std::string body) {
    Request req{http::verb::post, "/", 11};
    req.body() = std::move(body);
    return req;
  }
};

TEST_F(JsonUtilTest, ParsesAWellFormedBody) {
  auto v = ParseJsonBody(WithBody("{\"name\":\"acme\",\"n\":3}"));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE(v->is_object());
  EXPECT_EQ(v->as_object().at("n").as_int64(), 3);
}

TEST_F(JsonUtilTest, MalformedOrEmptyBodyIsInvalidArgument) {
  for (const char* body : {"", "{", "{\"a\":}", "[1,2", "nul", "{\"a\":1} trailing"}) {
    auto v = ParseJsonBody(WithBody(body));
    ASSERT_FALSE(v.ok()) << body;
    EXPECT_TRUE(v.status().IsInvalidArgument()) << body;
    EXPECT_NE(v.status().message().find("not valid JSON"), std::string::npos);
  }
}

TEST_F(JsonUtilTest, NestingIsBoundedAtSixtyFourLevels) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(ParseJsonBody(WithBody(nested(64))).ok());
  EXPECT_FALSE(ParseJsonBody(WithBody(nested(65))).ok());
  EXPECT_FALSE(ParseJsonBody(WithBody(nested(100000))).ok());
}

TEST_F(JsonUtilTest, JsonQuoteEscapesAndRoundTrips) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  const std::string tricky = std::string("line\nbreak\ttab\x01 \xc3\xa9 ") + std::string(1, '\0');
  const std::string quoted = JsonQuote(tricky);
  EXPECT_EQ(quoted.find('\n'), std::string::npos);
  json::value back = json::parse(quoted);
  ASSERT_TRUE(back.is_string());
  EXPECT_EQ(std::string(back.as_string()), tricky);
}

TEST_F(JsonUtilTest, StringFieldReadsOnlyStrings) {
  json::object obj = json::parse("{\"s\":\"x\",\"n\":1,\"z\":null,\"e\":\"\"}").as_object();
  EXPECT_EQ(StringField(obj, "s"), "x");
  EXPECT_EQ(StringField(obj, "e"), "");
  EXPECT_FALSE(StringField(obj, "n").has_value());
  EXPECT_FALSE(StringField(obj, "z").has_value());
  EXPECT_FALSE(StringField(obj, "missing").has_value());
}

// --- client JSON kept exactly as sent (number fidelity) ---

TEST(CompactJsonTest, KeepsNumbersAndStringsByteForByteAndDropsOnlyOuterWhitespace) {
  const std::string big(10000, '7');
  const std::string in =
      " { \"a\" : 1.5 ,\n\t\"b\":[ 1e999, -1e999 , 0.1E-5 ],\"c\": \"x y\\\" \\\\\" ,"
      "\"d\":" +
      big + ",\"e\":18446744073709551617 } ";
  auto out = CompactJson(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "{\"a\":1.5,\"b\":[1e999,-1e999,0.1E-5],\"c\":\"x y\\\" \\\\\",\"d\":" + big +
                      ",\"e\":18446744073709551617}");
}

TEST(CompactJsonTest, RefusesWhatIsNotJson) {
  for (const char* bad : {"", "{", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
                          "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e}", "{\"a\":0x10}",
                          "{\"a\":1,}", "{\"a\":\"\xff\"}", "{\"a\":\"\x01\"}", "{} {}"}) {
    EXPECT_TRUE(CompactJson(bad).status().IsInvalidArgument()) << bad;
  }
  std::string deep(65, '[');
  deep += std::string(65, ']');
  EXPECT_TRUE(CompactJson(deep).status().IsInvalidArgument());
}

TEST(ObjectMembersTest, SplitsAnObjectIntoNamesAndRawValueText) {
  auto compact =
      CompactJson(R"({"a":1.50,"n\u00e9":{"x":[1,{"y":"}"}]},"q":"a,b}","a":true,"e":{}})");
  ASSERT_TRUE(compact.ok());
  auto members = ObjectMembers(*compact);
  ASSERT_TRUE(members.has_value());
  ASSERT_EQ(members->size(), 5u);
  EXPECT_EQ((*members)[0].name, "a");
  EXPECT_EQ((*members)[0].value, "1.50");
  EXPECT_EQ((*members)[1].name, "n\xc3\xa9");
  EXPECT_EQ((*members)[1].value, R"({"x":[1,{"y":"}"}]})");
  EXPECT_EQ((*members)[2].value, R"("a,b}")");
  EXPECT_EQ((*members)[3].value, "true");
  EXPECT_EQ((*members)[4].value, "{}");
  EXPECT_TRUE(ObjectMembers("{}")->empty());
  EXPECT_FALSE(ObjectMembers("[1]").has_value());
  EXPECT_FALSE(ObjectMembers("1").has_value());
}

}  // namespace
}  // namespace meridian::api
