// The API over HTTPS (docs/security.md): with api_tls the listener speaks only HTTPS, `curl
// --cacert` reaches it, a plain HTTP request gets no HTTP answer, a stalled handshake is dropped
// by the read timeout, and a certificate swapped under SIGHUP serves the next connection.
// Certificates are made at run time with the openssl command.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/cluster.h"
#include "tests/support/http_client.h"
#include "tests/support/node_process.h"
#include "tests/support/test_certs.h"

namespace meridian::test {
namespace {
using namespace std::chrono_literals;

// The HTTP status curl got from `url` trusting `ca_file` ("000" when the TLS handshake failed).
std::string CurlStatus(const std::string& ca_file, const std::string& url) {
  const std::string command = "curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert '" +
                              ca_file + "' '" + url + "' 2>/dev/null";
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[64];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    pclose(pipe);
  }
  return out;
}

TEST(ApiTlsTest, HttpsOnlyCurlReachesItPlainHttpIsRefusedAndSighupSwapsTheCertificate) {
  TempDir dir("meridian-api-tls-");
  TestCa ca(dir.path(), "api");
  TestCa other(dir.path(), "other");
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(other.ok());
  CertFiles server, swapped;
  ASSERT_TRUE(ca.IssueForLoopback("server", &server));
  ASSERT_TRUE(other.IssueForLoopback("swapped", &swapped));
  const std::string config = dir.path() + "/node.json";
  {
    std::ofstream out(config);
    out << R"({"limits": {"read_timeout_s": 1}, "api_tls": {"cert_file": ")" << server.cert
        << R"(", "key_file": ")" << server.key << "\"}}\n";
  }
  NodeOptions options;
  options.work_dir = dir.path();
  options.admin_token = "api-tls-test-admin-token-0a1b2c";
  options.extra_args = {"--config", config};
  NodeProcess node(options);
  ASSERT_TRUE(node.Start());
  const std::string url = "https://127.0.0.1:" + std::to_string(node.port()) + "/healthz";

  EXPECT_EQ(CurlStatus(ca.ca_file(), url), "200") << node.ReadLog();
  EXPECT_NE(CurlStatus(other.ca_file(), url), "200");

  // Plain HTTP gets no HTTP answer, only the connection closed.
  RawReply plain = SendRawBytes(node.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 10s);
  EXPECT_EQ(plain.response.status, 0) << plain.bytes;
  EXPECT_TRUE(plain.peer_closed);
  // A client that never starts the handshake is dropped by the read timeout (1 s here).
  const auto started = std::chrono::steady_clock::now();
  RawReply stalled = SendRawBytes(node.port(), "", 10s);
  EXPECT_TRUE(stalled.peer_closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 8s);
  EXPECT_EQ(CurlStatus(ca.ca_file(), url), "200") << "a failed handshake must cost only itself";

  // SIGHUP with a broken file keeps the old certificate; with a good one the next connection
  // presents the new one.
  namespace fs = std::filesystem;
  fs::copy_file(server.cert, server.cert + ".orig");
  { std::ofstream(server.cert, std::ios::trunc) << "garbage\n"; }
  ASSERT_TRUE(node.Signal(SIGHUP));
  EXPECT_TRUE(PollUntil(
      [&] { return node.ReadLog().find("api_tls_reload_failed") != std::string::npos; }, 10s));
  EXPECT_EQ(CurlStatus(ca.ca_file(), url), "200");
  fs::copy_file(swapped.cert, server.cert, fs::copy_options::overwrite_existing);
  fs::copy_file(swapped.key, server.key, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(node.Signal(SIGHUP));
  EXPECT_TRUE(
      PollUntil([&] { return node.ReadLog().find("api_tls_reloaded") != std::string::npos; }, 10s));
  EXPECT_EQ(CurlStatus(other.ca_file(), url), "200") << node.ReadLog();
  EXPECT_NE(CurlStatus(ca.ca_file(), url), "200");
}

}  // namespace
}  // namespace meridian::test
