// Swift TempAuth tokens (docs/swift.md): every authentication gets a fresh random token, not
// the API key; it carries X-Auth-Token-Expires, is refused (401) after it expires and once its
// key is revoked; python-swiftclient re-authenticates on that 401 by itself. The node runs with
// "swift": {"token_ttl_s": 2}. Every wait is bounded.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/cluster.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using namespace std::chrono_literals;

class SwiftTokenTest : public NodeTest {
 protected:
  void StartShortTtlNode() {
    const std::string config = dir_ + "/swift-ttl.json";
    std::ofstream(config) << R"({"swift": {"token_ttl_s": 2}})"
                          << "\n";
    address_ = StartNode({"--config", config});
    ASSERT_FALSE(address_.empty());
    HttpClient c(address_);
    Response org =
        c.Request(http::verb::post, "/admin/v1/organizations", AdminAuth(), R"({"name":"tokens"})");
    ASSERT_EQ(org.status, 201) << org.body;
    org_ = std::string(org.Json().at("id").as_string());
    Response key = c.Request(http::verb::post, "/admin/v1/organizations/" + org_ + "/api-keys",
                             AdminAuth(), R"({"name":"k","scopes":["read","write"]})");
    ASSERT_EQ(key.status, 201) << key.body;
    key_ = std::string(key.Json().at("key").as_string());
    key_id_ = std::string(key.Json().at("id").as_string());
  }

  Response Auth() {
    return HttpClient(address_).Request(http::verb::get, "/auth/v1.0",
                                        {{"X-Auth-User", org_ + ":u"}, {"X-Auth-Key", key_}});
  }
  int Head(const std::string& token) {
    return HttpClient(address_)
        .Request(http::verb::head, "/v1/AUTH_" + org_, {{"X-Auth-Token", token}})
        .status;
  }

  std::string address_, org_, key_, key_id_;
};

TEST_F(SwiftTokenTest, TokensAreFreshExpireAndDieWithTheirKey) {
  StartShortTtlNode();
  Response first = Auth();
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string token = first.Header("X-Auth-Token");
  EXPECT_TRUE(token.starts_with("mst_")) << token;
  EXPECT_NE(token, key_);
  EXPECT_EQ(first.Header("X-Storage-Token"), token);
  EXPECT_EQ(first.Header("X-Auth-Token-Expires"), "2");
  Response second = Auth();
  EXPECT_NE(second.Header("X-Auth-Token"), token) << "a token per authentication";
  EXPECT_EQ(Head(token) / 100, 2);

  // Expired: 401.
  EXPECT_TRUE(PollUntil([&] { return Head(token) == 401; }, 10s, 200ms));
  const std::string fresh = Auth().Header("X-Auth-Token");
  EXPECT_EQ(Head(fresh) / 100, 2);
  EXPECT_EQ(Head("mst_0000000000000000000000000000000000000000"), 401);

  // Revoked key: its live token dies with it.
  Response revoke = HttpClient(address_).Request(
      http::verb::delete_, "/admin/v1/organizations/" + org_ + "/api-keys/" + key_id_, AdminAuth());
  ASSERT_EQ(revoke.status / 100, 2) << revoke.body;
  EXPECT_EQ(Head(fresh), 401);
  EXPECT_EQ(Auth().status, 401);
}

// The node collects the records of its own expired tokens (a sweep every min(ttl, 60 s)); a
// token that is still live keeps its record.
TEST_F(SwiftTokenTest, ExpiredTokenRecordsAreCollected) {
  StartShortTtlNode();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Auth().status, 200);
  auto stored = [&] {
    Response ls = HttpClient(address_).Request(http::verb::get, "/admin/v1/store/_/swift_tokens",
                                               AdminAuth());
    EXPECT_EQ(ls.status, 200) << ls.body;
    return ls.status == 200 ? ls.Json().at("result").as_array().size() : size_t{99};
  };
  EXPECT_EQ(stored(), 3u);
  EXPECT_TRUE(PollUntil([&] { return stored() == 0; }, 15s, 250ms)) << stored();
  // A live token survives the sweeps that follow.
  const std::string live = Auth().Header("X-Auth-Token");
  EXPECT_EQ(stored(), 1u);
  EXPECT_EQ(Head(live) / 100, 2);
}

TEST_F(SwiftTokenTest, PythonSwiftclientReauthenticatesAfterExpiry) {
  if (std::system("/usr/bin/python3 -c 'import swiftclient' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-swiftclient is not installed; tools/setup.sh installs it";
  }
  StartShortTtlNode();
  const std::string script =
      "import time, swiftclient.client as c\n"
      "conn = c.Connection(authurl='http://" +
      address_ + "/auth/v1.0', user='" + org_ + ":u', key='" + key_ +
      "', retries=2, starting_backoff=0.1)\n"
      "conn.head_account(); first = conn.token\n"
      "time.sleep(3)\n"
      "conn.head_account()\n"
      "print('reauthenticated' if conn.token != first else 'same token')\n";
  const std::string path = dir_ + "/reauth.py";
  std::ofstream(path) << script;
  std::string out;
  if (FILE* pipe = popen(("timeout 60 /usr/bin/python3 " + path + " 2>&1").c_str(), "r")) {
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
    pclose(pipe);
  }
  EXPECT_NE(out.find("reauthenticated"), std::string::npos) << out;
}

}  // namespace
}  // namespace meridian::test
