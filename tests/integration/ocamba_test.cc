// End-to-end tests of the Ocamba profile-property dialect (docs/ocamba.md) and of
// per-key rate limits (docs/configuration.md "Rate limits") against a real meridiand: every
// endpoint and documented status in Ocamba's error body, bad input leaving data unchanged,
// system properties, organization and dialect isolation, consistency headers and commit
// tokens, the default Ocamba limit, and a configured SlashID limit in SlashID's envelope.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using V = http::verb;

const std::string kBase = "/v1/hood/profile-properties";
const char kSeedCreate[] =
    R"({"label":"Region name","data_type":"text","example":"western_europe",)"
    R"("description":"Region of the profile.","export_alias":"region","pi_data":0,)"
    R"("importable":1,"exportable":1})";
const char kSeedPatch[] =
    R"({"example":"northern_europe","description":"Custom region information associated with )"
    R"(the profile.","export_alias":"region_name"})";

Headers With(Headers h, std::string name, std::string value) {
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

// Expects Ocamba's error body {code, title, message, trace_id} with `status`.
testing::AssertionResult IsOcambaError(const Response& r, int status) {
  if (r.status != status) {
    return testing::AssertionFailure()
           << "status " << r.status << " != " << status << ": " << r.body;
  }
  json::value v = r.Json();
  if (!v.is_object()) return testing::AssertionFailure() << "not JSON: " << r.body;
  const json::object& o = v.as_object();
  if (!o.contains("code") || o.at("code") != status) {
    return testing::AssertionFailure() << "code: " << r.body;
  }
  if (!o.contains("title") || !o.at("title").is_string() || o.at("title").as_string().empty()) {
    return testing::AssertionFailure() << "title: " << r.body;
  }
  if (!o.contains("trace_id") || o.at("trace_id") != json::value(r.Header("x-request-id"))) {
    return testing::AssertionFailure() << "trace_id: " << r.body;
  }
  if (status != 500 && (!o.contains("message") || o.at("message").as_string().empty())) {
    return testing::AssertionFailure() << "message: " << r.body;
  }
  return testing::AssertionSuccess();
}

class OcambaTest : public NodeTest {
 protected:
  // A second node whose config file holds `config_json` (rate limits, cluster); with an
  // organization and a read+write key on it.
  void StartConfigured(const std::string& config_json, const std::vector<std::string>& more = {}) {
    const std::string path = dir_ + "/ocamba-config-" + std::to_string(configs_++) + ".json";
    std::ofstream(path) << config_json;
    std::vector<std::string> flags = {"--config", path};
    flags.insert(flags.end(), more.begin(), more.end());
    addr_ = StartNode(flags);
    ASSERT_FALSE(addr_.empty());
    client_.emplace(addr_);
    org_ = MakeOrg("acme");
    key_ = MakeKey(org_, R"(["read","write"])");
  }
  // The functional tests' node: Ocamba limits off, so no test depends on speed.
  void StartUnlimited() {
    StartConfigured(R"({"rate_limits":{"ocamba":{"burst_per_second":0,"per_minute":0}}})");
  }

  Response Send(V method, const std::string& target, const Headers& h = {},
                const std::string& body = "") {
    return client_->Request(method, target, h, body);
  }
  std::string MakeOrg(const std::string& name) {
    Response r = Send(V::post, "/admin/v1/organizations", AdminAuth(),
                      json::serialize(json::object{{"name", name}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : "";
  }
  std::string MakeKey(const std::string& org, const std::string& scopes) {
    Response r = Send(V::post, "/admin/v1/organizations/" + org + "/api-keys", AdminAuth(),
                      R"({"name":"k","scopes":)" + scopes + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("key").as_string()) : "";
  }
  Headers Auth() const { return BearerAuth(key_); }
  std::string List() { return Send(V::get, kBase, Auth()).body; }
  std::string Create(const std::string& body = kSeedCreate) {
    Response r = Send(V::post, kBase, Auth(), body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : "";
  }

  std::string addr_, org_, key_;
  std::optional<HttpClient> client_;
  int configs_ = 0;
};

TEST_F(OcambaTest, CreateGetListPatchDeleteRoundTrip) {
  StartUnlimited();
  Response list = Send(V::get, kBase, Auth());
  ASSERT_EQ(list.status, 200) << list.body;
  const size_t system_count = list.Json().at("items").as_array().size();
  EXPECT_EQ(list.Json().at("total").to_number<size_t>(), system_count);
  EXPECT_GT(system_count, 0u);
  EXPECT_FALSE(list.HasHeader("x-ratelimit-limit"));  // the limit is off on this node

  Response created = Send(V::post, kBase, Auth(), kSeedCreate);
  ASSERT_EQ(created.status, 201) << created.body;
  const json::object prop = created.Json().as_object();
  const std::string id(prop.at("id").as_string());
  EXPECT_EQ(prop.at("target"), "region_name");
  EXPECT_EQ(prop.at("label"), "Region name");
  EXPECT_EQ(prop.at("system"), 0);
  EXPECT_EQ(prop.at("create_time").as_string().size(), 19u);  // YYYY-MM-DD HH:MM:SS
  const std::string token = created.Header("meridian-commit-token");
  ASSERT_FALSE(token.empty());

  Response got = Send(V::get, kBase + "/" + id, With(Auth(), "Meridian-Min-Commit-Token", token));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json(), json::value(prop));
  EXPECT_EQ(Send(V::get, kBase, Auth()).Json().at("total").to_number<size_t>(), system_count + 1);

  Response patched = Send(V::patch, kBase + "/" + id, Auth(), kSeedPatch);
  EXPECT_EQ(patched.status, 204) << patched.body;
  EXPECT_EQ(patched.Header("content-type"), "application/json");
  EXPECT_TRUE(patched.body.empty());
  const std::string patch_token = patched.Header("meridian-commit-token");
  ASSERT_FALSE(patch_token.empty());
  json::value after =
      Send(V::get, kBase + "/" + id, With(Auth(), "Meridian-Min-Commit-Token", patch_token)).Json();
  EXPECT_EQ(after.at("example"), "northern_europe");
  EXPECT_EQ(after.at("export_alias"), "region_name");
  EXPECT_EQ(after.at("label"), "Region name");  // not sent: unchanged
  EXPECT_EQ(after.at("create_time"), prop.at("create_time"));

  Response q = Send(V::get, kBase + "?q=REGION&system=0&page=1,10", Auth());
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.Json().at("total"), 1);
  EXPECT_EQ(q.Json().at("items").at(0).at("id"), json::value(id));

  Response deleted = Send(V::delete_, kBase + "/" + id, Auth());
  EXPECT_EQ(deleted.status, 204);
  EXPECT_FALSE(deleted.Header("meridian-commit-token").empty());
  EXPECT_TRUE(IsOcambaError(Send(V::get, kBase + "/" + id, Auth()), 404));
  EXPECT_EQ(Send(V::delete_, kBase + "/" + id, Auth()).status, 204);  // idempotent
  EXPECT_TRUE(IsOcambaError(Send(V::patch, kBase + "/" + id, Auth(), kSeedPatch), 404));
  EXPECT_EQ(Send(V::get, kBase, Auth()).Json().at("total").to_number<size_t>(), system_count);
}

TEST_F(OcambaTest, SystemPropertiesExistEverywhereAndCannotChange) {
  StartUnlimited();
  const std::string before = List();
  json::value email = Send(V::get, kBase + "/1", Auth()).Json();
  EXPECT_EQ(email.at("system"), 1);
  EXPECT_EQ(email.at("target"), "email");
  Response patch = Send(V::patch, kBase + "/1", Auth(), kSeedPatch);
  EXPECT_TRUE(IsOcambaError(patch, 400));
  EXPECT_EQ(patch.Json().at("message"), "System properties are not updatable.");
  EXPECT_TRUE(IsOcambaError(Send(V::delete_, kBase + "/1", Auth()), 400));
  EXPECT_TRUE(
      IsOcambaError(Send(V::post, kBase, Auth(), R"({"label":"E","target":"email"})"), 409));
  EXPECT_EQ(List(), before);
  // Another organization has them too.
  const std::string other_org = MakeOrg("other");
  Response other = Send(V::get, kBase + "/1", BearerAuth(MakeKey(other_org, R"(["read"])")));
  EXPECT_EQ(other.status, 200) << other.body;
}

TEST_F(OcambaTest, BadInputIsRefusedAndChangesNothing) {
  StartUnlimited();
  const std::string id = Create();
  ASSERT_FALSE(id.empty());
  const std::string one = kBase + "/" + id;
  const std::string before = List();
  struct Case {
    V method;
    std::string target;
    std::string body;
    int status;
    Headers extra;
  };
  const std::vector<Case> cases = {
      {V::post, kBase, "{not json", 400, {}},
      {V::post, kBase, "", 400, {}},
      {V::post, kBase, "[1,2]", 400, {}},
      {V::post, kBase, R"({"data_type":"text"})", 400, {}},
      {V::post, kBase, R"({"label":"x","data_type":"colour"})", 400, {}},
      {V::post, kBase, R"({"label":"x","pi_data":7})", 400, {}},
      {V::post, kBase, R"({"label":"x","id":"5"})", 400, {}},
      {V::post, kBase, R"({"label":"x","nope":1})", 400, {}},
      {V::post, kBase, R"({"label":"x","target":"Not Valid"})", 400, {}},
      {V::post, kBase, kSeedCreate, 409, {}},  // the same target again
      {V::post, kBase, R"({"label":"x"})", 400, {{"SlashID-Required-Consistency", "everywhere"}}},
      {V::patch, one, "{}", 400, {}},
      {V::patch, one, "nope", 400, {}},
      {V::patch, one, R"({"target":"other"})", 400, {}},
      {V::patch, one, R"({"data_type":"number"})", 400, {}},
      {V::patch, one, R"({"example":5})", 400, {}},
      {V::patch, one, R"({"exportable":"yes"})", 400, {}},
      {V::patch, one, R"({"example":"x"})", 400, {{"SlashID-Required-Consistency-Timeout", "0"}}},
      {V::patch, kBase + "/abc", R"({"example":"x"})", 400, {}},
      {V::patch, kBase + "/99999", R"({"example":"x"})", 404, {}},
      {V::delete_, kBase + "/abc", "", 400, {}},
      {V::delete_, one, "", 400, {{"SlashID-Required-Consistency-Timeout", "121"}}},
      {V::get, kBase + "/abc", "", 400, {}},
      {V::get, kBase + "/12345", "", 404, {}},
      {V::get, kBase + "?page=0,5", "", 400, {}},
      {V::get, kBase + "?system=yes", "", 400, {}},
      {V::get, kBase, "", 400, {{"Meridian-Min-Commit-Token", "garbage"}}},
      {V::get, "/v1/hood/nothing", "", 404, {}},
      {V::put, one, R"({"example":"x"})", 405, {}},
  };
  for (const Case& c : cases) {
    Headers h = Auth();
    h.insert(h.end(), c.extra.begin(), c.extra.end());
    Response r = Send(c.method, c.target, h, c.body);
    EXPECT_TRUE(IsOcambaError(r, c.status) ||
                (c.status == 405 && IsOcambaError(r, 404)))  // the router may say either
        << http::to_string(c.method) << " " << c.target << " " << c.body;
    EXPECT_EQ(List(), before) << c.target << " " << c.body;
  }
  Response big = Send(V::post, kBase, Auth(),
                      R"({"label":"big","description":")" + std::string(5 << 20, 'd') + "\"}");
  EXPECT_TRUE(big.status == 413 || big.status == 400) << big.status;
  EXPECT_EQ(List(), before);
}

TEST_F(OcambaTest, AuthOrganizationsAndDialectsAreSeparate) {
  StartUnlimited();
  const std::string id = Create();
  const std::string before = List();
  EXPECT_TRUE(IsOcambaError(Send(V::get, kBase), 401));
  EXPECT_TRUE(IsOcambaError(Send(V::post, kBase, BearerAuth("nope"), kSeedCreate), 401));
  const std::string reader = MakeKey(org_, R"(["read"])");
  EXPECT_EQ(Send(V::get, kBase, BearerAuth(reader)).status, 200);
  EXPECT_TRUE(IsOcambaError(Send(V::post, kBase, BearerAuth(reader), R"({"label":"r"})"), 403));
  EXPECT_TRUE(IsOcambaError(Send(V::delete_, kBase + "/" + id, BearerAuth(reader)), 403));

  const std::string other_org = MakeOrg("other");
  const std::string other_key = MakeKey(other_org, R"(["read","write"])");
  EXPECT_TRUE(IsOcambaError(Send(V::get, kBase + "/" + id, BearerAuth(other_key)), 404));
  EXPECT_TRUE(
      IsOcambaError(Send(V::get, kBase, With(BearerAuth(other_key), "SlashID-OrgID", org_)), 403));
  EXPECT_EQ(Send(V::delete_, kBase + "/" + id, BearerAuth(other_key)).status, 204);  // no-op there
  // The operator key names the organization; without one it is refused.
  EXPECT_TRUE(IsOcambaError(Send(V::get, kBase, AdminAuth()), 400));
  EXPECT_EQ(Send(V::get, kBase, With(AdminAuth(), "SlashID-OrgID", org_)).body, before);
  EXPECT_EQ(List(), before);
  // Nothing of it shows through the SlashID dialect.
  Response slashid = Send(V::get, "/organizations/attributes", With(Auth(), "SlashID-OrgID", org_));
  ASSERT_EQ(slashid.status, 200) << slashid.body;
  EXPECT_EQ(slashid.body.find("region"), std::string::npos) << slashid.body;
}

TEST_F(OcambaTest, ConsistencyLevelNotReachedIs408AndTheWriteIsKept) {
  StartConfigured(R"({"cluster_secret":"s","admin_token":"unused",
      "rate_limits":{"ocamba":{"burst_per_second":0,"per_minute":0}},"nodes":[
      {"id":"n1","region":"a","api":"127.0.0.1:0","replication":"127.0.0.1:0"},
      {"id":"n2","region":"b","api":"127.0.0.1:1","replication":"127.0.0.1:1"}]})",
                  {"--node-id", "n1"});
  const Headers all = With(With(Auth(), "SlashID-Required-Consistency", "all_regions"),
                           "SlashID-Required-Consistency-Timeout", "1");
  EXPECT_TRUE(IsOcambaError(Send(V::post, kBase, all, kSeedCreate), 408));
  Response list = Send(V::get, kBase + "?q=region_name", Auth());
  ASSERT_EQ(list.Json().at("total"), 1) << list.body;  // kept
  const std::string id(list.Json().at("items").at(0).at("id").as_string());
  EXPECT_TRUE(IsOcambaError(Send(V::patch, kBase + "/" + id, all, kSeedPatch), 408));
  EXPECT_EQ(Send(V::get, kBase + "/" + id, Auth()).Json().at("export_alias"), "region_name");
  EXPECT_TRUE(IsOcambaError(Send(V::delete_, kBase + "/" + id, all), 408));
  EXPECT_TRUE(IsOcambaError(Send(V::get, kBase + "/" + id, Auth()), 404));
  // A read waiting for a write this node never saw: 408 too.
  const Headers ahead = With(With(Auth(), "Meridian-Min-Commit-Token", "n9:99"),
                             "SlashID-Required-Consistency-Timeout", "1");
  EXPECT_TRUE(IsOcambaError(Send(V::get, kBase, ahead), 408));
}

// The fixture's node runs the defaults: Ocamba limited to 10/s and 150/min per key.
TEST_F(OcambaTest, DefaultLimitRefusesTheEleventhQuickRequestOfAKeyOnly) {
  const std::string org = CreateOrg("limited");
  const std::string key = CreateKey(org, {"read", "write"});
  const std::string other = CreateKey(org, {"read"});
  HttpClient& c = Client();
  Response first = c.Request(V::get, kBase, BearerAuth(key));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("x-ratelimit-limit"), "10");
  EXPECT_EQ(first.Header("x-ratelimit-remaining"), "9");
  EXPECT_FALSE(first.Header("x-ratelimit-reset").empty());
  // Ten requests fit the burst; the bucket refills one per 100 ms, so keep asking (bounded)
  // until a refusal, which the eleventh request gives on any machine that is not very slow.
  std::optional<Response> refused;
  for (int i = 1; i < 60 && !refused; ++i) {
    Response r = c.Request(V::get, kBase, BearerAuth(key));
    if (r.status == 429) {
      refused = r;
    } else {
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }
  ASSERT_TRUE(refused);
  EXPECT_TRUE(IsOcambaError(*refused, 429));
  EXPECT_EQ(refused->Json().at("title"), "Too many requests.");
  EXPECT_GE(std::stoi(refused->Header("retry-after")), 1);
  EXPECT_EQ(refused->Header("x-ratelimit-remaining"), "0");
  EXPECT_FALSE(refused->Header("x-ratelimit-limit").empty());
  EXPECT_FALSE(refused->Header("x-ratelimit-reset").empty());
  // A refused write changes nothing; another key of the same organization is not affected.
  Response write = c.Request(V::post, kBase, BearerAuth(key), R"({"label":"never"})");
  Response other_list = c.Request(V::get, kBase + "?q=never", BearerAuth(other));
  EXPECT_EQ(other_list.status, 200) << other_list.body;
  EXPECT_EQ(other_list.Header("x-ratelimit-limit"), "10");
  if (write.status == 429) {
    EXPECT_EQ(other_list.Json().at("total"), 0);
  }
  // SlashID routes are not limited by default.
  Response slashid =
      c.Request(V::get, "/organizations/attributes", With(BearerAuth(key), "SlashID-OrgID", org));
  EXPECT_EQ(slashid.status, 200);
  EXPECT_FALSE(slashid.HasHeader("x-ratelimit-limit"));
}

TEST_F(OcambaTest, ConfiguredSlashIdLimitAnswersInSlashIdsEnvelope) {
  StartConfigured(R"({"rate_limits":{"slashid":{"burst_per_second":2,"per_minute":0}}})");
  const Headers h = With(Auth(), "SlashID-OrgID", org_);
  const std::string target = "/organizations/attributes/end_user_read_write";
  Response first = Send(V::get, target, h);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("x-ratelimit-limit"), "2");
  std::optional<Response> refused;
  for (int i = 0; i < 60 && !refused; ++i) {
    Response r = Send(V::get, target, h);
    if (r.status == 429) refused = r;
  }
  ASSERT_TRUE(refused);
  EXPECT_TRUE(IsErrorEnvelope(*refused, 429)) << refused->body;
  EXPECT_GE(std::stoi(refused->Header("retry-after")), 1);
  EXPECT_EQ(refused->Header("x-ratelimit-remaining"), "0");
  // The Ocamba group keeps its default on this node (absent from the file).
  EXPECT_EQ(Send(V::get, kBase, Auth()).Header("x-ratelimit-limit"), "10");
}

}  // namespace
}  // namespace meridian::test
