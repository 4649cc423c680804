// End-to-end tests of the Swift account-metadata dialect (docs/swift.md) against a
// real meridiand: TempAuth, POST/HEAD/GET of an account, every status code in Swift's plain
// text, Swift's limits on the request and on the merged state, bad input of every kind leaving
// the stored metadata unchanged, Temp-URL keys, auth and isolation, consistency headers.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {

using V = http::verb;

class SwiftTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    org_ = CreateOrg("swift-a");
    key_ = CreateKey(org_, {"read", "write"});
    path_ = "/v1/AUTH_" + org_;
  }

  Response Send(V method, const std::string& target, const Headers& headers,
                const std::string& body = "", const std::string& to = "") {
    return (to.empty() ? Client() : HttpClient(to)).Request(method, target, headers, body);
  }
  static Headers Tok(const std::string& key) { return {{"X-Auth-Token", key}}; }
  Headers Tok() const { return Tok(key_); }
  static Headers With(Headers h, const std::string& name, const std::string& value) {
    h.emplace_back(name, value);
    return h;
  }
  Response Post(const Headers& extra, const std::string& body = "") {
    Headers h = Tok();
    h.insert(h.end(), extra.begin(), extra.end());
    return Send(V::post, path_, h, body);
  }
  // Every X-Account-Meta-* header the operator sees on HEAD, one "name: value" per line.
  std::string Snapshot(const std::string& org = "") {
    Response r = Send(V::head, "/v1/AUTH_" + (org.empty() ? org_ : org), Tok(AdminToken()));
    EXPECT_EQ(r.status, 204) << r.body;
    std::string out;
    for (const auto& [name, value] : r.headers) {
      if (name.starts_with("x-account-meta-")) out += name + ": " + value + "\n";
    }
    return out;
  }
  // A Swift error: the status, a plain-text reason (or `reason` exactly) and a trans id.
  static void ExpectSwiftError(const Response& r, int status, const std::string& reason = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("content-type"), "text/plain; charset=UTF-8");
    // A HEAD answer has no body but announces the length of the reason.
    EXPECT_TRUE(!r.body.empty() || r.Header("content-length") != "0");
    if (!reason.empty()) {
      EXPECT_EQ(r.body, reason);
    }
    EXPECT_TRUE(std::regex_match(r.Header("x-trans-id"), std::regex("tx[0-9a-f]{21}-[0-9a-f]{10}")))
        << r.Header("x-trans-id");
    EXPECT_TRUE(r.HasHeader("date"));
  }

  std::string org_, key_, path_;
};

TEST_F(SwiftTest, TempAuthHandsOutAFreshTokenAndTheStorageUrl) {
  const std::string port = std::to_string(node().port());
  Response r = Send(V::get, "/auth/v1.0", {{"X-Auth-User", org_ + ":alice"}, {"X-Auth-Key", key_}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.Header("x-auth-token"), key_);  // a token, never the key (swift_token_test.cc)
  EXPECT_EQ(r.Header("x-storage-token"), r.Header("x-auth-token"));
  EXPECT_EQ(r.Header("x-storage-url"), "http://127.0.0.1:" + port + path_);
  EXPECT_FALSE(r.Header("x-trans-id").empty());
  EXPECT_TRUE(r.HasHeader("date"));
  // The token works on the storage URL.
  EXPECT_EQ(Send(V::head, path_, Tok(r.Header("x-auth-token"))).status, 204);
  // X-Storage-User / X-Storage-Pass, an AUTH_ account and the operator's key work too.
  r = Send(V::get, "/auth/v1.0",
           {{"X-Storage-User", "AUTH_" + org_ + ":bob"}, {"X-Storage-Pass", key_}});
  EXPECT_EQ(r.status, 200);
  r = Send(V::get, "/auth/v1.0", {{"X-Auth-User", org_ + ":op"}, {"X-Auth-Key", AdminToken()}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-storage-url"), "http://127.0.0.1:" + port + path_);
  // Every bad credential is 401.
  const std::string other = CreateOrg("swift-b");
  const std::string other_key = CreateKey(other, {"read", "write"});
  const std::vector<Headers> bad = {
      {},
      {{"X-Auth-User", org_ + ":alice"}},
      {{"X-Auth-Key", key_}},
      {{"X-Auth-User", org_}, {"X-Auth-Key", key_}},  // no ':'
      {{"X-Auth-User", org_ + ":alice"}, {"X-Auth-Key", key_ + "x"}},
      {{"X-Auth-User", org_ + ":alice"}, {"X-Auth-Key", other_key}},
      {{"X-Auth-User", "not-an-org:alice"}, {"X-Auth-Key", key_}},
      {{"X-Auth-User", "00000000-0000-4000-8000-000000000000:op"}, {"X-Auth-Key", AdminToken()}},
  };
  for (const auto& h : bad) ExpectSwiftError(Send(V::get, "/auth/v1.0", h), 401, "Unauthorized");
}

TEST_F(SwiftTest, PostSetsUpdatesAndRemovesLeavingOthersUntouched) {
  Response r = Post({{"X-Account-Meta-Book", "MobyDick"},
                     {"X-Account-Meta-Subject", "Literature"},
                     {"X-Account-Meta-Keep", "yes"}});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.Header("content-length"), "0");
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(std::regex_match(r.Header("x-trans-id"), std::regex("tx[0-9a-f]{21}-[0-9a-f]{10}")));
  EXPECT_EQ(r.Header("x-openstack-request-id"), r.Header("x-trans-id"));
  EXPECT_TRUE(r.HasHeader("date"));
  EXPECT_FALSE(r.Header("meridian-commit-token").empty());
  EXPECT_EQ(Snapshot(),
            "x-account-meta-book: MobyDick\nx-account-meta-keep: yes\n"
            "x-account-meta-subject: Literature\n");
  // Update, case-insensitively; the name comes back title-cased.
  EXPECT_EQ(Post({{"x-account-meta-SUBJECT", "AmericanLiterature"}}).status, 204);
  Response head = Send(V::head, path_, Tok());
  EXPECT_EQ(head.Header("x-account-meta-subject"), "AmericanLiterature");
  // Remove by X-Remove-* (value ignored), and by an empty value.
  EXPECT_EQ(Post({{"X-Remove-Account-Meta-Subject", "x"}}).status, 204);
  EXPECT_EQ(Post({{"X-Account-Meta-Book", ""}}).status, 204);
  EXPECT_EQ(Snapshot(), "x-account-meta-keep: yes\n");
  // Removing what is not there, or a POST naming nothing, is a 204 no-op.
  EXPECT_EQ(Post({{"X-Remove-Account-Meta-Nothing", "x"}, {"X-Account-Meta-Absent", ""}}).status,
            204);
  EXPECT_EQ(Post({}).status, 204);
  EXPECT_EQ(Snapshot(), "x-account-meta-keep: yes\n");
  // '_' is stored as '-'; a set beats a remove of the same name in one request.
  EXPECT_EQ(Post({{"X-Account-Meta-Book_Title", "Ishmael"},
                  {"X-Remove-Account-Meta-Keep", "x"},
                  {"X-Account-Meta-Keep", "still"}})
                .status,
            204);
  EXPECT_EQ(Snapshot(), "x-account-meta-book-title: Ishmael\nx-account-meta-keep: still\n");
}

TEST_F(SwiftTest, HeadAndGetShowStatsMetadataAndAnEmptyListing) {
  ASSERT_EQ(Post({{"X-Account-Meta-Temp-URL-Key", "k1"}, {"X-Account-Meta-Color", "blue"}}).status,
            204);
  for (V method : {V::head, V::get}) {
    Response r = Send(method, path_, Tok());
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.Header("content-length"), "0");
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.Header("x-account-container-count"), "0");
    EXPECT_EQ(r.Header("x-account-object-count"), "0");
    EXPECT_EQ(r.Header("x-account-bytes-used"), "0");
    EXPECT_TRUE(std::regex_match(r.Header("x-timestamp"), std::regex("[0-9]{10}\\.[0-9]{5}")))
        << r.Header("x-timestamp");
    EXPECT_EQ(r.Header("x-account-meta-color"), "blue");
    EXPECT_EQ(r.Header("x-account-meta-temp-url-key"), "k1");
    EXPECT_FALSE(r.Header("x-trans-id").empty());
    EXPECT_TRUE(r.HasHeader("date"));
  }
  Response json = Send(V::get, path_ + "?format=json", Tok());
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.body, "[]");
  EXPECT_EQ(json.Header("x-account-meta-color"), "blue");
  EXPECT_EQ(Send(V::get, path_, With(Tok(), "Accept", "application/json")).body, "[]");
  Response xml = Send(V::get, path_ + "?format=xml", Tok());
  EXPECT_EQ(xml.status, 200);
  EXPECT_NE(xml.body.find("<account name=\"AUTH_" + org_ + "\">"), std::string::npos);
  EXPECT_EQ(Send(V::get, path_ + "?format=plain&limit=10000", Tok()).status, 204);
  EXPECT_EQ(Send(V::head, path_ + "?format=json", Tok()).status, 204);
  ExpectSwiftError(Send(V::get, path_ + "?limit=10001", Tok()), 412, "Maximum limit is 10000");
  // Read-your-writes: the commit token of a write is honoured; one from the future is 408.
  Response w = Post({{"X-Account-Meta-Color", "red"}});
  const std::string token = w.Header("meridian-commit-token");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Send(V::head, path_, With(Tok(), "Meridian-Min-Commit-Token", token))
                .Header("x-account-meta-color"),
            "red");
  const std::string ahead = token.substr(0, token.rfind(':')) + ":99999999";
  ExpectSwiftError(Send(V::get, path_,
                        With(With(Tok(), "Meridian-Min-Commit-Token", ahead),
                             "SlashID-Required-Consistency-Timeout", "1")),
                   408);
  ExpectSwiftError(Send(V::head, path_, With(Tok(), "Meridian-Min-Commit-Token", "garbage")), 400);
  ExpectSwiftError(Send(V::get, path_, With(Tok(), "Meridian-Min-Commit-Token", "garbage")), 400);
}

TEST_F(SwiftTest, SwiftsLimitsOnTheRequestAreExactAndRefusalsChangeNothing) {
  ASSERT_EQ(Post({{"X-Account-Meta-Base", "v"}}).status, 204);
  const std::string before = Snapshot();
  const std::string n128(128, 'n'), v256(256, 'v');
  struct Case {
    Headers headers;
    std::string reason;
  };
  Headers too_many, too_big;
  for (int i = 0; i < 91; ++i) too_many.emplace_back("X-Account-Meta-K" + std::to_string(i), "v");
  for (int i = 0; i < 16; ++i)
    too_big.emplace_back("X-Account-Meta-" + std::string(1, 'a' + i), std::string(255, 'x'));
  too_big.emplace_back("X-Account-Meta-Z", "1");  // 4098 in all
  const std::vector<Case> cases = {
      {{{"X-Account-Meta-" + n128 + "n", "v"}}, "Metadata name too long: X-Account-Meta-N" + n128},
      {{{"X-Account-Meta-Long", v256 + "v"}},
       "Metadata value longer than 256: X-Account-Meta-Long"},
      {too_many, "Too many metadata items; max 90"},
      {too_big, "Total metadata too large; max 4096"},
      {{{"X-Account-Meta-", "v"}}, "Metadata name cannot be empty"},
      {{{"X-Account-Meta-Bad", "\xff\xfe"}}, "Metadata must be valid UTF-8"},
      {{{"X-Account-Meta-Ok", "v"}, {"X-Huge", std::string(8193, 'h')}},
       "Header value too long: X-Huge"},
      {{{"X-Account-Meta-Ok", "v"}, {"SlashID-Required-Consistency", "everywhere"}}, ""},
      {{{"X-Account-Meta-Ok", "v"}, {"SlashID-Required-Consistency-Timeout", "121"}}, ""},
  };
  for (const auto& c : cases) {
    ExpectSwiftError(Post(c.headers), 400, c.reason);
    EXPECT_EQ(Snapshot(), before);
  }
  // A body is refused.
  ExpectSwiftError(Post({{"X-Account-Meta-Ok", "v"}}, "some body"), 400);
  EXPECT_EQ(Snapshot(), before);
  // The boundaries themselves are accepted.
  EXPECT_EQ(Post({{"X-Account-Meta-" + n128, "v"}}).status, 204);
  EXPECT_EQ(Post({{"X-Account-Meta-" + n128, ""}, {"X-Account-Meta-Long", v256}}).status, 204);
}

TEST_F(SwiftTest, LimitsApplyToTheStoredPlusTheNewItems) {
  Headers items;
  for (int i = 0; i < 88; ++i) items.emplace_back("X-Account-Meta-K" + std::to_string(i), "v");
  ASSERT_EQ(Post(items).status, 204);
  // Temp-URL keys are ordinary items: they count.
  ASSERT_EQ(
      Post({{"X-Account-Meta-Temp-URL-Key", "a"}, {"X-Account-Meta-Temp-URL-Key-2", "b"}}).status,
      204);
  const std::string full = Snapshot();
  ExpectSwiftError(Post({{"X-Account-Meta-One-More", "v"}}), 400,
                   "Too many metadata items; max 90");
  EXPECT_EQ(Snapshot(), full);
  // Replacing and removing still work at the limit; then there is room again.
  EXPECT_EQ(Post({{"X-Account-Meta-K1", "w"}, {"X-Remove-Account-Meta-K2", "x"}}).status, 204);
  EXPECT_EQ(Post({{"X-Account-Meta-One-More", "v"}}).status, 204);
  // Size: 3 items of 1+255 stored; 16 such make 4096; the 17th byte over is refused.
  Headers clear;
  for (int i = 0; i < 88; ++i)
    clear.emplace_back("X-Remove-Account-Meta-K" + std::to_string(i), "x");
  clear.emplace_back("X-Remove-Account-Meta-One-More", "x");
  clear.emplace_back("X-Remove-Account-Meta-Temp-URL-Key", "x");
  clear.emplace_back("X-Remove-Account-Meta-Temp-URL-Key-2", "x");
  ASSERT_EQ(Post(clear).status, 204);
  EXPECT_EQ(Snapshot(), "");
  Headers half, rest;
  for (int i = 0; i < 8; ++i)
    half.emplace_back("X-Account-Meta-" + std::string(1, 'a' + i), std::string(255, 'x'));
  for (int i = 8; i < 16; ++i)
    rest.emplace_back("X-Account-Meta-" + std::string(1, 'a' + i), std::string(255, 'x'));
  ASSERT_EQ(Post(half).status, 204);
  ASSERT_EQ(Post(rest).status, 204);  // exactly 4096 in all
  const std::string at_limit = Snapshot();
  ExpectSwiftError(Post({{"X-Account-Meta-Z", "1"}}), 400, "Total metadata too large; max 4096");
  EXPECT_EQ(Snapshot(), at_limit);
}

TEST_F(SwiftTest, AuthIsCheckedAndForeignAccountsAreForbidden) {
  ASSERT_EQ(Post({{"X-Account-Meta-Book", "MobyDick"}}).status, 204);
  const std::string before = Snapshot();
  const std::string other = CreateOrg("swift-b");
  const std::string other_key = CreateKey(other, {"read", "write"});
  const std::string reader = CreateKey(org_, {"read"});
  const Headers set = {{"X-Account-Meta-Book", "Changed"}};
  auto with = [&](Headers h) {
    h.insert(h.end(), set.begin(), set.end());
    return h;
  };
  Response none = Send(V::post, path_, set);
  ExpectSwiftError(none, 401);
  EXPECT_FALSE(none.Header("www-authenticate").empty());
  ExpectSwiftError(Send(V::head, path_, {}), 401);
  ExpectSwiftError(Send(V::post, path_, with(Tok(key_ + "x"))), 401);
  ExpectSwiftError(Send(V::get, path_, Tok("wrong")), 401);
  ExpectSwiftError(Send(V::post, path_, with(Tok(other_key))), 403);
  ExpectSwiftError(Send(V::head, path_, Tok(other_key)), 403);
  ExpectSwiftError(Send(V::post, path_, with(Tok(reader))), 403);    // no write scope
  ExpectSwiftError(Send(V::post, "/v1/" + org_, with(Tok())), 403);  // not AUTH_<org>
  ExpectSwiftError(
      Send(V::head, "/v1/AUTH_00000000-0000-4000-8000-000000000000", Tok(AdminToken())), 404);
  ExpectSwiftError(Send(V::get, "/v1/AUTH_" + std::string(300, 'a'), Tok()), 400,
                   "Account name length of 305 longer than 256");
  EXPECT_EQ(Snapshot(), before);
  // Every accepted way of presenting a key.
  EXPECT_EQ(Send(V::head, path_, {{"Authorization", "Bearer " + key_}}).status, 204);
  EXPECT_EQ(Send(V::head, path_, {{"X-Storage-Token", key_}}).status, 204);
  EXPECT_EQ(Send(V::head, path_, Tok(reader)).status, 204);
  EXPECT_EQ(Send(V::post, path_, with(Tok(AdminToken()))).status, 204);
  EXPECT_EQ(Snapshot(), "x-account-meta-book: Changed\n");
  EXPECT_EQ(Snapshot(other), "");  // nothing leaked into the other organization
}

TEST_F(SwiftTest, TempUrlKeysAreShownOnlyToTheOwner) {
  ASSERT_EQ(Post({{"X-Account-Meta-Temp-URL-Key", "k1"},
                  {"X-Account-Meta-Temp-URL-Key-2", "k2"},
                  {"X-Account-Meta-Public", "p"}})
                .status,
            204);
  Response owner = Send(V::head, path_, Tok());
  EXPECT_EQ(owner.Header("x-account-meta-temp-url-key"), "k1");
  EXPECT_EQ(owner.Header("x-account-meta-temp-url-key-2"), "k2");
  Response reader = Send(V::head, path_, Tok(CreateKey(org_, {"read"})));
  EXPECT_EQ(reader.status, 204);
  EXPECT_FALSE(reader.HasHeader("x-account-meta-temp-url-key"));
  EXPECT_FALSE(reader.HasHeader("x-account-meta-temp-url-key-2"));
  EXPECT_EQ(reader.Header("x-account-meta-public"), "p");
  // Rotation: replace key 2, drop key 1.
  EXPECT_EQ(
      Post({{"X-Account-Meta-Temp-URL-Key-2", "k3"}, {"X-Remove-Account-Meta-Temp-URL-Key", "x"}})
          .status,
      204);
  EXPECT_EQ(Snapshot(), "x-account-meta-public: p\nx-account-meta-temp-url-key-2: k3\n");
}

TEST_F(SwiftTest, OtherMethodsPathsAndOversizedBodies) {
  ASSERT_EQ(Post({{"X-Account-Meta-Book", "MobyDick"}}).status, 204);
  const std::string before = Snapshot();
  for (V method : {V::put, V::delete_}) {
    Response r = Send(method, path_, Tok());
    ExpectSwiftError(r, 405);
    EXPECT_EQ(r.Header("allow"), "GET, HEAD, POST");
  }
  ExpectSwiftError(Send(V::get, path_ + "/container", Tok()), 404);
  ExpectSwiftError(Send(V::patch, path_, Tok()), 405);
  ExpectSwiftError(Post({{"X-Account-Meta-Book", "x"}}, std::string(5 << 20, 'b')), 413);
  EXPECT_EQ(Snapshot(), before);
  Response info = Send(V::get, "/info", {});
  EXPECT_EQ(info.status, 200);
  EXPECT_EQ(info.Json().at("swift").at("max_meta_count"), 90);
  EXPECT_EQ(info.Json().at("swift").at("max_meta_overall_size"), 4096);
}

TEST_F(SwiftTest, SwiftMetadataStaysOutOfOtherDialects) {
  ASSERT_EQ(Post({{"X-Account-Meta-Book", "MobyDick"}}).status, 204);
  Response attrs = Send(V::get, "/organizations/attributes",
                        {{"Authorization", "Bearer " + key_}, {"SlashID-OrgID", org_}});
  ASSERT_EQ(attrs.status, 200) << attrs.body;
  EXPECT_EQ(attrs.body.find("MobyDick"), std::string::npos);
  ASSERT_EQ(
      Send(V::patch, "/organizations/attributes/end_user_read_write",
           {{"Authorization", "Bearer " + key_}, {"SlashID-OrgID", org_}}, R"({"plan":"pro"})")
          .status,
      204);
  EXPECT_EQ(Snapshot(), "x-account-meta-book: MobyDick\n");
}

TEST_F(SwiftTest, WritesHonourConsistencyAndA408KeepsTheWrite) {
  const Headers all = {{"SlashID-Required-Consistency", "all_regions"},
                       {"SlashID-Required-Consistency-Timeout", "5"}};
  Headers h = all;
  h.emplace_back("X-Account-Meta-Book", "MobyDick");
  EXPECT_EQ(Post(h).status, 204);  // one node: reached by the local fsync
  // A node whose cluster has a second region that never answers.
  const std::string config = dir_ + "/swift-cluster.json";
  std::ofstream(config) << R"({"cluster_secret":"s","admin_token":"unused","nodes":[
      {"id":"n1","region":"a","api":"127.0.0.1:0","replication":"127.0.0.1:0"},
      {"id":"n2","region":"b","api":"127.0.0.1:1","replication":"127.0.0.1:1"}]})";
  const std::string addr = StartNode({"--config", config, "--node-id", "n1"});
  ASSERT_FALSE(addr.empty());
  Response org = Send(V::post, "/admin/v1/organizations", AdminAuth(), R"({"name":"far"})", addr);
  ASSERT_EQ(org.status, 201) << org.body;
  const std::string far = "/v1/AUTH_" + std::string(org.Json().at("id").as_string());
  const Headers slow = {{"X-Auth-Token", AdminToken()},
                        {"SlashID-Required-Consistency", "all_regions"},
                        {"SlashID-Required-Consistency-Timeout", "1"},
                        {"X-Account-Meta-Book", "MobyDick"}};
  ExpectSwiftError(Send(V::post, far, slow, "", addr), 408);
  EXPECT_EQ(Send(V::head, far, Tok(AdminToken()), "", addr).Header("x-account-meta-book"),
            "MobyDick");
}

}  // namespace
}  // namespace meridian::test

namespace meridian::test {
namespace {

TEST_F(SwiftTest, TheAccountPathWithATrailingSlashIsTheAccount) {
  ASSERT_EQ(Send(V::post, path_ + "/", With(Tok(), "X-Account-Meta-Book", "MobyDick")).status, 204);
  for (V method : {V::head, V::get}) {
    Response r = Send(method, path_ + "/", Tok());
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.Header("x-account-meta-book"), "MobyDick");
  }
  Response put = Send(V::put, path_ + "/", Tok());
  ExpectSwiftError(put, 405);
  EXPECT_EQ(put.Header("allow"), "GET, HEAD, POST");
}

TEST_F(SwiftTest, ListingsNameTheirContentTypeEvenWhenEmpty) {
  // Swift's test_account.py test_GET_HEAD_content_type.
  for (V method : {V::get, V::head}) {
    Response plain = Send(method, path_, Tok());
    EXPECT_EQ(plain.status, 204);
    EXPECT_EQ(plain.Header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(plain.Header("content-length"), "0");
  }
  EXPECT_EQ(Send(V::head, path_ + "?format=json", Tok()).Header("content-type"),
            "application/json; charset=utf-8");
  EXPECT_EQ(Send(V::head, path_ + "?format=xml", Tok()).Header("content-type"),
            "application/xml; charset=utf-8");
  EXPECT_EQ(Send(V::get, path_ + "?format=json", Tok()).Header("content-type"),
            "application/json; charset=utf-8");
}

TEST_F(SwiftTest, PathsNamingNoAccountAreBadUrls) {
  for (V method : {V::put, V::get, V::post, V::delete_}) {
    ExpectSwiftError(Send(method, "/v1", {}), 412, "Bad URL");
    ExpectSwiftError(Send(method, "/v1/", Tok()), 412, "Bad URL");
  }
}

TEST_F(SwiftTest, AnAccountPathThatIsNotUtf8Is412BeforeAuthorization) {
  const std::string before = Snapshot();
  for (const std::string& account :
       std::vector<std::string>{"AUTH_%FF", "AUTH_%00", "AUTH_" + org_ + "%C0%AF"}) {
    for (const Headers& auth : {Headers{}, Tok("wrong"), Tok()}) {
      for (V method : {V::head, V::get, V::post, V::put, V::delete_}) {
        Response r = Send(method, "/v1/" + account, With(auth, "X-Account-Meta-Book", "x"));
        ExpectSwiftError(r, 412, method == V::head ? "" : "Invalid UTF8 or contains NULL");
      }
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(SwiftTest, AccessControlListsAreRefusedNotStored) {
  const std::string before = Snapshot();
  ExpectSwiftError(Post({{"X-Account-Access-Control", R"({"read-only":["alice"]})"}}), 400);
  ExpectSwiftError(
      Send(V::post, path_,
           {{"X-Auth-Token", AdminToken()}, {"X-Account-Access-Control", R"({"admin":["bob"]})"}}),
      400);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_FALSE(Send(V::head, path_, Tok(AdminToken())).HasHeader("x-account-access-control"));
}

TEST_F(SwiftTest, QuotasAreTheResellerAdminsAndNeverMetadata) {
  // Swift's test_account.py TestAccountQuotas, with the operator's key as the reseller admin.
  const std::string before = Snapshot();
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-Account-Meta-Quota-Bytes", "0"},
                                                        {"X-Account-Quota-Bytes", "0"},
                                                        {"X-Account-Quota-Count", "0"},
                                                        {"X-Account-Quota-Bytes", ""},
                                                        {"X-Account-Quota-Bytes-Policy-gold", "0"},
                                                        {"X-Remove-Account-Meta-Quota-Bytes", "t"},
                                                        {"X-Remove-Account-Quota-Bytes", "t"},
                                                        {"X-Remove-Account-Quota-Count", "t"}}) {
    ExpectSwiftError(Post({{name, value}}), 403);
  }
  EXPECT_EQ(Snapshot(), before);
  const Headers admin = Tok(AdminToken());
  auto quota = [&](const std::string& header) {
    Response r = Send(V::head, path_, Tok());  // the user sees the quota
    EXPECT_EQ(r.status, 204);
    EXPECT_FALSE(r.HasHeader("x-account-meta-quota-bytes"));
    return r.HasHeader(header) ? r.Header(header) : std::string("none");
  };
  for (const std::string header :
       {"X-Account-Meta-Quota-Bytes", "X-Account-Quota-Bytes", "X-Account-Quota-Count"}) {
    std::string shown =
        header == "X-Account-Quota-Count" ? "x-account-quota-count" : "x-account-quota-bytes";
    std::string remove = "X-Remove-" + header.substr(2);
    ASSERT_EQ(Send(V::post, path_, With(admin, header, "123")).status, 204) << header;
    EXPECT_EQ(quota(shown), "123");
    ASSERT_EQ(Send(V::post, path_, With(admin, remove, "t")).status, 204);
    EXPECT_EQ(quota(shown), "none");
    ASSERT_EQ(Send(V::post, path_, With(admin, header, "111")).status, 204);
    EXPECT_EQ(quota(shown), "111");
    ASSERT_EQ(Send(V::post, path_, With(admin, header, "")).status, 204);
    EXPECT_EQ(quota(shown), "none");
    ASSERT_EQ(Send(V::post, path_, With(admin, header, "0")).status, 204);
    EXPECT_EQ(quota(shown), "0");
    ExpectSwiftError(Send(V::post, path_, With(admin, header, "12a")), 400);
    EXPECT_EQ(quota(shown), "0");
    ASSERT_EQ(Send(V::post, path_, With(admin, header, "")).status, 204);
  }
  ExpectSwiftError(Send(V::post, path_, With(admin, "X-Account-Quota-Bytes-Policy-gold", "1")),
                   400);
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace meridian::test
