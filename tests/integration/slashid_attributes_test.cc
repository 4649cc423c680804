// End-to-end tests of the SlashID attribute-bucket dialect (docs/http-api.md
// "Attribute buckets") against a real meridiand: every endpoint's success path, the
// consistency headers on every write, commit tokens, X-Request-Id and Date.
// Bad input and refusals are in slashid_errors_test.cc.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <charconv>
#include <set>
#include <string>
#include <vector>

#include "tests/support/bucket_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using V = http::verb;

// {"result": ...} of a 200 answer; null (with a failure) otherwise.
json::value ResultOf(const Response& r) {
  EXPECT_EQ(r.status, 200) << r.body << r.error;
  const json::value v = r.Json();
  const json::value* result = v.is_object() ? v.as_object().if_contains("result") : nullptr;
  EXPECT_NE(result, nullptr) << r.body;
  return result ? *result : json::value();
}

// "origin:seq" -> seq; 0 when malformed.
uint64_t SeqOf(const std::string& token) {
  const size_t colon = token.rfind(':');
  if (colon == std::string::npos || colon == 0) return 0;
  uint64_t seq = 0;
  auto [end, ec] = std::from_chars(token.data() + colon + 1, token.data() + token.size(), seq);
  return ec == std::errc() && end == token.data() + token.size() ? seq : 0;
}

std::string OriginOf(const std::string& token) { return token.substr(0, token.rfind(':')); }

class SlashIdAttributesTest : public BucketTest {
 protected:
  Response Many(V method, std::string_view body, const Headers& extra = {}) {
    return Send(method, std::string(kAllBuckets), Auth(extra), body);
  }
  // A write that must succeed: 204, no body, a commit token.
  void ExpectWritten(const Response& r) {
    EXPECT_EQ(r.status, 204) << r.body << r.error;
    EXPECT_TRUE(r.body.empty()) << r.body;
    EXPECT_GT(SeqOf(r.Header("Meridian-Commit-Token")), 0u)
        << "token: " << r.Header("Meridian-Commit-Token");
  }
};

TEST_F(SlashIdAttributesTest, PatchMergesNamedAttributesAndLeavesOthers) {
  ExpectWritten(Patch(kReadWrite, R"({"plan":"enterprise","seats":250,"flags":{"beta":true}})"));
  EXPECT_EQ(Attributes(kReadWrite),
            json::parse(R"({"plan":"enterprise","seats":250,"flags":{"beta":true}})"));
  // A second PATCH changes and adds; unnamed attributes stay.
  ExpectWritten(Patch(kReadWrite, R"({"seats":300,"nothing":null,"list":[1,"two",{"3":[]}]})"));
  EXPECT_EQ(Attributes(kReadWrite),
            json::parse(R"({"plan":"enterprise","seats":300,"flags":{"beta":true},)"
                        R"("nothing":null,"list":[1,"two",{"3":[]}]})"));
  // An empty PATCH changes nothing.
  ExpectWritten(Patch(kReadWrite, "{}"));
  EXPECT_EQ(Attributes(kReadWrite).as_object().size(), 5u);
  // Other buckets are untouched.
  EXPECT_EQ(Attributes(kReadOnly), json::object());
  EXPECT_EQ(Attributes(kNoAccess), json::object());
}

TEST_F(SlashIdAttributesTest, GetSelectsNamedAttributes) {
  ExpectWritten(Patch(kReadWrite, R"({"a":1,"b":"two","c":[3]})"));
  EXPECT_EQ(ResultOf(Get(kReadWrite, "attributes=a,c")), json::parse(R"({"a":1,"c":[3]})"));
  // Absent names are left out; repeated names appear once.
  EXPECT_EQ(ResultOf(Get(kReadWrite, "attributes=b,missing,b")), json::parse(R"({"b":"two"})"));
  EXPECT_EQ(ResultOf(Get(kReadWrite, "attributes=missing")), json::object());
  // Percent-encoded names.
  ExpectWritten(Patch(kReadWrite, R"({"with space":1,"a,b":2})"));
  EXPECT_EQ(ResultOf(Get(kReadWrite, "attributes=with%20space")),
            json::parse(R"({"with space":1})"));
}

TEST_F(SlashIdAttributesTest, ValuesOfEveryJsonTypeRoundTrip) {
  const std::string body =
      R"({"s":"text \"quoted\" \u00e9\u4e2d","i":-42,"big":12345678901234,"f":1.5,)"
      R"("t":true,"fl":false,"n":null,"arr":[],"obj":{},"deep":{"a":{"b":{"c":[1,[2,[3]]]}}},)"
      R"("\u00fcnicode-name":"ok"})";
  ExpectWritten(Patch(kReadWrite, body));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(body));
}

TEST_F(SlashIdAttributesTest, LimitsAreInclusive) {
  // 70-byte name and a value of exactly 64 KiB once serialized (a string: 2 quotes).
  const std::string name70(70, 'n');
  // 35 two-byte characters: 70 bytes.
  std::string utf8_70;
  for (int i = 0; i < 35; ++i) utf8_70 += "\xc3\xa9";
  const std::string value(65536 - 2, 'v');
  ExpectWritten(Patch(kReadWrite, json::serialize(json::object{{name70, value}, {utf8_70, 1}})));
  json::value got = Attributes(kReadWrite);
  ASSERT_TRUE(got.is_object());
  EXPECT_EQ(got.at(name70), json::value(value));
  EXPECT_EQ(got.at(utf8_70), json::value(1));
}

TEST_F(SlashIdAttributesTest, PutReplacesTheWholeBucket) {
  ExpectWritten(Patch(kReadWrite, R"({"a":1,"b":2,"c":3})"));
  ExpectWritten(Patch(kReadOnly, R"({"keep":true})"));
  ExpectWritten(Put(kReadWrite, R"({"b":20,"d":4})"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"b":20,"d":4})"));
  EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"keep":true})"));
  // PUT {} empties the bucket.
  ExpectWritten(Put(kReadWrite, "{}"));
  EXPECT_EQ(Attributes(kReadWrite), json::object());
  // And PUT on an empty bucket fills it.
  ExpectWritten(Put(kReadWrite, R"({"x":"y"})"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"x":"y"})"));
}

TEST_F(SlashIdAttributesTest, DeleteNamedOrAllAttributes) {
  ExpectWritten(Patch(kReadWrite, R"({"a":1,"b":2,"c":3})"));
  ExpectWritten(Patch(kNoAccess, R"({"other":1})"));
  ExpectWritten(Delete(kReadWrite, "attributes=a,missing"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"b":2,"c":3})"));
  // Deleting only missing names succeeds and changes nothing.
  ExpectWritten(Delete(kReadWrite, "attributes=missing"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"b":2,"c":3})"));
  ExpectWritten(Delete(kReadWrite));
  EXPECT_EQ(Attributes(kReadWrite), json::object());
  EXPECT_EQ(Attributes(kNoAccess), json::parse(R"({"other":1})"));
  // A deleted attribute can be written again.
  ExpectWritten(Patch(kReadWrite, R"({"a":"again"})"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"a":"again"})"));
  // DELETE of an empty bucket.
  ExpectWritten(Delete(kReadOnly));
  EXPECT_EQ(Attributes(kReadOnly), json::object());
}

TEST_F(SlashIdAttributesTest, MultiBucketPatchPutAndGet) {
  ExpectWritten(Many(V::patch, R"({"end_user_read_write":{"a":1,"b":2},)"
                               R"("end_user_read_only":{"r":"o"}})"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"a":1,"b":2})"));
  EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"r":"o"})"));
  // PATCH merges per bucket.
  ExpectWritten(Many(V::patch, R"({"end_user_read_write":{"b":3,"c":4}})"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"a":1,"b":3,"c":4})"));
  // PUT replaces each named bucket; unnamed buckets stay.
  ExpectWritten(Many(V::put, R"({"end_user_read_write":{"z":26},"end_user_no_access":{}})"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"z":26})"));
  EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"r":"o"})"));
  EXPECT_EQ(Attributes(kNoAccess), json::object());

  // GET of all buckets names every default bucket.
  EXPECT_EQ(ResultOf(Send(V::get, std::string(kAllBuckets), Auth())),
            json::parse(R"({"end_user_no_access":{},"end_user_read_only":{"r":"o"},)"
                        R"("end_user_read_write":{"z":26}})"));
  EXPECT_EQ(
      ResultOf(Send(V::get, std::string(kAllBuckets) + "?buckets=end_user_read_only", Auth())),
      json::parse(R"({"end_user_read_only":{"r":"o"}})"));
  EXPECT_EQ(ResultOf(Send(V::get,
                          std::string(kAllBuckets) +
                              "?buckets=end_user_read_write,end_user_read_only,end_user_read_write",
                          Auth())),
            json::parse(R"({"end_user_read_only":{"r":"o"},"end_user_read_write":{"z":26}})"));
  // An empty multi-bucket PATCH is a no-op.
  ExpectWritten(Many(V::patch, "{}"));
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"z":26})"));
}

TEST_F(SlashIdAttributesTest, CreatedBucketsAreListedAndUsable) {
  Response list = Send(V::get, "/organizations/attribute-buckets", Auth());
  json::value buckets = ResultOf(list);
  ASSERT_TRUE(buckets.is_array()) << list.body;
  std::vector<std::string> names;
  for (const auto& b : buckets.as_array()) {
    names.emplace_back(b.at("name").as_string());
    EXPECT_EQ(b.at("sharing_scope"), "organization");
    EXPECT_EQ(b.at("owner_organization_id"), json::value(org_));
  }
  EXPECT_EQ(names, (std::vector<std::string>{std::string(kNoAccess), std::string(kReadOnly),
                                             std::string(kReadWrite)}));
  EXPECT_EQ(buckets.as_array()[1].at("end_user_permissions"), "read_only");

  ASSERT_EQ(CreateBucket(org_, "billing"), 201);
  EXPECT_EQ(CreateBucket(org_, "billing"), 409);
  ExpectWritten(Patch("billing", R"({"tier":"gold"})"));
  EXPECT_EQ(Attributes("billing"), json::parse(R"({"tier":"gold"})"));
  json::value all = ResultOf(Send(V::get, std::string(kAllBuckets), Auth()));
  ASSERT_TRUE(all.is_object());
  EXPECT_EQ(all.at("billing"), json::parse(R"({"tier":"gold"})"));
  EXPECT_EQ(all.as_object().size(), 4u);
  buckets = ResultOf(Send(V::get, "/organizations/attribute-buckets", Auth()));
  ASSERT_TRUE(buckets.is_array());
  EXPECT_EQ(buckets.as_array().size(), 4u);

  // Another organization does not see it.
  const std::string other = CreateOrg("other");
  const std::string other_key = CreateKey(other, {"read", "write"});
  Response r = Send(V::get, BucketPath("billing"), SlashIdAuth(other_key, other));
  EXPECT_TRUE(IsErrorEnvelope(r, 404));
  buckets =
      ResultOf(Send(V::get, "/organizations/attribute-buckets", SlashIdAuth(other_key, other)));
  ASSERT_TRUE(buckets.is_array());
  EXPECT_EQ(buckets.as_array().size(), 3u);
}

TEST_F(SlashIdAttributesTest, AllAuthHeaderFormsAndTheAdminKeyWork) {
  ExpectWritten(Send(V::patch, BucketPath(kReadWrite),
                     {{"Authorization", "Bearer " + key_}, {"SlashID-OrgID", org_}},
                     R"({"via":"bearer"})"));
  ExpectWritten(Send(V::patch, BucketPath(kReadWrite),
                     {{"X-Auth-Token", key_}, {"SlashID-OrgID", org_}}, R"({"via2":"token"})"));
  // The operator's key acts for any organization.
  ExpectWritten(Send(V::patch, BucketPath(kReadWrite),
                     {{"SlashID-API-Key", AdminToken()}, {"SlashID-OrgID", org_}},
                     R"({"via3":"admin"})"));
  EXPECT_EQ(Attributes(kReadWrite),
            json::parse(R"({"via":"bearer","via2":"token","via3":"admin"})"));
}

// Every write endpoint accepts both levels and the timeout range; on one node all_regions is
// reached by the local fsync.
TEST_F(SlashIdAttributesTest, ValidConsistencyHeadersOnEveryWrite) {
  const std::vector<Headers> variants = {
      {},
      {{"SlashID-Required-Consistency", "local_region"}},
      {{"SlashID-Required-Consistency", "all_regions"}},
      {{"SlashID-Required-Consistency", "all_regions"},
       {"SlashID-Required-Consistency-Timeout", "1"}},
      {{"SlashID-Required-Consistency", "local_region"},
       {"SlashID-Required-Consistency-Timeout", "120"}},
      {{"SlashID-Required-Consistency-Timeout", "30"}},
  };
  int n = 0;
  for (const Headers& h : variants) {
    SCOPED_TRACE(testing::Message() << "variant " << n);
    const std::string name = "v" + std::to_string(n++);
    ExpectWritten(Patch(kReadWrite, "{\"" + name + "\":1}", h));
    ExpectWritten(Many(V::patch, "{\"end_user_read_only\":{\"" + name + "\":2}}", h));
    ExpectWritten(Delete(kReadWrite, "attributes=" + name, h));
    ExpectWritten(Put(kNoAccess, "{\"" + name + "\":3}", h));
    ExpectWritten(Many(V::put, "{\"end_user_no_access\":{\"" + name + "\":4}}", h));
    EXPECT_EQ(Attributes(kNoAccess), json::parse("{\"" + name + "\":4}"));
  }
  ExpectWritten(Delete(kNoAccess, "", {{"SlashID-Required-Consistency", "all_regions"}}));
  EXPECT_EQ(Attributes(kNoAccess), json::object());
}

TEST_F(SlashIdAttributesTest, CommitTokensGrowAndReadsHonourThem) {
  Response first = Patch(kReadWrite, R"({"a":1})");
  ExpectWritten(first);
  const std::string token = first.Header("Meridian-Commit-Token");
  Response second = Many(V::patch, R"({"end_user_read_write":{"b":2}})");
  ExpectWritten(second);
  const std::string token2 = second.Header("Meridian-Commit-Token");
  EXPECT_GT(SeqOf(token2), SeqOf(token));
  EXPECT_EQ(OriginOf(token2), OriginOf(token));
  Response third = Delete(kReadWrite, "attributes=a");
  ExpectWritten(third);
  EXPECT_GT(SeqOf(third.Header("Meridian-Commit-Token")), SeqOf(token2));

  // A read sending an applied token answers at once with the data.
  Response r = Get(kReadWrite, "", {{"Meridian-Min-Commit-Token", token2}});
  EXPECT_EQ(ResultOf(r), json::parse(R"({"b":2})"));
  r = Send(V::get, std::string(kAllBuckets), Auth({{"Meridian-Min-Commit-Token", token}}));
  EXPECT_EQ(r.status, 200) << r.body;
  // Several origins, all applied.
  r = Get(kReadWrite, "", {{"Meridian-Min-Commit-Token", token + "," + token2}});
  EXPECT_EQ(r.status, 200) << r.body;

  // A token this node has not applied yet: 408 after the timeout header's seconds.
  const std::string future = OriginOf(token) + ":" + std::to_string(SeqOf(token2) + 100000);
  r = Get(kReadWrite, "",
          {{"Meridian-Min-Commit-Token", future}, {"SlashID-Required-Consistency-Timeout", "1"}});
  EXPECT_TRUE(IsErrorEnvelope(r, 408));
  r = Send(V::get, std::string(kAllBuckets),
           Auth({{"Meridian-Min-Commit-Token", "no-such-node:1"},
                 {"SlashID-Required-Consistency-Timeout", "1"}}));
  EXPECT_TRUE(IsErrorEnvelope(r, 408));

  // Malformed tokens: 400.
  for (const std::string& bad :
       std::vector<std::string>{"", "abc", "n1:", ":5", "n1:x", "n1:-1", "n1:1x"}) {
    SCOPED_TRACE("token '" + bad + "'");
    r = Get(kReadWrite, "", {{"Meridian-Min-Commit-Token", bad}});
    EXPECT_TRUE(IsErrorEnvelope(r, 400));
  }
  // The wait's timeout header is validated too.
  r = Get(kReadWrite, "",
          {{"Meridian-Min-Commit-Token", token}, {"SlashID-Required-Consistency-Timeout", "0"}});
  EXPECT_TRUE(IsErrorEnvelope(r, 400));
  // Every read honours the token, the bucket list included.
  r = Send(V::get, "/organizations/attribute-buckets",
           Auth({{"Meridian-Min-Commit-Token", token2}}));
  EXPECT_EQ(r.status, 200) << r.body;
  r = Send(
      V::get, "/organizations/attribute-buckets",
      Auth({{"Meridian-Min-Commit-Token", future}, {"SlashID-Required-Consistency-Timeout", "1"}}));
  EXPECT_TRUE(IsErrorEnvelope(r, 408));
  r = Send(V::get, "/organizations/attribute-buckets",
           Auth({{"Meridian-Min-Commit-Token", "abc"}}));
  EXPECT_TRUE(IsErrorEnvelope(r, 400));
  // The caller is checked before the wait: no key, a foreign organization or a missing scope
  // is refused at once, whatever the token.
  const std::string other = CreateOrg("other");
  const std::string write_only = CreateKey(org_, {"write"});
  for (const std::string& target : {BucketPath(kReadWrite), std::string(kAllBuckets),
                                    std::string("/organizations/attribute-buckets")}) {
    SCOPED_TRACE(target);
    const Headers wait = {{"Meridian-Min-Commit-Token", future},
                          {"SlashID-Required-Consistency-Timeout", "120"}};
    Headers no_key = {{"SlashID-OrgID", org_}};
    no_key.insert(no_key.end(), wait.begin(), wait.end());
    EXPECT_TRUE(IsErrorEnvelope(Send(V::get, target, no_key), 401));
    EXPECT_TRUE(IsErrorEnvelope(Send(V::get, target, SlashIdAuth(key_, other, wait)), 403));
    EXPECT_TRUE(IsErrorEnvelope(Send(V::get, target, SlashIdAuth(write_only, org_, wait)), 403));
    no_key.back().second = "0";
    no_key[1].second = "malformed";
    EXPECT_TRUE(IsErrorEnvelope(Send(V::get, target, no_key), 401));
  }
  // Admin writes carry tokens too.
  Response org =
      Client().Request(V::post, "/admin/v1/organizations", AdminAuth(), R"({"name":"tokened"})");
  EXPECT_EQ(org.status, 201);
  EXPECT_GT(SeqOf(org.Header("Meridian-Commit-Token")), SeqOf(token2));
}

TEST_F(SlashIdAttributesTest, EveryAnswerCarriesRequestIdAndDate) {
  std::vector<Response> answers = {
      Patch(kReadWrite, R"({"a":1})"),
      Get(kReadWrite),
      Get("no-such-bucket"),
      Patch(kReadWrite, "not json"),
      Send(V::get, BucketPath(kReadWrite), {}),
      Send(V::get, "/organizations/nothing-here", Auth()),
      Send(V::post, BucketPath(kReadWrite), Auth(), "{}"),
      Client().Request(V::get, "/healthz"),
      Client().Request(V::get, "/metrics"),
      Client().Request(V::get, "/admin/v1/organizations", AdminAuth()),
  };
  std::set<std::string> ids;
  for (const Response& r : answers) {
    EXPECT_NE(r.status, 0) << r.error;
    EXPECT_FALSE(r.Header("X-Request-Id").empty()) << r.status << " " << r.body;
    EXPECT_FALSE(r.Header("Date").empty()) << r.status << " " << r.body;
    ids.insert(r.Header("X-Request-Id"));
  }
  EXPECT_EQ(ids.size(), answers.size()) << "request ids repeat";

  // The client's own printable id is echoed, on success and on errors.
  Response r = Get(kReadWrite, "", {{"X-Request-Id", "my-trace-123"}});
  EXPECT_EQ(r.Header("X-Request-Id"), "my-trace-123");
  r = Patch(kReadWrite, "[", {{"X-Request-Id", "my-trace-456"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("X-Request-Id"), "my-trace-456");
  // Too long or not printable: replaced by a fresh id.
  const std::string long_id(129, 'x');
  r = Get(kReadWrite, "", {{"X-Request-Id", long_id}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.Header("X-Request-Id").empty());
  EXPECT_NE(r.Header("X-Request-Id"), long_id);
  r = Get(kReadWrite, "", {{"X-Request-Id", "has space"}});
  EXPECT_NE(r.Header("X-Request-Id"), "has space");
  EXPECT_FALSE(r.Header("X-Request-Id").empty());
  const std::string max_id(128, 'y');
  r = Get(kReadWrite, "", {{"X-Request-Id", max_id}});
  EXPECT_EQ(r.Header("X-Request-Id"), max_id);
}

TEST_F(SlashIdAttributesTest, DataSurvivesARestart) {
  ExpectWritten(Patch(kReadWrite, R"({"a":1,"b":{"c":2}})"));
  ExpectWritten(Put(kReadOnly, R"({"r":true})"));
  ExpectWritten(Delete(kReadWrite, "attributes=a"));
  const json::value before = Snapshot();
  ASSERT_TRUE(node().Restart());
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"b":{"c":2}})"));
}

}  // namespace
}  // namespace meridian::test
