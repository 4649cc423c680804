// End-to-end tests of the operator API (docs/http-api.md, Operator API) against a real
// meridiand: organizations and API keys (create, list, get, delete), validation, who may do
// what (operator key, an organization's admin-scoped key, other keys), cross-organization
// denial, deleted keys, and /healthz, /readyz, /metrics, /cluster/v1/status.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "tests/support/bucket_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using V = http::verb;

const std::string kOrgs = "/admin/v1/organizations";

bool LooksLikeUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The value of a metric line "name{labels} value" (or "name value"); -1 when absent.
long long Metric(const std::string& text, const std::string& name_and_labels) {
  size_t at = 0;
  for (int i = 0; i < 10000; ++i) {
    at = text.find(name_and_labels + " ", at);
    if (at == std::string::npos) return -1;
    if (at == 0 || text[at - 1] == '\n') {
      return std::stoll(text.substr(at + name_and_labels.size() + 1));
    }
    at += name_and_labels.size();
  }
  return -1;
}

class AdminTest : public NodeTest {
 protected:
  Response Admin(V method, const std::string& target, std::string_view body = {}) {
    return Client().Request(method, target, AdminAuth(), body);
  }
  Response As(const std::string& key, V method, const std::string& target,
              std::string_view body = {}) {
    return Client().Request(method, target, BearerAuth(key), body);
  }
  std::string Keys(const std::string& org) { return kOrgs + "/" + org + "/api-keys"; }
  // Ids of the organization's keys as listed by the operator.
  std::set<std::string> KeyIds(const std::string& org) {
    Response r = Admin(V::get, Keys(org));
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> ids;
    const json::value v = r.Json();
    if (!v.is_object() || !v.as_object().contains("result")) return ids;
    for (const auto& k : v.at("result").as_array()) ids.emplace(k.at("id").as_string());
    return ids;
  }
  std::set<std::string> OrgIds() {
    Response r = Admin(V::get, kOrgs);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> ids;
    const json::value v = r.Json();
    if (!v.is_object() || !v.as_object().contains("result")) return ids;
    for (const auto& o : v.at("result").as_array()) ids.emplace(o.at("id").as_string());
    return ids;
  }
};

TEST_F(AdminTest, OrganizationsCreateListGetDelete) {
  EXPECT_TRUE(OrgIds().empty());
  Response created = Admin(V::post, kOrgs, R"({"name":"acme"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(created.Header("Meridian-Commit-Token").empty());
  const json::value org = created.Json();
  ASSERT_TRUE(org.is_object()) << created.body;
  const std::string id(org.at("id").as_string());
  EXPECT_TRUE(LooksLikeUuid(id)) << id;
  EXPECT_EQ(org.at("name"), "acme");
  EXPECT_TRUE(org.at("created_at").is_string());
  const std::string second = CreateOrg("beta");
  EXPECT_NE(second, id);
  // Names need not be unique; ids are.
  const std::string third = CreateOrg("acme");
  EXPECT_EQ(OrgIds(), (std::set<std::string>{id, second, third}));

  Response got = Admin(V::get, kOrgs + "/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json(), org);

  Response del = Admin(V::delete_, kOrgs + "/" + id);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::get, kOrgs + "/" + id), 404));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::delete_, kOrgs + "/" + id), 404));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::get, kOrgs + "/no-such-org"), 404));
  EXPECT_EQ(OrgIds(), (std::set<std::string>{second, third}));
  // Survives a restart.
  ASSERT_TRUE(node().Restart());
  EXPECT_EQ(OrgIds(), (std::set<std::string>{second, third}));
}

TEST_F(AdminTest, OrganizationValidation) {
  const std::string too_long(201, 'n');
  for (const std::string& body : std::vector<std::string>{
           "", "{", "[]", "\"acme\"", "{}", R"({"name":""})", R"({"name":5})", R"({"name":null})",
           R"({"name":["a"]})", "{\"name\":\"" + too_long + "\"}"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(IsErrorEnvelope(Admin(V::post, kOrgs, body), 400));
  }
  // 200 bytes is allowed.
  EXPECT_EQ(Admin(V::post, kOrgs, "{\"name\":\"" + std::string(200, 'n') + "\"}").status, 201);
  // Consistency headers are validated on admin writes too.
  Response r = Client().Request(
      V::post, kOrgs,
      [&] {
        Headers h = AdminAuth();
        h.emplace_back("SlashID-Required-Consistency", "everywhere");
        return h;
      }(),
      R"({"name":"x"})");
  EXPECT_TRUE(IsErrorEnvelope(r, 400));
  EXPECT_EQ(OrgIds().size(), 1u);
  // Unknown admin paths and methods answer in the envelope.
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::get, "/admin/v1/nothing"), 404));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::put, kOrgs, "{}"), 405));
}

TEST_F(AdminTest, ApiKeysCreateListDelete) {
  const std::string org = CreateOrg("acme");
  Response created = Admin(V::post, Keys(org), R"({"name":"ci","scopes":["write","read","read"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value key = created.Json();
  ASSERT_TRUE(key.is_object());
  const std::string key_id(key.at("id").as_string());
  const std::string secret(key.at("key").as_string());
  EXPECT_TRUE(LooksLikeUuid(key_id));
  EXPECT_GE(secret.size(), 20u);
  EXPECT_EQ(key.at("name"), "ci");
  EXPECT_EQ(key.at("organization_id"), json::value(org));
  EXPECT_EQ(key.at("scopes"), json::parse(R"(["read","write"])"));

  // Listing shows no secret (nor its hash).
  Response list = Admin(V::get, Keys(org));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(secret), std::string::npos) << list.body;
  const json::value listed = list.Json();
  ASSERT_TRUE(listed.is_object()) << list.body;
  const json::array& keys = listed.at("result").as_array();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].at("id"), json::value(key_id));
  EXPECT_FALSE(keys[0].as_object().contains("key"));
  EXPECT_FALSE(keys[0].as_object().contains("hash"));
  EXPECT_TRUE(keys[0].at("created_at").is_string());

  // The key works, with its organization.
  const Headers slashid = SlashIdAuth(secret, org);
  EXPECT_EQ(Client().Request(V::patch, BucketPath(kReadWrite), slashid, R"({"a":1})").status, 204);
  EXPECT_EQ(Client().Request(V::get, BucketPath(kReadWrite), slashid).status, 200);

  // Deleted: it stops working at once, and is gone from the list.
  Response del = Admin(V::delete_, Keys(org) + "/" + key_id);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, BucketPath(kReadWrite), slashid), 401));
  EXPECT_TRUE(IsErrorEnvelope(
      Client().Request(V::patch, BucketPath(kReadWrite), slashid, R"({"a":2})"), 401));
  EXPECT_TRUE(KeyIds(org).empty());
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::delete_, Keys(org) + "/" + key_id), 404));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::delete_, Keys(org) + "/no-such-key"), 404));
  // Still refused after a restart; the data written with it stays.
  ASSERT_TRUE(node().Restart());
  EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, BucketPath(kReadWrite), slashid), 401));
  Response data =
      Client().Request(V::get, BucketPath(kReadWrite),
                       {{"Authorization", "Bearer " + AdminToken()}, {"SlashID-OrgID", org}});
  EXPECT_EQ(data.Json(), json::parse(R"({"result":{"a":1}})")) << data.body;
}

TEST_F(AdminTest, ApiKeyValidation) {
  const std::string org = CreateOrg("acme");
  for (const std::string& body : std::vector<std::string>{
           "", "{", "[]", "{}", R"({"name":"k"})", R"({"name":"k","scopes":[]})",
           R"({"name":"k","scopes":"read"})", R"({"name":"k","scopes":["root"]})",
           R"({"name":"k","scopes":["read","Write"]})", R"({"name":"k","scopes":[1]})",
           R"({"scopes":["read"]})", R"({"name":"","scopes":["read"]})",
           R"({"name":7,"scopes":["read"]})"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(IsErrorEnvelope(Admin(V::post, Keys(org), body), 400));
  }
  EXPECT_TRUE(KeyIds(org).empty());
  // An unknown organization: 404.
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::post, Keys("00000000-0000-4000-8000-000000000000"),
                                    R"({"name":"k","scopes":["read"]})"),
                              404));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::get, Keys("00000000-0000-4000-8000-000000000000")), 404));
  // A key id of another organization cannot be deleted through this one.
  const std::string other = CreateOrg("other");
  CreatedKey theirs = CreateApiKey(other, {"read"});
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::delete_, Keys(org) + "/" + theirs.id), 404));
  EXPECT_EQ(KeyIds(other), std::set<std::string>{theirs.id});
}

TEST_F(AdminTest, WhoMayDoWhat) {
  const std::string org = CreateOrg("acme");
  const std::string other = CreateOrg("other");
  const std::string org_admin = CreateKey(org, {"admin"});
  const std::string org_rw = CreateKey(org, {"read", "write", "schema"});
  const std::string other_admin = CreateKey(other, {"admin"});

  // No key or an unknown key: 401 everywhere.
  const std::string buckets = kOrgs + "/" + org + "/attribute-buckets";
  for (const Headers& h :
       std::vector<Headers>{{}, BearerAuth("wrong"), BearerAuth(org_admin + "x")}) {
    for (const std::string& target : {kOrgs, kOrgs + "/" + org, Keys(org)}) {
      SCOPED_TRACE(target);
      EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, target, h), 401));
    }
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::post, kOrgs, h, R"({"name":"x"})"), 401));
    EXPECT_TRUE(IsErrorEnvelope(
        Client().Request(V::post, Keys(org), h, R"({"name":"x","scopes":["read"]})"), 401));
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::post, buckets, h, R"({"name":"x"})"), 401));
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::delete_, kOrgs + "/" + org, h), 401));
  }

  // Only the operator creates, lists and deletes organizations.
  for (const std::string& key : {org_admin, org_rw}) {
    EXPECT_TRUE(IsErrorEnvelope(As(key, V::post, kOrgs, R"({"name":"x"})"), 403));
    EXPECT_TRUE(IsErrorEnvelope(As(key, V::get, kOrgs), 403));
    EXPECT_TRUE(IsErrorEnvelope(As(key, V::delete_, kOrgs + "/" + org), 403));
  }
  // An organization's admin key manages its own keys and buckets, and reads its organization.
  EXPECT_EQ(As(org_admin, V::get, kOrgs + "/" + org).status, 200);
  Response made = As(org_admin, V::post, Keys(org), R"({"name":"made","scopes":["read"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string made_id(made.Json().at("id").as_string());
  EXPECT_EQ(As(org_admin, V::get, Keys(org)).status, 200);
  EXPECT_EQ(
      As(org_admin, V::post, kOrgs + "/" + org + "/attribute-buckets", R"({"name":"b1"})").status,
      201);
  EXPECT_EQ(As(org_admin, V::delete_, Keys(org) + "/" + made_id).status, 204);
  // ... but not another organization's (403), and an admin key is no data key.
  EXPECT_TRUE(IsErrorEnvelope(As(org_admin, V::get, kOrgs + "/" + other), 403));
  EXPECT_TRUE(IsErrorEnvelope(As(org_admin, V::get, Keys(other)), 403));
  EXPECT_TRUE(IsErrorEnvelope(
      As(org_admin, V::post, Keys(other), R"({"name":"evil","scopes":["read","write"]})"), 403));
  EXPECT_TRUE(IsErrorEnvelope(
      As(org_admin, V::post, kOrgs + "/" + other + "/attribute-buckets", R"({"name":"b2"})"), 403));
  const std::set<std::string> other_keys = KeyIds(other);
  ASSERT_EQ(other_keys.size(), 1u);
  EXPECT_TRUE(
      IsErrorEnvelope(As(org_admin, V::delete_, Keys(other) + "/" + *other_keys.begin()), 403));
  EXPECT_TRUE(IsErrorEnvelope(As(other_admin, V::delete_, Keys(org) + "/" + made_id), 403));
  EXPECT_TRUE(IsErrorEnvelope(
      Client().Request(V::get, BucketPath(kReadWrite), SlashIdAuth(org_admin, org)), 403));
  // Keys without the admin scope manage nothing.
  EXPECT_TRUE(IsErrorEnvelope(As(org_rw, V::get, Keys(org)), 403));
  EXPECT_TRUE(
      IsErrorEnvelope(As(org_rw, V::post, Keys(org), R"({"name":"x","scopes":["admin"]})"), 403));
  EXPECT_TRUE(IsErrorEnvelope(As(org_rw, V::get, kOrgs + "/" + org), 403));
  EXPECT_TRUE(IsErrorEnvelope(
      As(org_rw, V::post, kOrgs + "/" + org + "/attribute-buckets", R"({"name":"b3"})"), 403));
  EXPECT_EQ(KeyIds(other), other_keys);
  EXPECT_EQ(KeyIds(org).size(), 2u);
}

TEST_F(AdminTest, DeletingAnOrganizationDeletesItsKeysAndData) {
  const std::string org = CreateOrg("doomed");
  const std::string keep = CreateOrg("kept");
  const std::string key = CreateKey(org, {"read", "write"});
  const std::string keep_key = CreateKey(keep, {"read", "write"});
  ASSERT_EQ(CreateBucket(org, "extra"), 201);
  ASSERT_EQ(Client()
                .Request(V::patch, BucketPath(kReadWrite), SlashIdAuth(key, org), R"({"a":1})")
                .status,
            204);
  ASSERT_EQ(
      Client()
          .Request(V::patch, BucketPath(kReadWrite), SlashIdAuth(keep_key, keep), R"({"b":2})")
          .status,
      204);
  ASSERT_EQ(Admin(V::delete_, kOrgs + "/" + org).status, 204);
  EXPECT_TRUE(IsErrorEnvelope(
      Client().Request(V::get, BucketPath(kReadWrite), SlashIdAuth(key, org)), 401));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::get, Keys(org)), 404));
  // The other organization is untouched.
  Response r = Client().Request(V::get, BucketPath(kReadWrite), SlashIdAuth(keep_key, keep));
  EXPECT_EQ(r.Json(), json::parse(R"({"result":{"b":2}})")) << r.body;
  EXPECT_EQ(KeyIds(keep).size(), 1u);
}

TEST_F(AdminTest, BucketCreation) {
  const std::string org = CreateOrg("acme");
  const std::string base = kOrgs + "/" + org + "/attribute-buckets";
  Response r = Admin(V::post, base, R"({"name":"billing-2_x"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json().at("name"), "billing-2_x");
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::post, base, R"({"name":"billing-2_x"})"), 409));
  EXPECT_TRUE(IsErrorEnvelope(Admin(V::post, base, R"({"name":"end_user_read_write"})"), 409));
  for (const std::string& body : std::vector<std::string>{
           "", "{", "{}", R"({"name":""})", R"({"name":"Upper"})", R"({"name":"a b"})",
           R"({"name":"a/b"})", R"({"name":1})", "{\"name\":\"" + std::string(65, 'a') + "\"}"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(IsErrorEnvelope(Admin(V::post, base, body), 400));
  }
  EXPECT_EQ(Admin(V::post, base, "{\"name\":\"" + std::string(64, 'a') + "\"}").status, 201);
  EXPECT_TRUE(IsErrorEnvelope(
      Admin(V::post, kOrgs + "/00000000-0000-4000-8000-000000000000/attribute-buckets",
            R"({"name":"x"})"),
      404));
}

TEST_F(AdminTest, ReadsHonourCommitTokens) {
  Response created = Admin(V::post, kOrgs, R"({"name":"acme"})");
  ASSERT_EQ(created.status, 201);
  const std::string token = created.Header("Meridian-Commit-Token");
  const std::string org(created.Json().at("id").as_string());
  const std::string future = token.substr(0, token.rfind(':')) + ":999999999";
  const std::string org_rw = CreateKey(org, {"read", "write"});
  for (const std::string& target : {kOrgs, kOrgs + "/" + org, Keys(org)}) {
    SCOPED_TRACE(target);
    Headers h = AdminAuth();
    h.emplace_back("Meridian-Min-Commit-Token", token);
    EXPECT_EQ(Client().Request(V::get, target, h).status, 200);
    h.back().second = future;
    h.emplace_back("SlashID-Required-Consistency-Timeout", "1");
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, target, h), 408));
    h.back().second = "120";
    // Refused at once, not after the wait: no key, or a key that may not do this.
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, target, {h[1], h[2]}), 401));
    h[0] = BearerAuth(org_rw)[0];
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, target, h), 403));
    h[0] = AdminAuth()[0];
    h[1].second = "bad";
    EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, target, h), 400));
  }
}

TEST_F(AdminTest, HealthReadinessAndMetrics) {
  Response health = Client().Request(V::get, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  Response ready = Client().Request(V::get, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  EXPECT_FALSE(ready.Header("X-Request-Id").empty());
  // HEAD works like GET without a body.
  Response head = Client().Request(V::head, "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  Response m1 = Client().Request(V::get, "/metrics");
  ASSERT_EQ(m1.status, 200);
  EXPECT_EQ(m1.Header("Content-Type").substr(0, 10), "text/plain");
  for (const char* name :
       {"meridian_http_responses_total{class=\"2xx\"}",
        "meridian_http_responses_total{class=\"4xx\"}",
        "meridian_http_responses_total{class=\"5xx\"}", "meridian_storage_commits_total",
        "meridian_storage_last_seq", "meridian_http_connections_open", "meridian_storage_healthy",
        "meridian_storage_map_bytes"}) {
    EXPECT_GE(Metric(m1.body, name), 0) << name << " missing:\n" << m1.body;
  }
  EXPECT_EQ(Metric(m1.body, "meridian_storage_healthy"), 1);
  // Requests and writes move the counters.
  const std::string org = CreateOrg("counted");
  EXPECT_EQ(Client().Request(V::get, kOrgs + "/nope", AdminAuth()).status, 404);
  Response m2 = Client().Request(V::get, "/metrics");
  EXPECT_GT(Metric(m2.body, "meridian_http_responses_total{class=\"2xx\"}"),
            Metric(m1.body, "meridian_http_responses_total{class=\"2xx\"}"));
  EXPECT_GT(Metric(m2.body, "meridian_http_responses_total{class=\"4xx\"}"),
            Metric(m1.body, "meridian_http_responses_total{class=\"4xx\"}"));
  EXPECT_GT(Metric(m2.body, "meridian_storage_last_seq"),
            Metric(m1.body, "meridian_storage_last_seq"));

  // /cluster/v1/status: the operator only.
  EXPECT_EQ(Client().Request(V::get, "/cluster/v1/status").status, 401);
  const std::string key = CreateKey(org, {"read", "admin"});
  EXPECT_EQ(Client().Request(V::get, "/cluster/v1/status", BearerAuth(key)).status, 403);
  Response status = Client().Request(V::get, "/cluster/v1/status", AdminAuth());
  EXPECT_EQ(status.status, 200) << status.body;
  EXPECT_TRUE(status.Json().is_object()) << status.body;
}

}  // namespace
}  // namespace meridian::test
