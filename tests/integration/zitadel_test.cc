// End-to-end tests of the ZITADEL organization-metadata dialect (docs/zitadel.md)
// against a real meridiand: every endpoint, every documented status code in ZITADEL's error
// body, bad input of every kind leaving the stored data unchanged, organization selection,
// isolation from other organizations and dialects, consistency headers and commit tokens.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

// Written against the shared harness's NodeTest (see the adapter in ZitadelTest); until that
// header exists, one skipped test says so instead of breaking the build.
#if __has_include("tests/support/node_test.h")
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;

using Headers = std::vector<std::pair<std::string, std::string>>;
using V = http::verb;
const std::string kMeta = "/management/v1/metadata/";
const std::string kBulk = kMeta + "_bulk";
const std::string kSearch = kMeta + "_search";

// Standard, padded base64 (what `base64` prints).
std::string B64(std::string_view in) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = uint32_t{uint8_t(in[i])} << 16;
    if (i + 1 < in.size()) v |= uint32_t{uint8_t(in[i + 1])} << 8;
    if (i + 2 < in.size()) v |= uint8_t(in[i + 2]);
    out += {k[(v >> 18) & 63], k[(v >> 12) & 63], i + 1 < in.size() ? k[(v >> 6) & 63] : '=',
            i + 2 < in.size() ? k[v & 63] : '='};
  }
  return out;
}

// A JSON string value, for comparisons with fields of a reply.
json::value Str(std::string_view s) { return json::value(s); }

std::string SetBody(std::string_view bytes) { return "{\"value\":\"" + B64(bytes) + "\"}"; }

// A reply as the tests see it (header names lowercased).
struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  json::value Json() const {
    boost::system::error_code ec;
    return json::parse(body, ec);  // null when the body is not JSON
  }
  std::string Header(const std::string& lower_name) const {
    return headers.contains(lower_name) ? headers.at(lower_name) : "";
  }
};

// Expects ZITADEL's error body with `code`, the ErrorDetail, and `id` when given.
void ExpectZitadelError(const Reply& r, int http_status, int grpc_code, std::string_view id = {}) {
  EXPECT_EQ(r.status, http_status) << r.body;
  json::value v = r.Json();
  ASSERT_TRUE(v.is_object()) << r.body;
  EXPECT_EQ(v.at("code"), grpc_code) << r.body;
  const json::object& detail = v.at("details").at(0).as_object();
  EXPECT_EQ(detail.at("@type"), "type.googleapis.com/zitadel.v1.ErrorDetail");
  const std::string got_id(detail.at("id").as_string());
  EXPECT_EQ(got_id, id.empty() ? got_id : std::string(id)) << r.body;
  EXPECT_FALSE(got_id.empty());
  EXPECT_EQ(v.at("message"),
            Str(std::string(detail.at("message").as_string()) + " (" + got_id + ")"));
}

class ZitadelTest : public NodeTest {
 protected:
  // ---- The only code that touches the shared harness (tests/support). ----
  // Sends to the fixture's node, or to `to` (an address from StartOtherNode) when given.
  Reply Send(http::verb method, const std::string& target, const Headers& headers = {},
             const std::string& body = "", const std::string& to = "") {
    auto raw = (to.empty() ? Client() : HttpClient(to)).Request(method, target, headers, body);
    return Reply{raw.status, raw.headers, raw.body};
  }
  std::string NewOrg(const std::string& name) { return CreateOrg(name); }
  std::string NewKey(const std::string& org, const std::vector<std::string>& scopes) {
    return CreateKey(org, scopes);
  }
  const std::string& Admin() const { return AdminToken(); }
  // Starts a second node with extra flags; its address, or "" on failure.
  std::string StartOtherNode(const std::vector<std::string>& flags) { return StartNode(flags); }
  std::string TempFile(const std::string& name) const { return dir_ + "/" + name; }
  // ------------------------------------------------------------------------

  void SetUp() override {
    NodeTest::SetUp();
    org_ = NewOrg("zitadel-a");
    key_ = NewKey(org_, {"read", "write"});
  }

  Headers Auth(const std::string& key) const { return {{"Authorization", "Bearer " + key}}; }
  Headers Auth() const { return Auth(key_); }
  // `h` plus one header.
  static Headers With(Headers h, const std::string& name, const std::string& value) {
    h.emplace_back(name, value);
    return h;
  }
  Headers Or(const Headers& h) const { return h.empty() ? Auth() : h; }
  Reply Set(const std::string& key, std::string_view bytes, const Headers& h = {}) {
    return Send(V::post, kMeta + key, Or(h), SetBody(bytes));
  }
  Reply Get(const std::string& key, const Headers& h = {}) {
    return Send(V::get, kMeta + key, Or(h));
  }
  Reply Remove(const std::string& key, const Headers& h = {}) {
    return Send(V::delete_, kMeta + key, Or(h));
  }
  Reply Search(const std::string& body, const Headers& h = {}) {
    return Send(V::post, kSearch, Or(h), body);
  }
  Reply Bulk(V method, const std::string& body, const Headers& h = {}) {
    return Send(method, kBulk, Or(h), body);
  }
  // A bulk set of `keys`, each with the value "a".
  Reply BulkSet(const std::vector<std::string>& keys) {
    std::string body = R"({"metadata":[)";
    for (const auto& k : keys) body += R"({"key":")" + k + R"(","value":"YQ=="},)";
    body.back() = ']';
    return Bulk(V::post, body + "}");
  }
  // Everything the organization holds, as the operator sees it: the before/after comparison of
  // every refused request. Includes details (sequences, dates), so any change shows.
  std::string Snapshot(const std::string& org) {
    Reply r = Search(R"({"query":{"limit":1000,"asc":true}})",
                     {{"Authorization", "Bearer " + Admin()}, {"x-zitadel-orgid", org}});
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = r.Json();
    if (!v.is_object()) return "unreadable";
    return json::serialize(v.at("result")) + "/" +
           json::serialize(v.at("details").at("processedSequence"));
  }
  std::string Snapshot() { return Snapshot(org_); }

  std::string org_;
  std::string key_;
};

TEST_F(ZitadelTest, SetThenGetReturnsTheValueAndItsDetails) {
  Reply set = Set("plan", "enterprise");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_FALSE(set.Header("meridian-commit-token").empty());
  EXPECT_FALSE(set.Header("x-request-id").empty());
  EXPECT_FALSE(set.Header("date").empty());
  EXPECT_EQ(set.Header("content-type"), "application/json");
  const json::object d = set.Json().at("details").as_object();
  EXPECT_EQ(d.at("sequence"), "1");
  EXPECT_EQ(d.at("resourceOwner"), Str(org_));
  EXPECT_EQ(d.at("creationDate"), d.at("changeDate"));
  Reply get = Get("plan");
  ASSERT_EQ(get.status, 200) << get.body;
  const json::object m = get.Json().at("metadata").as_object();
  EXPECT_EQ(m.at("key"), "plan");
  EXPECT_EQ(m.at("value"), Str(B64("enterprise")));
  EXPECT_EQ(m.at("details"), json::value(d));
}

TEST_F(ZitadelTest, UpdatesKeepTheCreationDateAndRemovesAnswerChangeDetails) {
  ASSERT_EQ(Set("plan", "pro").status, 200);
  json::value first = Get("plan").Json().at("metadata").at("details");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct change dates
  Reply again = Set("plan", "enterprise");
  ASSERT_EQ(again.status, 200);
  const json::object d = again.Json().at("details").as_object();
  EXPECT_EQ(d.at("sequence"), "2");
  EXPECT_EQ(d.at("creationDate"), first.at("creationDate"));
  EXPECT_NE(d.at("changeDate"), first.at("changeDate"));
  EXPECT_EQ(Get("plan").Json().at("metadata").at("details"), json::value(d));
  // Another key advances the organization's sequence; "plan" keeps its own.
  ASSERT_EQ(Set("other", "x").Json().at("details").at("sequence"), "3");
  EXPECT_EQ(Get("plan").Json().at("metadata").at("details").at("sequence"), "2");
  Reply removed = Remove("plan");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_FALSE(removed.Header("meridian-commit-token").empty());
  const json::object rd = removed.Json().at("details").as_object();
  EXPECT_EQ(rd.at("sequence"), "4");
  EXPECT_EQ(rd.at("resourceOwner"), Str(org_));
  EXPECT_TRUE(rd.contains("changeDate") && !rd.contains("creationDate"));
  ExpectZitadelError(Get("plan"), 404, 5, "QUERY-Rph32");
  const std::string before = Snapshot();
  ExpectZitadelError(Remove("plan"), 404, 5, "META-mcnw3");
  ExpectZitadelError(Remove("never-set"), 404, 5, "META-mcnw3");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ZitadelTest, BulkWritesAreAtomicAndRemoveAllOrNothing) {
  Reply r = Bulk(V::post, R"({"metadata":[{"key":"a","value":")" + B64("1") +
                              R"("},{"key":"b","value":")" + B64("2") +
                              R"("},{"key":"a","value":")" + B64("3") + R"("}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.Header("meridian-commit-token").empty());
  const json::object d = r.Json().at("details").as_object();
  EXPECT_EQ(d.at("sequence"), "3");  // one event per item
  EXPECT_EQ(d.at("resourceOwner"), Str(org_));
  EXPECT_EQ(Get("a").Json().at("metadata").at("value"), Str(B64("3")));  // the last one wins
  EXPECT_EQ(Get("b").Json().at("metadata").at("value"), Str(B64("2")));
  const std::string before = Snapshot();
  ExpectZitadelError(Bulk(V::delete_, R"({"keys":["a","missing","b"]})"), 404, 5, "META-2npds");
  EXPECT_EQ(Snapshot(), before);
  Reply ok = Bulk(V::delete_, R"({"keys":["a","b"]})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json().at("details").at("sequence"), "5");
  EXPECT_FALSE(ok.Header("meridian-commit-token").empty());
  EXPECT_EQ(Get("a").status, 404);
  EXPECT_EQ(Get("b").status, 404);
}

TEST_F(ZitadelTest, BadInputIs400AndChangesNothing) {
  ASSERT_EQ(Set("keep", "kept").status, 200);
  const std::string before = Snapshot();
  const std::string k = kMeta + "k", k201(201, 'k'), v = SetBody("v");
  struct Case {
    V method;
    std::string target, body;
    Headers extra = {};
  };
  std::vector<Case> cases;
  auto add = [&](V method, const std::string& target, const std::vector<std::string>& bodies) {
    for (const auto& body : bodies) cases.push_back({method, target, body});
  };
  // Values: bad base64 (characters, padding, line breaks, trailing bits), empty, wrong type.
  add(V::post, k,
      {R"({"value":"not base64!"})", R"({"value":"aGk=="})", R"({"value":"aG\nk="})",
       R"({"value":"QR=="})", R"({"value":"-_+/"})", R"({"value":""})", R"({"value":null})",
       R"({"value":5})", "{}", "", R"({"value":)", R"(["value"])",
       "{\"value\":\"" + std::string(500004, 'A') + "\"}"});
  // Keys: too long, not UTF-8.
  add(V::post, kMeta + k201, {v});
  add(V::post, kMeta + "%FF%FE", {v});
  add(V::get, kMeta + k201, {""});
  add(V::delete_, kMeta + k201, {""});
  // Bulk bodies: one bad item refuses the whole write.
  add(V::post, kBulk,
      {R"({"metadata":[{"key":"x","value":"!!"}]})", R"({"metadata":[{"key":"","value":"YQ=="}]})",
       R"({"metadata":[{"value":"YQ=="}]})", R"({"metadata":[{"key":"x"}]})",
       R"({"metadata":[{"key":"ok","value":"YQ=="},{"key":")" + k201 + R"(","value":"YQ=="}]})",
       R"({"metadata":{"key":"x","value":"YQ=="}})", R"({"metadata":["x"]})",
       R"({"metadata":[{"key":5,"value":"YQ=="}]})"});
  add(V::delete_, kBulk,
      {R"({"keys":["keep",""]})", R"({"keys":["keep",5]})", R"({"keys":"keep"})", "not json",
       R"({"keys":["keep",")" + k201 + R"("]})"});
  // Consistency headers and commit tokens.
  cases.push_back({V::post, k, v, {{"SlashID-Required-Consistency", "eventually"}}});
  cases.push_back({V::post, k, v, {{"SlashID-Required-Consistency-Timeout", "0"}}});
  cases.push_back({V::post, k, v, {{"SlashID-Required-Consistency-Timeout", "121"}}});
  cases.push_back(
      {V::delete_, kMeta + "keep", "", {{"SlashID-Required-Consistency-Timeout", "x"}}});
  cases.push_back({V::get, kMeta + "keep", "", {{"Meridian-Min-Commit-Token", "bogus"}}});
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(http::to_string(c.method)) + " " + c.target.substr(0, 60) + " " +
                 c.body.substr(0, 80));
    Headers h = Auth();
    h.insert(h.end(), c.extra.begin(), c.extra.end());
    ExpectZitadelError(Send(c.method, c.target, h, c.body), 400, 3);
  }
  // Empty bulk lists are FAILED_PRECONDITION (code 9), still 400, as in ZITADEL.
  for (const char* body : {R"({"metadata":[]})", "{}", ""}) {
    ExpectZitadelError(Bulk(V::post, body), 400, 9, "META-9mm2d");
  }
  for (const char* body : {R"({"keys":[]})", "{}", ""}) {
    ExpectZitadelError(Bulk(V::delete_, body), 400, 9, "META-9mw2d");
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ZitadelTest, ValuesAndKeysUpToTheirLimitsAndProtojsonBase64AreAccepted) {
  Reply max =
      Send(V::post, kMeta + "max", Auth(), "{\"value\":\"" + std::string(500000, 'A') + "\"}");
  ASSERT_EQ(max.status, 200) << max.body.substr(0, 200);
  EXPECT_EQ(Get("max").Json().at("metadata").at("value").as_string().size(), 500000u);
  // protojson reads unpadded and URL-safe base64; answers are standard and padded.
  ASSERT_EQ(Send(V::post, kMeta + "u", Auth(), R"({"value":"-_8"})").status, 200);
  EXPECT_EQ(Get("u").Json().at("metadata").at("value"), "+/8=");
  ASSERT_EQ(Send(V::post, kMeta + "p", Auth(), R"({"value":"aGk"})").status, 200);
  EXPECT_EQ(Get("p").Json().at("metadata").at("value"), "aGk=");
  // Unknown fields are ignored, as ZITADEL's gateway does.
  EXPECT_EQ(
      Send(V::post, kMeta + "p", Auth(), R"({"value":"aGk=","key":"other","extra":1})").status,
      200);
  EXPECT_EQ(Get("other").status, 404);
  // Keys: an encoded '/' stays inside the key; 200 characters of 2 bytes each are allowed.
  ASSERT_EQ(Set("a%2Fb", "slash").status, 200);
  EXPECT_EQ(Get("a%2Fb").Json().at("metadata").at("key"), "a/b");
  std::string encoded;
  for (int i = 0; i < 200; ++i) encoded += "%C3%A9";  // 200 characters, 400 bytes
  ASSERT_EQ(Set(encoded, "accents").status, 200);
  EXPECT_EQ(Get(encoded).status, 200);
  ExpectZitadelError(Set(encoded + "e", "x"), 400, 3);
  const std::string starts_a =
      R"({"queries":[{"keyQuery":{"key":"a/","method":"TEXT_QUERY_METHOD_STARTS_WITH"}}]})";
  EXPECT_EQ(Search(starts_a).Json().at("result").at(0).at("key"), "a/b");
}

TEST_F(ZitadelTest, SearchFiltersWithEveryMethod) {
  ASSERT_EQ(BulkSet({"billing.plan", "billing.Seats", "Billing.tier", "region", "plan.old"}).status,
            200);
  auto keys = [&](const std::string& filter_key, const std::string& method) {
    Reply r = Search(R"({"query":{"asc":true},"queries":[{"keyQuery":{"key":")" + filter_key +
                     R"(","method":")" + method + R"("}}]})");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    json::value v = r.Json();
    if (!v.is_object()) return out;
    for (const auto& item : v.at("result").as_array()) out.emplace_back(item.at("key").as_string());
    EXPECT_EQ(v.at("details").at("totalResult"), Str(std::to_string(out.size())));
    return out;
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(keys("region", "TEXT_QUERY_METHOD_EQUALS"), Keys({"region"}));
  EXPECT_EQ(keys("REGION", "TEXT_QUERY_METHOD_EQUALS"), Keys({}));
  EXPECT_EQ(keys("REGION", "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE"), Keys({"region"}));
  EXPECT_EQ(keys("billing.", "TEXT_QUERY_METHOD_STARTS_WITH"),
            Keys({"billing.Seats", "billing.plan"}));
  EXPECT_EQ(keys("billing.", "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE"),
            Keys({"Billing.tier", "billing.Seats", "billing.plan"}));
  EXPECT_EQ(keys("plan", "TEXT_QUERY_METHOD_CONTAINS"), Keys({"billing.plan", "plan.old"}));
  EXPECT_EQ(keys("SEATS", "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE"), Keys({"billing.Seats"}));
  EXPECT_EQ(keys(".plan", "TEXT_QUERY_METHOD_ENDS_WITH"), Keys({"billing.plan"}));
  EXPECT_EQ(keys(".TIER", "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE"), Keys({"Billing.tier"}));
  // Two queries must both match; methods may be given by number.
  Reply both = Search(R"({"queries":[{"keyQuery":{"key":"billing","method":2}},
                                     {"keyQuery":{"key":"plan","method":6}}]})");
  ASSERT_EQ(both.status, 200);
  EXPECT_EQ(both.Json().at("details").at("totalResult"), "1");
  // Every entry carries its details.
  Reply all = Search("");
  ASSERT_EQ(all.status, 200);
  const json::value v = all.Json();
  EXPECT_EQ(v.at("details").at("totalResult"), "5");
  EXPECT_EQ(v.at("details").at("processedSequence"), "5");
  EXPECT_TRUE(v.at("details").as_object().contains("viewTimestamp"));
  EXPECT_EQ(v.at("result").at(0).at("details").at("resourceOwner"), Str(org_));
  EXPECT_EQ(v.at("result").at(0).at("key"), "region");  // descending by default
}

TEST_F(ZitadelTest, SearchPagesWithOffsetAndLimit) {
  std::vector<std::string> keys;
  for (int i = 0; i < 120; ++i)
    keys.push_back("k" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i));
  ASSERT_EQ(BulkSet(keys).status, 200);
  auto page = [&](const std::string& query) {
    Reply r = Search(R"({"query":)" + query + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  };
  json::value def = page("{}");
  EXPECT_EQ(def.at("details").at("totalResult"), "120");
  EXPECT_EQ(def.at("result").as_array().size(), 100u);  // the default limit
  EXPECT_EQ(def.at("result").at(0).at("key"), "k119");
  json::value p = page(R"({"offset":"10","limit":"5","asc":true})");
  ASSERT_EQ(p.at("result").as_array().size(), 5u);
  EXPECT_EQ(p.at("result").at(0).at("key"), "k010");
  EXPECT_EQ(page(R"({"offset":10,"limit":5,"asc":true})").at("result"), p.at("result"));
  EXPECT_EQ(page(R"({"limit":1000})").at("result").as_array().size(), 120u);
  json::value tail = page(R"({"offset":118,"limit":5,"asc":true})");
  EXPECT_EQ(tail.at("result").as_array().size(), 2u);
  json::value past = page(R"({"offset":"500"})");
  EXPECT_EQ(past.at("result").as_array().size(), 0u);
  EXPECT_EQ(past.at("details").at("totalResult"), "120");
  for (const char* bad : {R"({"query":{"limit":1001}})", R"({"query":{"limit":"5000"}})",
                          R"({"query":{"offset":-1}})", R"({"query":{"asc":"yes"}})",
                          R"({"queries":[{"keyQuery":{"method":"TEXT_QUERY_METHOD_LIKE"}}]})",
                          R"({"queries":[{}]})", R"({"queries":"x"})", "[]", "{"}) {
    SCOPED_TRACE(bad);
    ExpectZitadelError(Search(bad), 400, 3);
  }
}

// Auth errors' codes: tests/api/dialects_in_process_test.cc (ZitadelAuthErrorsUseZitadelCodes).

TEST_F(ZitadelTest, TheOrgHeaderSelectsTheOrganization) {
  const std::string other = NewOrg("zitadel-b");
  const std::string other_key = NewKey(other, {"read", "write"});
  ASSERT_EQ(Set("plan", "a").status, 200);
  ASSERT_EQ(Set("plan", "b", Auth(other_key)).status, 200);
  const std::string before_a = Snapshot(org_), before_b = Snapshot(other);
  EXPECT_EQ(Get("plan", With(Auth(), "x-zitadel-orgid", org_)).Json().at("metadata").at("value"),
            Str(B64("a")));
  const Headers foreign = With(Auth(), "x-zitadel-orgid", other);
  ExpectZitadelError(Get("plan", foreign), 403, 7);
  ExpectZitadelError(Set("plan", "x", foreign), 403, 7);
  ExpectZitadelError(Search("{}", foreign), 403, 7);
  ExpectZitadelError(Set("plan", "x", With(Auth(), "x-zitadel-orgid", "no-such-org")), 403, 7);
  // The operator's key has no organization of its own: it must name one.
  ExpectZitadelError(Get("plan", Auth(Admin())), 400, 3);
  ExpectZitadelError(Set("plan", "x", Auth(Admin())), 400, 3);
  ExpectZitadelError(Set("plan", "x", With(Auth(Admin()), "x-zitadel-orgid", "no-such-org")), 404,
                     5);
  EXPECT_EQ(Snapshot(org_), before_a);
  EXPECT_EQ(Snapshot(other), before_b);
  const Headers op = With(Auth(Admin()), "x-zitadel-orgid", other);
  EXPECT_EQ(Get("plan", op).Json().at("metadata").at("value"), Str(B64("b")));
  Reply op_set = Set("by-operator", "x", op);
  ASSERT_EQ(op_set.status, 200);
  EXPECT_EQ(op_set.Json().at("details").at("resourceOwner"), Str(other));
  EXPECT_EQ(Get("by-operator", Auth(other_key)).status, 200);
  EXPECT_EQ(Get("by-operator").status, 404);
}

TEST_F(ZitadelTest, OtherDialectsDataDoesNotShowUp) {
  Headers slash = {{"SlashID-API-Key", key_}, {"SlashID-OrgID", org_}};
  ASSERT_EQ(Send(V::patch, "/organizations/attributes/end_user_read_write", slash,
                 R"({"plan":"from-slashid"})")
                .status,
            204);
  EXPECT_EQ(Get("plan").status, 404);
  EXPECT_EQ(Search("{}").Json().at("details").at("totalResult"), "0");
  ASSERT_EQ(Set("zkey", "z").status, 200);
  Reply attrs = Send(V::get, "/organizations/attributes", slash);
  ASSERT_EQ(attrs.status, 200);
  EXPECT_EQ(attrs.body.find("zkey"), std::string::npos);
}

TEST_F(ZitadelTest, RouterErrorsUnderManagementUseTheZitadelBody) {
  ExpectZitadelError(Send(V::get, "/management/v1/nothing", Auth()), 404, 5);
  ExpectZitadelError(Send(V::put, kMeta + "plan", Auth(), SetBody("x")), 405, 12);
  const std::string before = Snapshot();
  Reply big =
      Send(V::post, kMeta + "big", Auth(), "{\"value\":\"" + std::string(5 << 20, 'A') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ZitadelTest, WritesHonourConsistencyHeadersAndCommitTokensGiveReadYourWrites) {
  const Headers all = With(With(Auth(), "SlashID-Required-Consistency", "all_regions"),
                           "SlashID-Required-Consistency-Timeout", "5");
  Reply set = Set("plan", "pro", all);  // one node: reached by the local fsync
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Bulk(V::post, R"({"metadata":[{"key":"a","value":"YQ=="}]})", all).status, 200);
  EXPECT_EQ(Bulk(V::delete_, R"({"keys":["a"]})", all).status, 200);
  const std::string token = set.Header("meridian-commit-token");
  ASSERT_FALSE(token.empty());
  const Headers h = With(Auth(), "Meridian-Min-Commit-Token", token);
  EXPECT_EQ(Get("plan", h).status, 200);
  EXPECT_EQ(Search("{}", h).status, 200);
  // A token this node has not reached: 408 after the timeout, in ZITADEL's body.
  const std::string ahead = token.substr(0, token.rfind(':')) + ":99999999";
  const Headers wait = With(With(Auth(), "Meridian-Min-Commit-Token", ahead),
                            "SlashID-Required-Consistency-Timeout", "1");
  ExpectZitadelError(Get("plan", wait), 408, 4);
  ExpectZitadelError(Search("{}", wait), 408, 4);
  EXPECT_EQ(Remove("plan", all).status, 200);
}

TEST_F(ZitadelTest, AConsistencyLevelNotReachedIs408AndTheWriteIsKept) {
  // A node whose cluster has a second region that never answers: all_regions cannot be reached.
  const std::string config = TempFile("zitadel-cluster.json");
  std::ofstream(config) << R"({"cluster_secret":"s","admin_token":"unused","nodes":[
      {"id":"n1","region":"a","api":"127.0.0.1:0","replication":"127.0.0.1:0"},
      {"id":"n2","region":"b","api":"127.0.0.1:1","replication":"127.0.0.1:1"}]})";
  const std::string addr = StartOtherNode({"--config", config, "--node-id", "n1"});
  ASSERT_FALSE(addr.empty());
  const Headers admin = Auth(Admin());
  Reply org = Send(V::post, "/admin/v1/organizations", admin, R"({"name":"far"})", addr);
  ASSERT_EQ(org.status, 201) << org.body;
  const Headers h = With(admin, "x-zitadel-orgid", std::string(org.Json().at("id").as_string()));
  const Headers slow = With(With(h, "SlashID-Required-Consistency", "all_regions"),
                            "SlashID-Required-Consistency-Timeout", "1");
  ExpectZitadelError(Send(V::post, kMeta + "plan", slow, SetBody("pro"), addr), 408, 4);
  ExpectZitadelError(
      Send(V::post, kBulk, slow, R"({"metadata":[{"key":"a","value":"YQ=="}]})", addr), 408, 4);
  EXPECT_EQ(Send(V::get, kMeta + "plan", h, "", addr).Json().at("metadata").at("value"),
            Str(B64("pro")));
  ExpectZitadelError(Send(V::delete_, kMeta + "plan", slow, "", addr), 408, 4);
  EXPECT_EQ(Send(V::get, kMeta + "plan", h, "", addr).status,
            404);  // removed, just not everywhere yet
  EXPECT_EQ(Send(V::post, kMeta + "plan", h, SetBody("x"), addr).status,
            200);  // local_region: here
}

}  // namespace
}  // namespace meridian::test
#else
TEST(ZitadelTest, NeedsTheSharedHarness) { GTEST_SKIP() << "tests/support/node_test.h is missing"; }
#endif
