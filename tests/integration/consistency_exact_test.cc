// The consistency contract is exact on every path (issue 9), end to end over three regions of one
// node each, every replication link through the fault proxy (tests/support/cluster.h):
//   - a retried write that changes nothing (SlashID DELETE of a gone attribute, Swift
//     X-Remove-Account-Meta-*, Ocamba DELETE, an unchanged Attio PATCH) still answers 408 while
//     the state it found has not reached all regions, and 2xx once healed;
//   - every 408 of a write carries Meridian-Commit-Token, and a 408 create names what it made;
//   - a write with Meridian-Min-Commit-Token waits for it first (408, nothing written, after);
//   - a stranger with a far-future Meridian-Min-Commit-Token is refused at once in every dialect.
// Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "tests/support/cluster.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using V = http::verb;

constexpr char kBucket[] = "/organizations/attributes/end_user_read_write";
constexpr char kProps[] = "/v1/hood/profile-properties";

Headers With(Headers h, const Headers& more) {
  h.insert(h.end(), more.begin(), more.end());
  return h;
}

Headers AllRegions(int timeout_s = 2) {
  return {{"SlashID-Required-Consistency", "all_regions"},
          {"SlashID-Required-Consistency-Timeout", std::to_string(timeout_s)}};
}

class ConsistencyExactTest : public testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>();
    ASSERT_TRUE(cluster_->Start());
    Response org = Admin(V::post, "/admin/v1/organizations", R"({"name":"exact"})");
    ASSERT_EQ(org.status, 201) << org.body;
    org_ = std::string(org.Json().at("id").as_string());
    Response key = Admin(V::post, "/admin/v1/organizations/" + org_ + "/api-keys",
                         R"({"name":"k","scopes":["read","write","schema"]})");
    ASSERT_EQ(key.status, 201) << key.body;
    key_ = std::string(key.Json().at("key").as_string());
    // The key works everywhere before the test starts cutting.
    ASSERT_TRUE(PollUntil([&] {
      for (int i = 0; i < cluster_->size(); ++i) {
        if (Send(i, V::get, kBucket, SlashId()).status != 200) return false;
      }
      return true;
    })) << cluster_->Diagnostics();
  }

  void TearDown() override {
    if (HasFailure() && cluster_) std::cerr << cluster_->Diagnostics(4000);
  }

  Response Admin(V method, const std::string& target, const std::string& body = "") {
    return cluster_->Client(0).Request(method, target, cluster_->AdminAuth(), body);
  }
  Response Send(int node, V method, const std::string& target, const Headers& h,
                const std::string& body = "") {
    return cluster_->Client(node, 60s).Request(method, target, h, body);
  }
  Headers SlashId() const { return {{"SlashID-API-Key", key_}, {"SlashID-OrgID", org_}}; }
  Headers Bearer() const { return {{"Authorization", "Bearer " + key_}}; }

  // `request` answers 408 with a commit token now (region 3 cut), still 408 when retried, and
  // 2xx (`ok`) once the cut is healed.
  void ExpectNoOpRetryWaits(const std::function<Response()>& request, int ok) {
    Response first = request();
    EXPECT_EQ(first.status, 408) << first.body;
    EXPECT_FALSE(first.Header("Meridian-Commit-Token").empty());
    Response retry = request();
    EXPECT_EQ(retry.status, 408) << "a retry that changes nothing confirmed all_regions: "
                                 << retry.body;
    EXPECT_FALSE(retry.Header("Meridian-Commit-Token").empty());
    ASSERT_TRUE(cluster_->Heal());
    EXPECT_TRUE(PollUntil([&] { return request().status == ok; }, 30s, 200ms));
    ASSERT_TRUE(cluster_->Cut(2));
  }

  std::unique_ptr<Cluster> cluster_;
  std::string org_;
  std::string key_;
};

TEST_F(ConsistencyExactTest, RetriedNoOpWritesWaitForTheStateTheyFound) {
  // State every region holds, then the third region is cut off.
  ASSERT_EQ(Send(0, V::patch, kBucket, With(SlashId(), AllRegions(10)), R"({"a":1,"b":2})").status,
            204);
  Response prop = Send(0, V::post, kProps, With(Bearer(), AllRegions(10)),
                       R"({"label":"L","data_type":"text","export_alias":"alias1"})");
  ASSERT_EQ(prop.status, 201) << prop.body;
  const std::string prop_id = std::string(prop.Json().at("id").as_string());
  const std::string attr = "/v2/objects/people/attributes/exact";
  Response created =
      Send(0, V::post, "/v2/objects/people/attributes", With(Bearer(), AllRegions(10)),
           R"({"data":{"title":"Exact","description":null,"api_slug":"exact",
                              "type":"text","is_required":false,"is_unique":false,
                              "is_multiselect":false,"config":{}}})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string account = "/v1/AUTH_" + org_;
  ASSERT_EQ(Send(0, V::post, account,
                 With({{"X-Auth-Token", key_}, {"X-Account-Meta-Color", "blue"}}, AllRegions(10)))
                .status,
            204);
  ASSERT_TRUE(cluster_->Cut(2));

  {
    SCOPED_TRACE("SlashID DELETE of an attribute");
    ExpectNoOpRetryWaits(
        [&] {
          return Send(0, V::delete_, std::string(kBucket) + "?attributes=a",
                      With(SlashId(), AllRegions()));
        },
        204);
  }
  {
    SCOPED_TRACE("Swift X-Remove-Account-Meta");
    ExpectNoOpRetryWaits(
        [&] {
          return Send(
              0, V::post, account,
              With({{"X-Auth-Token", key_}, {"X-Remove-Account-Meta-Color", "x"}}, AllRegions()));
        },
        204);
  }
  {
    SCOPED_TRACE("Ocamba DELETE");
    ExpectNoOpRetryWaits(
        [&] {
          return Send(0, V::delete_, std::string(kProps) + "/" + prop_id,
                      With(Bearer(), AllRegions()));
        },
        204);
  }
  {
    SCOPED_TRACE("Attio PATCH that changes nothing the second time");
    ExpectNoOpRetryWaits(
        [&] {
          return Send(0, V::patch, attr, With(Bearer(), AllRegions()),
                      R"({"data":{"title":"Renamed"}})");
        },
        200);
  }
  // local_region is not held up by the cut region, no-op or not.
  Response local = Send(0, V::delete_, std::string(kBucket) + "?attributes=a",
                        With(SlashId(), {{"SlashID-Required-Consistency", "local_region"}}));
  EXPECT_EQ(local.status, 204) << local.body;
}

TEST_F(ConsistencyExactTest, A408CreateCarriesItsTokenAndId) {
  ASSERT_TRUE(cluster_->Cut(2));
  Response prop = Send(0, V::post, kProps, With(Bearer(), AllRegions()),
                       R"({"label":"L","data_type":"text","export_alias":"alias2"})");
  ASSERT_EQ(prop.status, 408) << prop.body;
  EXPECT_FALSE(prop.Header("Meridian-Commit-Token").empty());
  const json::value body = prop.Json();
  ASSERT_TRUE(body.is_object() && body.as_object().contains("id")) << prop.body;
  const std::string id = std::string(body.at("id").as_string());
  EXPECT_EQ(prop.Header("Location"), std::string(kProps) + "/" + id);
  // The write was kept: the property is there under that id.
  EXPECT_EQ(Send(0, V::get, std::string(kProps) + "/" + id, Bearer()).status, 200);

  Response attr = Send(0, V::post, "/v2/objects/people/attributes", With(Bearer(), AllRegions()),
                       R"({"data":{"title":"Cut","description":null,"api_slug":"cut",
                           "type":"text","is_required":false,"is_unique":false,
                           "is_multiselect":false,"config":{}}})");
  ASSERT_EQ(attr.status, 408) << attr.body;
  EXPECT_FALSE(attr.Header("Meridian-Commit-Token").empty());
  const json::value error = attr.Json();
  ASSERT_TRUE(error.is_object() && error.as_object().contains("data")) << attr.body;
  EXPECT_TRUE(error.at("data").at("id").as_object().contains("attribute_id")) << attr.body;
}

TEST_F(ConsistencyExactTest, WritesWaitForTheirMinCommitTokenFirst) {
  ASSERT_TRUE(cluster_->Cut(2));
  Response w = Send(0, V::patch, kBucket, SlashId(), R"({"counter":1})");
  ASSERT_EQ(w.status, 204) << w.body;
  const std::string token = w.Header("Meridian-Commit-Token");
  // The cut region has not applied it: the write waits, then 408 without writing anything.
  Response blocked = Send(2, V::patch, kBucket,
                          With(SlashId(), {{"Meridian-Min-Commit-Token", token},
                                           {"SlashID-Required-Consistency-Timeout", "1"}}),
                          R"({"counter":2})");
  EXPECT_EQ(blocked.status, 408) << blocked.body;
  EXPECT_TRUE(blocked.Header("Meridian-Commit-Token").empty());
  Response read = Send(2, V::get, kBucket, SlashId());
  EXPECT_EQ(read.Json().at("result").as_object().count("counter"), 0u) << read.body;
  ASSERT_TRUE(cluster_->Heal());
  Response later = Send(2, V::patch, kBucket,
                        With(SlashId(), {{"Meridian-Min-Commit-Token", token},
                                         {"SlashID-Required-Consistency-Timeout", "30"}}),
                        R"({"counter":2})");
  EXPECT_EQ(later.status, 204) << later.body;
  // Every dialect's writes honour it.
  const Headers far = {{"Meridian-Min-Commit-Token", "no-such-origin:1"},
                       {"SlashID-Required-Consistency-Timeout", "1"}};
  EXPECT_EQ(Send(0, V::post, "/v1/AUTH_" + org_,
                 With({{"X-Auth-Token", key_}, {"X-Account-Meta-A", "1"}}, far))
                .status,
            408);
  EXPECT_EQ(
      Send(0, V::post, "/management/v1/metadata/k", With(Bearer(), far), R"({"value":"dg=="})")
          .status,
      408);
  EXPECT_EQ(Send(0, V::post, kProps, With(Bearer(), far),
                 R"({"label":"L","data_type":"text","export_alias":"alias3"})")
                .status,
            408);
  EXPECT_EQ(Send(0, V::post, "/v2/objects", With(Bearer(), far),
                 R"({"data":{"api_slug":"deals","singular_noun":"Deal","plural_noun":"Deals"}})")
                .status,
            408);
  EXPECT_EQ(Send(0, V::post, "/admin/v1/organizations", With(cluster_->AdminAuth(), far),
                 R"({"name":"late"})")
                .status,
            408);
}

TEST_F(ConsistencyExactTest, StrangersAreRefusedBeforeAnyTokenWait) {
  const Headers wait = {{"Meridian-Min-Commit-Token", "no-such-origin:99"},
                        {"SlashID-Required-Consistency-Timeout", "120"}};
  struct Case {
    V method;
    std::string target;
    std::string body;
  };
  const std::vector<Case> cases = {
      {V::get, kBucket, ""},
      {V::patch, kBucket, R"({"x":1})"},
      {V::get, "/v1/AUTH_" + org_, ""},
      {V::post, "/v1/AUTH_" + org_, ""},
      {V::get, "/management/v1/metadata/k", ""},
      {V::post, "/management/v1/metadata/_search", "{}"},
      {V::post, "/management/v1/metadata/k", R"({"value":"dg=="})"},
      {V::get, "/v2/objects", ""},
      {V::get, "/v2/objects/people/attributes", ""},
      {V::post, "/v2/objects", "{}"},
      {V::get, kProps, ""},
      {V::post, kProps, "{}"},
      {V::get, "/admin/v1/organizations", ""},
  };
  for (const auto& c : cases) {
    for (const Headers& who :
         {Headers{{"SlashID-OrgID", org_}}, Headers{{"Authorization", "Bearer not-a-key"},
                                                    {"X-Auth-Token", "not-a-key"},
                                                    {"SlashID-OrgID", org_}}}) {
      SCOPED_TRACE(std::string(http::to_string(c.method)) + " " + c.target +
                   (who.size() == 1 ? " without a key" : " with an unknown key"));
      const auto started = Clock::now();
      Response r = Send(0, c.method, c.target, With(who, wait), c.body);
      EXPECT_EQ(r.status, 401) << r.body;
      // Refused at once, not after the 120 s wait (the client gives up after 60 s).
      EXPECT_LT(Clock::now() - started, 60s);
    }
  }
}

}  // namespace
}  // namespace meridian::test
