// The probe listener (probe_listen, docs/configuration.md): /healthz, /readyz and /metrics on
// an address of their own, served by a thread of their own, and nothing else there; the API's
// address keeps serving everything.
#include <gtest/gtest.h>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using V = http::verb;

class ProbeListenerTest : public NodeTest {};

TEST_F(ProbeListenerTest, ServesTheThreeProbesAndNothingElse) {
  const std::string api = StartNode({"--probe-listen", "127.0.0.1:0"});
  ASSERT_FALSE(api.empty());
  const int port = PortFromLog(dir_ + "/node2.log", "probe_listening");
  ASSERT_GT(port, 0) << "no probe_listening line in node2.log";
  HttpClient probes("127.0.0.1:" + std::to_string(port));
  probes.DoNotRecord();  // not the API: docs/openapi/ does not describe this address
  auto health = probes.Request(V::get, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  auto ready = probes.Request(V::get, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  auto metrics = probes.Request(V::get, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE "), std::string::npos);
  // The operator API and the dialects are not served there, even with the admin key.
  EXPECT_EQ(probes.Request(V::get, "/admin/v1/organizations", AdminAuth()).status, 404);
  EXPECT_EQ(probes.Request(V::get, "/cluster/v1/status", AdminAuth()).status, 404);
  HttpClient main(api);
  EXPECT_EQ(main.Request(V::get, "/admin/v1/organizations", AdminAuth()).status, 200);
  EXPECT_EQ(main.Request(V::get, "/healthz").status, 200);
}

TEST_F(ProbeListenerTest, AnAddressThatDoesNotParseIsRefusedAtStart) {
  NodeOptions options;
  options.work_dir = dir_;
  options.name = "bad";
  options.ready_timeout = std::chrono::seconds(5);
  options.extra_args = {"--probe-listen", "nowhere"};
  NodeProcess bad(options);
  EXPECT_FALSE(bad.Start());
}

}  // namespace
}  // namespace meridian::test
