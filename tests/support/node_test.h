// Test harness: NodeTest, the gtest fixture of tests against one real meridiand (a fresh
// temp dir, data dir and port per test, the admin key kAdminToken), with helpers to create
// organizations, API keys and buckets, and to check the operator/SlashID error envelope.
// Fixture methods run on the test's main thread only.
#ifndef MERIDIAN_TESTS_SUPPORT_NODE_TEST_H_
#define MERIDIAN_TESTS_SUPPORT_NODE_TEST_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/node_process.h"

namespace meridian::test {

// The operator's admin key every NodeTest node gets through MERIDIAN_ADMIN_TOKEN.
inline constexpr std::string_view kTestAdminToken = "meridian-test-admin-token-5f0c2a";

// `text` parsed as JSON; null when it is not JSON.
boost::json::value ParseJson(std::string_view text);

// {"Authorization": "Bearer <key>"}.
Headers BearerAuth(std::string_view key);

// Passes when `r` has `status` and the body {"meta": {}, "errors": [{"httpcode": status,
// "message": "<non-empty>"}]}.
testing::AssertionResult IsErrorEnvelope(const Response& r, int status);

// The port of the listener a node logged as `event` ("grpc_listening ... addr=127.0.0.1:PORT"),
// polling the log for up to 5 s; 0 if none.
int PortFromLog(const std::string& log_path, std::string_view event);

struct CreatedKey {
  std::string id;
  std::string secret;  // shown only in the creation answer
};

class NodeTest : public testing::Test {
 protected:
  // Makes the temp dir and starts the node; a failure here skips the test body.
  void SetUp() override;
  void TearDown() override;

  NodeProcess& node() { return *node_; }
  // A keep-alive client to node(), rebuilt when the node's port changed (after a restart).
  HttpClient& Client();
  const std::string& AdminToken() const { return admin_token_; }
  Headers AdminAuth() const { return BearerAuth(admin_token_); }

  // Each records a test failure and returns "" (or empty fields) when the node refuses.
  std::string CreateOrg(const std::string& name);
  CreatedKey CreateApiKey(const std::string& org_id, const std::vector<std::string>& scopes,
                          const std::string& name = "test-key");
  std::string CreateKey(const std::string& org_id, const std::vector<std::string>& scopes);
  // POST .../attribute-buckets with the admin key; returns the status.
  int CreateBucket(const std::string& org_id, const std::string& bucket);

  // Starts another node in dir_ with `flags` appended and the same admin key. Returns its
  // address "127.0.0.1:PORT", or "" (with a test failure) if it did not become ready. It is
  // stopped at TearDown.
  std::string StartNode(const std::vector<std::string>& flags);

  std::string dir_;  // this test's temp dir (node data, logs, scratch files)

 private:
  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<NodeProcess> node_;
  std::optional<HttpClient> client_;
  std::vector<std::unique_ptr<NodeProcess>> other_nodes_;
  std::string admin_token_{kTestAdminToken};
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_NODE_TEST_H_
