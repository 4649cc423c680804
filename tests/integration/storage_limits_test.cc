// Storage keys beyond LMDB's limit against a real meridiand: a ZITADEL metadata key of 200
// four-byte (or three-byte) characters once answered 500 and then stopped every write of every
// organization (and /readyz) until restart. Now it is a 400 in ZITADEL's format and nothing else
// changes: other organizations keep writing and /readyz stays 200.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "tests/support/bucket_test.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {

const std::string kMeta = "/management/v1/metadata/";

std::string Repeat(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

class StorageLimitsTest : public NodeTest {
 protected:
  Response SetMeta(const std::string& key, const std::string& encoded_name) {
    return Client().Request(http::verb::post, kMeta + encoded_name, BearerAuth(key),
                            R"({"value":"YQ=="})");
  }
};

TEST_F(StorageLimitsTest, ZitadelKeyOfWideCharactersIs400AndEveryOrgKeepsWriting) {
  const std::string org_a = CreateOrg("limits-a");
  const std::string org_b = CreateOrg("limits-b");
  const std::string key_a = CreateKey(org_a, {"read", "write"});
  const std::string key_b = CreateKey(org_b, {"read", "write"});
  // 200 characters of 4 bytes (U+1F600) = 800 bytes, and of 3 bytes (U+20AC) = 600 bytes.
  for (const std::string& wide : {Repeat("%F0%9F%98%80", 200), Repeat("%E2%82%AC", 200)}) {
    Response r = SetMeta(key_a, wide);
    EXPECT_EQ(r.status, 400) << r.body;
    boost::json::value v = ParseJson(r.body);
    ASSERT_TRUE(v.is_object()) << r.body;
    EXPECT_EQ(v.at("code"), 3) << r.body;  // gRPC InvalidArgument, ZITADEL's body
    EXPECT_EQ(Client().Request(http::verb::get, kMeta + wide, BearerAuth(key_a)).status, 400);
  }
  EXPECT_EQ(Client().Request(http::verb::get, "/readyz").status, 200);
  EXPECT_EQ(SetMeta(key_a, "plan").status, 200);
  EXPECT_EQ(SetMeta(key_b, "plan").status, 200);
  // The largest key the dialect accepts is stored and read back: 100 four-byte characters.
  const std::string widest = Repeat("%F0%9F%98%80", 100);
  Response set = SetMeta(key_b, widest);
  EXPECT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Client().Request(http::verb::get, kMeta + widest, BearerAuth(key_b)).status, 200);
  // Other dialects keep writing too.
  Response slashid =
      Client().Request(http::verb::put, "/organizations/attributes/end_user_read_write",
                       SlashIdAuth(key_a, org_a), R"({"x":1})");
  EXPECT_LT(slashid.status, 300) << slashid.body;
  EXPECT_EQ(Client().Request(http::verb::get, "/readyz").status, 200);
}

// SlashID values are kept exactly as sent: numbers keep their text (1.5 stays 1.5, not 1.5E0;
// 1e999 stays 1e999, never Infinity; integers wider than 64 bits keep every digit), the 64 KiB
// limit is measured on that text, and every answer is valid JSON.
class SlashIdNumberFidelityTest : public BucketTest {};

TEST_F(SlashIdNumberFidelityTest, ValuesReadBackByteForByte) {
  const std::string wide(10000, '9');
  const std::string body =
      "{ \"f\" : 1.5, \"inf\":1e999,\"ninf\":-1e999,\"u\":18446744073709551617,"
      "\"e\":1.0E+2,\"w\":" +
      wide + ",\"a\":[ 0.10 , -0 ]}";
  Response w = Patch(kReadWrite, body);
  ASSERT_LT(w.status, 300) << w.body;
  Response r = Get(kReadWrite);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_FALSE(ParseJson(r.body).is_null()) << "not JSON: " << r.body.substr(0, 200);
  for (const std::string& member :
       {std::string("\"f\":1.5"), std::string("\"inf\":1e999"), std::string("\"ninf\":-1e999"),
        std::string("\"u\":18446744073709551617"), std::string("\"e\":1.0E+2"), "\"w\":" + wide,
        std::string("\"a\":[0.10,-0]")}) {
    EXPECT_NE(r.body.find(member), std::string::npos) << member.substr(0, 40);
  }
  // The same through the multi-bucket write.
  Response many = Send(http::verb::patch, std::string(kAllBuckets), Auth(),
                       R"({"end_user_read_only":{"g":2.50}})");
  ASSERT_LT(many.status, 300) << many.body;
  EXPECT_NE(Get(kReadOnly).body.find("\"g\":2.50"), std::string::npos);
}

TEST_F(SlashIdNumberFidelityTest, InvalidNumbersAre400AndTheLimitIsOnTheSentText) {
  const boost::json::value before = Snapshot();
  for (const char* bad : {R"({"x":NaN})", R"({"x":Infinity})", R"({"x":01})", R"({"x":1.})",
                          R"({"x":+1})", R"({"x":.5})"}) {
    EXPECT_TRUE(IsErrorEnvelope(Patch(kReadWrite, bad), 400)) << bad;
  }
  // 65536 bytes of text (a number) is accepted; one byte more is refused.
  EXPECT_LT(Patch(kReadWrite, "{\"n\":" + std::string(65536, '1') + "}").status, 300);
  EXPECT_TRUE(IsErrorEnvelope(Patch(kReadWrite, "{\"n\":" + std::string(65537, '1') + "}"), 400));
  EXPECT_EQ(Attributes(kReadOnly), before.at(kReadOnly));
}

}  // namespace
}  // namespace meridian::test
