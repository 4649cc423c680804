// The benchmark clients against real nodes, over plain connections and over TLS: meridian-loadgen
// (SlashID and ZITADEL JSON workloads; --tls/https:// with --cacert) and meridian-grpc-load
// (SetOrgMetadata over gRPC, plaintext and with --cacert against an api_tls node's gRPC port).
// Each run is a second long; what is checked is that every request succeeded, never its speed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/command.h"
#include "tests/support/http_client.h"
#include "tests/support/node_process.h"
#include "tests/support/node_test.h"
#include "tests/support/test_certs.h"

namespace meridian::test {
namespace {

// A tool of the build tree with `args` (shell text), killed after 120 s.
CommandRun RunTool(const std::string& relative, const std::string& args) {
  return RunCommand("'" + BuildTreePath(relative) + "' " + args);
}

constexpr char kLoadgen[] = "tools/loadgen/meridian-loadgen";
constexpr char kGrpcLoad[] = "tools/bench/grpc_load/meridian-grpc-load";
constexpr char kShort[] = " --duration 1 --warmup 0 --connections 4 --threads 1 --json";

TEST(LoadgenTlsTest, BenchClientsRunCleanOverPlainAndTlsAndRefuseAnUntrustedNode) {
  TempDir dir("meridian-loadgen-tls-");
  TestCa ca(dir.path(), "api");
  TestCa other(dir.path(), "other");
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(other.ok());
  CertFiles server;
  ASSERT_TRUE(ca.IssueForLoopback("server", &server));
  NodeOptions options;
  options.work_dir = dir.path();
  options.admin_token = std::string(kTestAdminToken);
  options.extra_args = {"--grpc-listen", "127.0.0.1:0"};
  NodeProcess node(options);
  ASSERT_TRUE(node.Start());
  std::string key;
  {
    HttpClient http(node.address());
    auto org = http.Request(http::verb::post, "/admin/v1/organizations",
                            BearerAuth(kTestAdminToken), R"({"name":"bench"})");
    ASSERT_EQ(org.status, 201) << org.body;
    auto made = http.Request(
        http::verb::post,
        "/admin/v1/organizations/" + std::string(org.Json().at("id").as_string()) + "/api-keys",
        BearerAuth(kTestAdminToken), R"({"name":"g","scopes":["read","write"]})");
    ASSERT_EQ(made.status, 201) << made.body;
    key = std::string(made.Json().at("key").as_string());
  }
  const std::string admin = " --admin-token " + std::string(kTestAdminToken);
  const std::string small = " --orgs 2 --keys 20";

  // Plain: ZITADEL JSON writes with loadgen, the same over gRPC with meridian-grpc-load.
  CommandRun r = RunTool(kLoadgen, "--target " + node.address() + admin + small +
                                       " --workload zitadel-set --value-bytes 200" + kShort);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"non2xx\":0"), std::string::npos) << r.out;
  int grpc_port = PortFromLog(node.log_path(), "grpc_listening");
  ASSERT_GT(grpc_port, 0);
  r = RunTool(kGrpcLoad, "--target 127.0.0.1:" + std::to_string(grpc_port) + " --key " + key +
                             " --concurrency 4 --keys 20 --duration 1 --warmup 0 --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"failed\":0"), std::string::npos) << r.out;
  EXPECT_EQ(RunTool(kLoadgen, "--target " + node.address() + admin +
                                  " --workload zitadel-set --value-bytes 201")
                .exit_code,
            2)
      << "base64 text comes in fours";

  // HTTPS: with the CA the node's certificate chains to, clean; with another, refused at setup.
  ASSERT_EQ(node.Terminate(), 0);
  node.set_extra_args(
      {"--grpc-listen", "127.0.0.1:0", "--api-tls-cert", server.cert, "--api-tls-key", server.key});
  ASSERT_TRUE(node.Restart());
  const std::string https = "https://" + node.address();
  r = RunTool(kLoadgen, "--target " + https + " --cacert " + ca.ca_file() + admin + small +
                            " --workload mixed --patch-ratio 0.5" + kShort);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"non2xx\":0,\"errors\":0"), std::string::npos) << r.out;
  r = RunTool(kLoadgen, "--target " + node.address() + " --tls --cacert " + ca.ca_file() + admin +
                            small + " --workload get" + kShort);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = RunTool(kLoadgen, "--target " + https + " --cacert " + other.ca_file() + admin + kShort);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("setup failed"), std::string::npos) << r.out;
  EXPECT_EQ(RunTool(kLoadgen, "--target " + https + admin).exit_code, 2) << "TLS needs --cacert";

  // gRPC over TLS (api_tls covers the gRPC port): with the CA, clean; plaintext cannot connect.
  grpc_port = 0;
  for (int i = 0; i < 200 && grpc_port == 0; ++i) {
    // The restarted node's line is the last one; PortFromLog finds the first.
    const std::string log = node.ReadLog(1 << 20);
    const auto at = log.rfind("grpc_listening addr=127.0.0.1:");
    if (at != std::string::npos && log.find("tls=true", at) != std::string::npos) {
      grpc_port = std::stoi(log.substr(at + std::string("grpc_listening addr=127.0.0.1:").size()));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ASSERT_GT(grpc_port, 0) << node.ReadLog();
  const std::string grpc_target = " --target localhost:" + std::to_string(grpc_port);
  r = RunTool(kGrpcLoad, grpc_target + " --cacert " + ca.ca_file() + " --key " + key +
                             " --concurrency 4 --keys 20 --duration 1 --warmup 0 --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"tls\":true"), std::string::npos) << r.out;
  r = RunTool(kGrpcLoad, grpc_target + " --key " + key + " --duration 1 --warmup 0");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

}  // namespace
}  // namespace meridian::test
