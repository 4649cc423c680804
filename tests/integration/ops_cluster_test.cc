// meridianctl against a three-region LocalCluster: drain reports when a node's writes reached
// every peer, and not while a peer is cut off; writes through the operator store endpoint
// replicate like any other; status lists every peer, status --cluster every node; promtool
// accepts the metrics of a node with peers; per-peer traffic and each peer's last link error
// show in the status, the metrics and `meridianctl status`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/ctl_run.h"
#include "tests/support/http_client.h"
#include "tests/support/local_cluster.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using V = http::verb;

class OpsClusterTest : public testing::Test {
 protected:
  void SetUp() override {
    if (MeridiandPath().empty() || ProxyPath().empty())
      GTEST_SKIP() << "MERIDIAND or the proxy is not set";
    cluster_ = std::make_unique<LocalCluster>();
    ASSERT_TRUE(cluster_->Start());
  }

  // meridianctl against node i; returns the exit code, output in `out`.
  int Ctl(int i, const std::string& args, std::string* out = nullptr) {
    CtlRun run = RunCtl(cluster_->node(i).address(), cluster_->admin_token(), args);
    if (out != nullptr) *out = run.out;
    return run.exit_code;
  }

  std::unique_ptr<LocalCluster> cluster_;
};

TEST_F(OpsClusterTest, StoreWritesReplicateAndDrainWaitsForEveryPeer) {
  std::string out;
  ASSERT_EQ(Ctl(0, "put t ns k v1 --all-regions", &out), 0) << out;
  for (int i = 1; i < cluster_->size(); ++i) {
    EXPECT_EQ(Ctl(i, "get t ns k", &out), 0);
    EXPECT_EQ(out, "v1");
  }
  ASSERT_EQ(Ctl(0, "-o json status", &out), 0) << out;
  EXPECT_EQ(ParseJson(out).at("peers").as_array().size(), 2u) << out;

  // A cut-off peer cannot ack: drain says so (exit 1) within its timeout.
  ASSERT_TRUE(cluster_->Isolate(2));
  ASSERT_EQ(Ctl(0, "put t ns k v2", &out), 0) << out;
  EXPECT_EQ(Ctl(0, "-o json drain --timeout 1", &out), 1) << out;
  EXPECT_EQ(ParseJson(out).at("replicated"), false) << out;
  EXPECT_EQ(Ctl(0, "put t ns k v3", &out), 4) << out;  // drained: writes refused
  // Healed, the peer catches up and the drain completes.
  ASSERT_TRUE(cluster_->HealAll());
  EXPECT_EQ(Ctl(0, "-o json drain --timeout 30", &out), 0) << out;
  EXPECT_EQ(Ctl(2, "get t ns k", &out), 0);
  EXPECT_EQ(out, "v2");
  EXPECT_EQ(Ctl(0, "drain --cancel", &out), 0) << out;
  EXPECT_EQ(Ctl(0, "put t ns k v4", &out), 0) << out;
}

TEST_F(OpsClusterTest, StatusOfTheClusterListsEveryNodeAndFailsWhenOneIsDown) {
  std::string endpoints;
  for (int i = 0; i < cluster_->size(); ++i) {
    endpoints += (i ? "," : "") + std::string("http://") + cluster_->node(i).address();
  }
  std::string out;
  // Every link up first (bounded: 30 s), then the table.
  for (int i = 0; i < 300; ++i) {
    if (Ctl(0, "status --cluster --endpoints " + endpoints, &out) == 0 &&
        out.find("2/2") != std::string::npos && out.find("0/2") == std::string::npos &&
        out.find("1/2") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Ctl(0, "status --cluster --endpoints " + endpoints, &out), 0) << out;
  EXPECT_NE(out.find("PEERS_UP"), std::string::npos) << out;
  for (int i = 0; i < cluster_->size(); ++i) {
    EXPECT_NE(out.find(cluster_->IdOf(i)), std::string::npos) << out;
  }
  ASSERT_EQ(Ctl(0, "-o json status --cluster --endpoints " + endpoints, &out), 0) << out;
  const auto nodes = ParseJson(out);
  ASSERT_TRUE(nodes.is_array()) << out;
  ASSERT_EQ(nodes.as_array().size(), 3u) << out;
  for (const auto& n : nodes.as_array()) EXPECT_EQ(n.at("ready"), true) << out;

  // promtool on a node with peers (the per-peer families filled in).
  HttpClient client(cluster_->node(0).address());
  auto metrics = client.Request(V::get, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("meridian_replication_lag_entries{peer=\"n2\""), std::string::npos);
  TempDir scratch("meridian-metrics-");
  std::ofstream(scratch.path() + "/metrics.txt") << metrics.body;
  const std::string check = "promtool check metrics < '" + scratch.path() + "/metrics.txt' > '" +
                            scratch.path() + "/promtool.log' 2>&1";
  EXPECT_EQ(std::system(check.c_str()), 0) << metrics.body;

  // One node down: its row says so and the exit status is 1.
  ASSERT_EQ(cluster_->node(2).Terminate(), 0);
  EXPECT_EQ(Ctl(0, "status --cluster --endpoints " + endpoints, &out), 1) << out;
  EXPECT_NE(out.find("unreachable"), std::string::npos) << out;
}

TEST_F(OpsClusterTest, PerPeerTrafficAndTheLastLinkErrorShowInStatusAndMetrics) {
  std::string out;
  ASSERT_EQ(Ctl(0, "put t ns k v1 --all-regions", &out), 0) << out;
  ASSERT_EQ(Ctl(0, "-o json status", &out), 0) << out;
  const boost::json::value status = ParseJson(out);
  for (const auto& peer : status.at("peers").as_array()) {
    EXPECT_GT(peer.at("bytes_sent").to_number<uint64_t>(), 0u) << out;
    EXPECT_GT(peer.at("bytes_received").to_number<uint64_t>(), 0u) << out;
    EXPECT_GE(peer.at("entries_sent").to_number<uint64_t>(), 1u) << out;
    EXPECT_TRUE(peer.at("last_error").is_string()) << out;  // links fail while a cluster starts
  }
  HttpClient client(cluster_->node(0).address());
  auto metrics = client.Request(V::get, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const std::string series :
       {"meridian_replication_bytes_total{peer=\"n2\",region=\"r2\",direction=\"sent\"} ",
        "meridian_replication_bytes_total{peer=\"n3\",region=\"r3\",direction=\"received\"} ",
        "meridian_replication_entries_total{peer=\"n2\",region=\"r2\",direction=\"sent\"} ",
        "meridian_replication_snapshot_bytes_total{peer=\"n2\",region=\"r2\",direction=\"sent\"} "
        "0",
        "meridian_replication_peer_last_error_timestamp_seconds{peer=\"n3\",region=\"r3\"} "}) {
    EXPECT_NE(metrics.body.find(series), std::string::npos) << series << "\n" << metrics.body;
  }
  EXPECT_EQ(metrics.body.find("meridian_replication_bytes_total{peer=\"n2\",region=\"r2\","
                              "direction=\"sent\"} 0\n"),
            std::string::npos);

  // n3 goes down: n1's status names the failure and when it happened (bounded: 10 s).
  const int64_t down_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  ASSERT_EQ(cluster_->node(2).Terminate(), 0);
  boost::json::value n3;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Ctl(0, "-o json status", &out), 0) << out;
    n3 = ParseJson(out).at("peers").as_array().at(1);
    if (n3.at("last_error_unix_ms").to_number<int64_t>() >= down_ms) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(n3.at("id"), "n3") << out;
  EXPECT_GE(n3.at("last_error_unix_ms").to_number<int64_t>(), down_ms) << out;
  EXPECT_FALSE(n3.at("last_error").as_string().empty()) << out;
  // The table shows it too, with its time.
  ASSERT_EQ(Ctl(0, "status", &out), 0) << out;
  EXPECT_NE(out.find("LAST_ERROR"), std::string::npos) << out;
  const size_t row = out.find("\nn3 ", out.find("LAST_ERROR"));
  ASSERT_NE(row, std::string::npos) << out;
  EXPECT_NE(out.find("Z ", row), std::string::npos) << out;  // "<time>Z <error text>"
}

}  // namespace
}  // namespace meridian::test
