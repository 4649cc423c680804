// Dialect behaviour through the whole pipeline, in process (tests/api/in_process_node.h): each
// test sends requests to the router over a real store and checks the answers. Process-level
// tests (tests/integration/) keep what needs processes: sockets, replication, restarts.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "api/consistency.h"
#include "tests/api/in_process_node.h"

namespace meridian::api::testing {
namespace {
namespace json = boost::json;
using V = http::verb;

class DialectsInProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    org_ = node_.CreateOrg("acme");
    key_ = node_.CreateKey(org_, {"read", "write", "schema"});  // end_user_read_write exists
  }
  Headers Key() const { return InProcessNode::Bearer(key_); }
  Headers SlashId() const { return With(Key(), {{"SlashID-OrgID", org_}}); }
  static Headers AllRegions(int timeout_s) {
    return {{std::string(kConsistencyHeader), "all_regions"},
            {std::string(kConsistencyTimeoutHeader), std::to_string(timeout_s)}};
  }

  InProcessNode node_;
  std::string org_, key_;
};

const std::string kBucket = "/organizations/attributes/end_user_read_write";

// SlashID values are stored as sent: numbers of any size and form read back byte-for-byte.
TEST_F(DialectsInProcessTest, SlashIdNumbersRoundTripExactly) {
  const std::string body =
      R"({"a":1.5,"b":123456789012345678901234567890,"c":1E2,"d":-0.0,"e":[1.50, 2]})";
  ASSERT_EQ(node_.Send(V::patch, kBucket, SlashId(), body).result(), http::status::no_content);
  Response got = node_.Send(V::get, kBucket, SlashId());
  ASSERT_EQ(got.result(), http::status::ok) << got.body();
  EXPECT_EQ(got.body(), R"({"result":{"a":1.5,"b":123456789012345678901234567890,"c":1E2,"d":-0.0,)"
                        R"("e":[1.50,2]}})");
}

// True if `body` holds `"value":<number>` with the number exactly as written.
bool Echoes(const std::string& body, const std::string& number) {
  const std::string text = "\"value\":" + number;
  const size_t at = body.find(text);
  return at != std::string::npos && at + text.size() < body.size() &&
         (body[at + text.size()] == ',' || body[at + text.size()] == '}');
}

// Attio keeps default values parsed: a number comes back exactly as written, or is refused.
TEST_F(DialectsInProcessTest, AttioDefaultValueNumbersEchoExactlyOrAreRefused) {
  ASSERT_EQ(
      node_
          .Send(V::post, "/v2/objects", Key(),
                R"({"data":{"api_slug":"deals","singular_noun":"Deal","plural_noun":"Deals"}})")
          .result(),
      http::status::ok);
  auto create = [&](const std::string& slug, const std::string& number) {
    return node_.Send(
        V::post, "/v2/objects/deals/attributes", Key(),
        R"({"data":{"title":"T","description":null,"api_slug":")" + slug +
            R"(","type":"number","is_required":false,"is_unique":false,"is_multiselect":false,)"
            R"("config":{},"default_value":{"type":"static","template":[{"value":)" +
            number + "}]}}}");
  };
  for (const std::string number : {"1.5", "0.001", "12", "-7", "1e+21", "1e-7"}) {
    SCOPED_TRACE(number);
    const std::string slug = "n" + std::to_string(std::hash<std::string>{}(number) % 100000);
    Response made = create(slug, number);
    ASSERT_EQ(made.result(), http::status::ok) << made.body();
    EXPECT_TRUE(Echoes(made.body(), number)) << made.body();
    Response got = node_.Send(V::get, "/v2/objects/deals/attributes/" + slug, Key());
    EXPECT_TRUE(Echoes(got.body(), number)) << got.body();
  }
  for (const std::string number : {"1.50", "1E2", "-0", "12345678901234567890123"}) {
    SCOPED_TRACE(number);
    Response refused = create("refused", number);
    EXPECT_EQ(refused.result(), http::status::bad_request) << refused.body();
    EXPECT_EQ(json::parse(refused.body()).at("code"), "validation_type");
  }
  EXPECT_EQ(node_.Send(V::get, "/v2/objects/deals/attributes/refused", Key()).result(),
            http::status::not_found);
}

// Ocamba's only numeric fields are 0/1 flags: anything else written is refused, never altered.
TEST_F(DialectsInProcessTest, OcambaNumbersAreExactOrRefused) {
  const std::string base = "/v1/hood/profile-properties";
  Response made =
      node_.Send(V::post, base, Key(), R"({"label":"Plan","data_type":"text","importable":1})");
  ASSERT_EQ(made.result(), http::status::created) << made.body();
  Response refused =
      node_.Send(V::post, base, Key(), R"({"label":"Tier","data_type":"text","importable":1.0})");
  EXPECT_EQ(refused.result(), http::status::bad_request) << refused.body();
}

// ZITADEL and Swift store no client JSON numbers: values are base64 and header text, and come
// back byte-for-byte.
TEST_F(DialectsInProcessTest, ZitadelAndSwiftValuesRoundTripExactly) {
  ASSERT_EQ(
      node_.Send(V::post, "/management/v1/metadata/plan", Key(), R"({"value":"MS41"})").result(),
      http::status::ok);
  Response meta = node_.Send(V::get, "/management/v1/metadata/plan", Key());
  EXPECT_EQ(json::parse(meta.body()).at("metadata").at("value"), "MS41");
  const std::string account = "/v1/AUTH_" + org_;
  ASSERT_EQ(node_.Send(V::post, account, With(Key(), {{"X-Account-Meta-Ratio", "1.50"}})).result(),
            http::status::no_content);
  EXPECT_EQ(node_.Send(V::head, account, Key())["X-Account-Meta-Ratio"], "1.50");
}

// A write that changes nothing still waits for what it found to reach the asked level: with
// the second region silent, both the delete and its retry (which finds the key deleted
// already) answer 408 with a commit token.
TEST_F(DialectsInProcessTest, UnchangedRetryOfAnAllRegionsWriteIsNotConfirmed) {
  ASSERT_EQ(node_.Send(V::patch, kBucket, SlashId(), R"({"a":1})").result(),
            http::status::no_content);
  for (int attempt = 0; attempt < 2; ++attempt) {
    Response res =
        node_.Send(V::delete_, kBucket + "?attributes=a", With(SlashId(), AllRegions(1)));
    EXPECT_EQ(res.result(), http::status::request_timeout) << res.body();
    EXPECT_FALSE(res[kCommitTokenHeader].empty());
  }
}

// A 408 of a create names what it made, so a retry can find it (Ocamba's id and Location,
// Attio's data), and carries the commit token.
TEST_F(DialectsInProcessTest, TimedOutCreatesNameWhatTheyMade) {
  Response ocamba = node_.Send(V::post, "/v1/hood/profile-properties", With(Key(), AllRegions(1)),
                               R"({"label":"Kept","data_type":"text"})");
  ASSERT_EQ(ocamba.result(), http::status::request_timeout) << ocamba.body();
  const std::string id(json::parse(ocamba.body()).at("id").as_string());
  EXPECT_EQ(ocamba[http::field::location], "/v1/hood/profile-properties/" + id);
  EXPECT_FALSE(ocamba[kCommitTokenHeader].empty());
  EXPECT_EQ(node_.Send(V::get, "/v1/hood/profile-properties/" + id, Key()).result(),
            http::status::ok);

  Response attio = node_.Send(V::post, "/v2/objects", With(Key(), AllRegions(1)),
                              R"({"data":{"api_slug":"deals","singular_noun":"Deal",)"
                              R"("plural_noun":"Deals"}})");
  ASSERT_EQ(attio.result(), http::status::request_timeout) << attio.body();
  json::value body = json::parse(attio.body());
  EXPECT_EQ(body.at("code"), "consistency_timeout");
  EXPECT_EQ(body.at("data").at("api_slug"), "deals");
  EXPECT_FALSE(attio[kCommitTokenHeader].empty());
}

// Each dialect's own error code is a field of its envelope.
TEST_F(DialectsInProcessTest, DialectErrorCodesAreFields) {
  Response zitadel = node_.Send(V::get, "/management/v1/metadata/absent", Key());
  ASSERT_EQ(zitadel.result(), http::status::not_found);
  json::value z = json::parse(zitadel.body());
  EXPECT_EQ(z.at("code"), 5);
  EXPECT_EQ(z.at("details").at(0).at("id"), "QUERY-Rph32");
  EXPECT_EQ(z.at("details").at(0).at("message"), "Metadata not found");

  const std::string attr =
      R"({"data":{"title":"Score","description":null,"api_slug":"score","type":"number",)"
      R"("is_required":false,"is_unique":false,"is_multiselect":false,"config":{}}})";
  ASSERT_EQ(node_.Send(V::post, "/v2/objects/people/attributes", Key(), attr).result(),
            http::status::ok);
  Response conflict = node_.Send(V::post, "/v2/objects/people/attributes", Key(), attr);
  ASSERT_EQ(conflict.result(), http::status::conflict);
  json::value a = json::parse(conflict.body());
  EXPECT_EQ(a.at("code"), "slug_conflict");
  EXPECT_EQ(a.at("message").as_string().find('\x1f'), json::string::npos);
}

// Swift answers carry a transaction id; a 401 of an account names its realm.
TEST_F(DialectsInProcessTest, SwiftAnswersCarryTransIdAndRealm) {
  Response denied = node_.Send(V::get, "/v1/AUTH_" + org_);
  EXPECT_EQ(denied.result(), http::status::unauthorized);
  EXPECT_FALSE(denied["X-Trans-Id"].empty());
  EXPECT_EQ(denied[http::field::www_authenticate], "Swift realm=\"AUTH_" + org_ + "\"");
  Response ok = node_.Send(V::head, "/v1/AUTH_" + org_, Key());
  EXPECT_EQ(ok.result(), http::status::no_content);
  EXPECT_FALSE(ok["X-Trans-Id"].empty());
  EXPECT_EQ(ok["X-Trans-Id"], ok["X-Openstack-Request-Id"]);
}

// Moved from tests/integration/slashid_errors_test.cc: keys, organizations and scopes on every
// SlashID endpoint, and nothing changes on a refusal.
TEST_F(DialectsInProcessTest, SlashIdRefusalsChangeNothing) {
  ASSERT_EQ(node_.Send(V::patch, kBucket, SlashId(), R"({"keep":1})").result(),
            http::status::no_content);
  const std::string before = node_.Send(V::get, kBucket, SlashId()).body();
  const std::string read_only = node_.CreateKey(org_, {"read"});
  const std::string write_only = node_.CreateKey(org_, {"write"});
  const std::string other = node_.CreateOrg("other");
  const std::string foreign = node_.CreateKey(other, {"read", "write"});
  struct Refusal {
    Headers headers;
    V method;
    unsigned status;
  };
  const Headers org = {{"SlashID-OrgID", org_}};
  const std::vector<Refusal> refusals = {
      {org, V::patch, 401},
      {With({{"SlashID-API-Key", "mrd_not-a-key"}}, org), V::patch, 401},
      {With({{"SlashID-API-Key", ""}}, org), V::get, 401},
      {With(InProcessNode::Bearer(key_ + "x"), org), V::put, 401},
      {Key(), V::patch, 400},                                      // no SlashID-OrgID
      {InProcessNode::Admin(), V::get, 400},                       // the operator names none
      {With(InProcessNode::Bearer(foreign), org), V::patch, 403},  // another organization's key
      {With(Key(), {{"SlashID-OrgID", other}}), V::get, 403},
      {With(InProcessNode::Bearer(read_only), org), V::patch, 403},
      {With(InProcessNode::Bearer(read_only), org), V::delete_, 403},
      {With(InProcessNode::Bearer(write_only), org), V::get, 403},
      {With(InProcessNode::Admin(), {{"SlashID-OrgID", "00000000-0000-4000-8000-000000000000"}}),
       V::get, 404},
  };
  for (const Refusal& r : refusals) {
    Response res = node_.Send(r.method, kBucket, r.headers, R"({"keep":2})");
    EXPECT_EQ(static_cast<unsigned>(res.result()), r.status) << res.body();
    EXPECT_EQ(json::parse(res.body()).at("errors").at(0).at("httpcode"), r.status);
  }
  EXPECT_EQ(node_.Send(V::get, kBucket, SlashId()).body(), before);
  EXPECT_EQ(node_.Send(V::get, kBucket, With(InProcessNode::Bearer(read_only), org)).result(),
            http::status::ok);
}

// Moved from tests/integration/zitadel_test.cc: auth errors carry ZITADEL's gRPC codes and ids.
TEST_F(DialectsInProcessTest, ZitadelAuthErrorsUseZitadelCodes) {
  const std::string read_only = node_.CreateKey(org_, {"read"});
  const std::string write_only = node_.CreateKey(org_, {"write"});
  auto expect = [](const Response& res, unsigned status, int code, const std::string& id) {
    EXPECT_EQ(static_cast<unsigned>(res.result()), status) << res.body();
    json::value body = json::parse(res.body());
    EXPECT_EQ(body.at("code"), code);
    if (!id.empty()) {
      EXPECT_EQ(body.at("details").at(0).at("id").as_string(), id);
    }
  };
  const std::string meta = "/management/v1/metadata/";
  expect(node_.Send(V::post, meta + "plan", {}, R"({"value":"eA=="})"), 401, 16, "AUTH-7fs1e");
  expect(node_.Send(V::get, meta + "plan", InProcessNode::Bearer("not-a-key")), 401, 16,
         "AUTH-7fs1e");
  expect(
      node_.Send(V::post, meta + "plan", InProcessNode::Bearer(read_only), R"({"value":"eA=="})"),
      403, 7, "");
  expect(node_.Send(V::delete_, meta + "plan", InProcessNode::Bearer(read_only)), 403, 7, "");
  expect(node_.Send(V::get, meta + "plan", InProcessNode::Bearer(write_only)), 403, 7, "");
  expect(node_.Send(V::post, meta + "_search", InProcessNode::Bearer(write_only), "{}"), 403, 7,
         "");
  expect(node_.Send(V::post, meta + "_bulk", Key(), R"({"metadata":[]})"), 400, 9, "META-9mm2d");
}

}  // namespace
}  // namespace meridian::api::testing
