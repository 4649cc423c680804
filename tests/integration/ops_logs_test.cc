// Operator logs and SIGHUP (docs/operations.md, "Logs"; docs/configuration.md, "Reloading"),
// read from a real node's log output: every 5xx is logged once with the request's id (the HTTP
// server's own 503s and 500s included), the access
// log is off by default and logs every request when on, a refused peer is logged, and SIGHUP
// applies an edited config file's log level, access log and rate limits without a restart.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/node_test.h"
#include "tests/support/ports.h"

namespace meridian::test {
namespace {
using V = http::verb;

// The lines of `log` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& log, const std::string& needle) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

// Waits (bounded: 10 s) until the node's log holds `needle` `count` times.
bool WaitForLog(NodeProcess& node, const std::string& needle, size_t count = 1) {
  for (int i = 0; i < 200; ++i) {
    if (LinesWith(node.ReadLog(1 << 20), needle).size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Headers WithId(Headers h, const std::string& id) {
  h.emplace_back("X-Request-Id", id);
  return h;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

class OpsLogsTest : public NodeTest {};

TEST_F(OpsLogsTest, EveryServerErrorIsLoggedOnceWithItsRequestId) {
  // Access log off (the default): a 2xx leaves no line.
  ASSERT_EQ(Client().Request(V::get, "/healthz", WithId({}, "quiet-trace-1")).status, 200);
  // The operator's drain makes every write a 503.
  ASSERT_EQ(Client().Request(V::post, "/admin/v1/drain?timeout_ms=2000", AdminAuth()).status, 200);
  auto refused =
      Client().Request(V::put, "/admin/v1/store/t/n/k", WithId(AdminAuth(), "trace-5xx-abc"), "v");
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.Header("X-Request-Id"), "trace-5xx-abc");
  ASSERT_TRUE(WaitForLog(node(), "trace-5xx-abc"));
  const std::string log = node().ReadLog(1 << 20);
  auto lines = LinesWith(log, "trace-5xx-abc");
  ASSERT_EQ(lines.size(), 1u) << log;
  EXPECT_NE(lines[0].find("level=error event=request request_id=\"trace-5xx-abc\""),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("method=PUT target=\"/admin/v1/store/t/n/k\" status=503"),
            std::string::npos)
      << lines[0];
  EXPECT_TRUE(LinesWith(log, "quiet-trace-1").empty()) << log;
  // A client's id cannot forge a field or a line.
  ASSERT_EQ(Client()
                .Request(V::put, "/admin/v1/store/t/n/k", WithId(AdminAuth(), "x\"status=200"), "v")
                .status,
            503);
  ASSERT_TRUE(WaitForLog(node(), "x\\\"status=200"));
}

TEST_F(OpsLogsTest, TheServersOwn503IsLoggedWithItsRequestId) {
  // One connection in full service; the next is over the cap and gets the server's own 503.
  const std::string config = dir_ + "/limits.json";
  WriteFile(config, R"({"limits":{"max_connections":1}})");
  const std::string address = StartNode({"--config", config});
  ASSERT_FALSE(address.empty());
  const auto port = static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  RawConnection held(port);
  ASSERT_TRUE(held.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(held.Read(std::chrono::seconds(5)).response.status, 200);
  RawReply shed = SendRawBytes(port, "GET /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(shed.response.status, 503) << shed.bytes;
  const std::string id = shed.response.Header("X-Request-Id");
  ASSERT_FALSE(id.empty()) << shed.bytes;
  std::string log;
  for (int i = 0; i < 200 && LinesWith(log, id).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(dir_ + "/node2.log");
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto lines = LinesWith(log, id);
  ASSERT_EQ(lines.size(), 1u) << log;
  EXPECT_NE(lines[0].find("level=error event=request request_id=\"" + id + "\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("method=GET target=\"/admin/v1/organizations\" status=503"),
            std::string::npos)
      << lines[0];
}

TEST_F(OpsLogsTest, AccessLogLogsEveryRequestOnceWhenOn) {
  const std::string address = StartNode({"--access-log", "true"});
  ASSERT_FALSE(address.empty());
  HttpClient client(address);
  ASSERT_EQ(client.Request(V::get, "/healthz", WithId({}, "access-trace-1")).status, 200);
  ASSERT_EQ(client.Request(V::get, "/no/such/route", WithId({}, "access-trace-2")).status, 404);
  // StartNode's node logs to dir_/node2.log (NodeTest names the second node "node2").
  std::string log;
  for (int i = 0; i < 200 && LinesWith(log, "access-trace-2").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(dir_ + "/node2.log");
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto ok = LinesWith(log, "access-trace-1");
  auto missing = LinesWith(log, "access-trace-2");
  ASSERT_EQ(ok.size(), 1u) << log;
  ASSERT_EQ(missing.size(), 1u) << log;
  EXPECT_NE(ok[0].find("level=info event=request"), std::string::npos) << ok[0];
  EXPECT_NE(ok[0].find("method=GET target=\"/healthz\" status=200 duration_ms="), std::string::npos)
      << ok[0];
  EXPECT_NE(missing[0].find("status=404"), std::string::npos) << missing[0];
}

TEST_F(OpsLogsTest, SighupAppliesTheEditedLogLevelAccessLogAndRateLimits) {
  const std::string file = dir_ + "/reload.json";
  WriteFile(file, R"({"log_level": "info", "access_log": true, "rate_limits": {"ocamba": {}}})");
  NodeOptions options;
  options.work_dir = dir_;
  options.name = "reloading";
  options.admin_token = AdminToken();
  options.extra_args = {"--config", file};
  NodeProcess node(options);
  ASSERT_TRUE(node.Start());
  HttpClient client(node.address());
  auto org = client.Request(V::post, "/admin/v1/organizations", AdminAuth(), R"({"name":"acme"})");
  ASSERT_EQ(org.status, 201) << org.body;
  const std::string org_id(org.Json().as_object().at("id").as_string());
  Headers ocamba = AdminAuth();
  ocamba.emplace_back("SlashID-OrgID", org_id);
  // Ocamba's limit off: a burst passes.
  for (int i = 0; i < 5; ++i) {
    auto r = client.Request(V::get, "/v1/hood/profile-properties", ocamba);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  ASSERT_EQ(client.Request(V::get, "/healthz", WithId({}, "before-reload-trace")).status, 200);
  ASSERT_TRUE(WaitForLog(node, "before-reload-trace"));

  // A file that no longer parses changes nothing, and says so.
  WriteFile(file, "{not json");
  ASSERT_TRUE(node.Signal(SIGHUP));
  ASSERT_TRUE(WaitForLog(node, "event=config_reload_failed keeping=previous"));

  WriteFile(file, R"({"log_level": "warn", "access_log": true,
                      "rate_limits": {"ocamba": {"burst_per_second": 2}}})");
  ASSERT_TRUE(node.Signal(SIGHUP));
  ASSERT_TRUE(WaitForLog(node, "event=config_reloaded"));
  const std::string log = node.ReadLog(1 << 20);
  auto reloaded = LinesWith(log, "event=config_reloaded");
  ASSERT_EQ(reloaded.size(), 1u) << log;
  EXPECT_NE(reloaded[0].find("changed=log_level,rate_limits log_level=warn access_log=true"),
            std::string::npos)
      << reloaded[0];
  EXPECT_NE(reloaded[0].find("ocamba=2/s,0/min"), std::string::npos) << reloaded[0];

  // The new limit: a burst of 2 per second, so of 4 at once at least one is refused.
  int refused = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = client.Request(V::get, "/v1/hood/profile-properties", ocamba);
    if (r.status == 429) ++refused;
    ASSERT_TRUE(r.status == 200 || r.status == 429) << r.status << r.body;
  }
  EXPECT_GE(refused, 1);
  // The new level: access lines (info) are no longer written.
  ASSERT_EQ(client.Request(V::get, "/healthz", WithId({}, "after-reload-trace")).status, 200);
  ASSERT_EQ(node.Terminate(), 0);
  EXPECT_TRUE(LinesWith(node.ReadLog(1 << 20), "after-reload-trace").empty());
}

TEST_F(OpsLogsTest, RefusedPeerIsLogged) {
  // Two nodes of one cluster file, but the second one holds another secret: each refuses the
  // other's link and logs why, with the address it came from and the node it claimed to be.
  const uint16_t r1 = FreeLoopbackPort(), r2 = FreeLoopbackPort();
  auto cluster = [&](const std::string& secret) {
    return R"({"cluster_secret": ")" + secret + R"(", "nodes": [
      {"id": "n1", "region": "r1", "api": "127.0.0.1:0", "replication": "127.0.0.1:)" +
           std::to_string(r1) + R"("},
      {"id": "n2", "region": "r2", "api": "127.0.0.1:0", "replication": "127.0.0.1:)" +
           std::to_string(r2) + R"("}]})";
  };
  WriteFile(dir_ + "/c1.json", cluster("secret-one"));
  WriteFile(dir_ + "/c2.json", cluster("secret-two"));
  std::vector<std::unique_ptr<NodeProcess>> nodes;
  for (int i = 1; i <= 2; ++i) {
    NodeOptions options;
    options.work_dir = dir_;
    options.name = "peer" + std::to_string(i);
    options.admin_token = AdminToken();
    options.extra_args = {"--config", dir_ + "/c" + std::to_string(i) + ".json", "--node-id",
                          "n" + std::to_string(i)};
    nodes.push_back(std::make_unique<NodeProcess>(options));
    ASSERT_TRUE(nodes.back()->Start());
  }
  ASSERT_TRUE(WaitForLog(*nodes[0], "event=peer_rejected reason=authentication"));
  const std::string log = nodes[0]->ReadLog(1 << 20);
  auto rejected = LinesWith(log, "event=peer_rejected");
  ASSERT_FALSE(rejected.empty());
  EXPECT_NE(rejected[0].find("claimed=n2"), std::string::npos) << rejected[0];
  EXPECT_NE(rejected[0].find("remote=127.0.0.1:"), std::string::npos) << rejected[0];
  ASSERT_TRUE(WaitForLog(*nodes[1], "event=peer_rejected reason=authentication"));
}

}  // namespace
}  // namespace meridian::test
