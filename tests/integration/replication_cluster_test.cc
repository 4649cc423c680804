// Multi-region replication end to end: real meridiand processes on 127.0.0.1 in three regions,
// every replication link through meridian-proxy. Checks the contract of docs/replication.md:
// all_regions writes are readable everywhere once answered, a cut-off region turns
// all_regions into 408 at the timeout while local_region still succeeds, healing converges,
// kill -9 and wiped nodes catch up (log or snapshot), concurrent writes converge, and the
// status page shows every peer. Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/local_cluster.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kBucket[] = "/organizations/attributes/end_user_read_write";

// Polls `done` every 50 ms for at most `limit`.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

class ReplicationClusterTest : public testing::Test {
 protected:
  void StartCluster(ClusterOptions options = {}) {
    cluster_ = std::make_unique<LocalCluster>(std::move(options));
    ASSERT_TRUE(cluster_->Start());
    // An organization created through node 0 must work everywhere: operator data replicates.
    Response r = Client(0).Request(http::verb::post, "/admin/v1/organizations",
                                   cluster_->AdminAuth(), R"({"name":"acme"})");
    ASSERT_EQ(r.status, 201) << r.body;
    org_ = std::string(r.Json().at("id").as_string());
    ASSERT_TRUE(Eventually([&] {
      for (int i = 0; i < cluster_->size(); ++i) {
        if (Read(i).status != 200) return false;
      }
      return true;
    })) << "the organization did not reach every node";
  }

  HttpClient Client(int i) { return HttpClient(cluster_->node(i).address(), 15s); }

  Headers Auth(const std::string& key = "") const {
    return {{"Authorization", "Bearer " + (key.empty() ? cluster_->admin_token() : key)},
            {"SlashID-OrgID", org_}};
  }

  Response Patch(int i, const std::string& body, const std::string& level = "", int timeout_s = 5) {
    Headers h = Auth();
    if (!level.empty()) {
      h.emplace_back("SlashID-Required-Consistency", level);
      h.emplace_back("SlashID-Required-Consistency-Timeout", std::to_string(timeout_s));
    }
    return Client(i).Request(http::verb::patch, kBucket, h, body);
  }

  Response Read(int i) { return Client(i).Request(http::verb::get, kBucket, Auth()); }

  // The value of attribute `name` on node i, or "" when absent.
  std::string Attribute(int i, const std::string& name) {
    Response r = Read(i);
    if (r.status != 200) return "";
    const json::value v = r.Json();
    const json::value* result = v.is_object() ? v.as_object().if_contains("result") : nullptr;
    const json::value* value =
        result && result->is_object() ? result->as_object().if_contains(name) : nullptr;
    return value ? json::serialize(*value) : "";
  }

  bool EveryNodeHas(const std::string& name, const std::string& json_value) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (Attribute(i, name) != json_value) return false;
    }
    return true;
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::string org_;
};

TEST_F(ReplicationClusterTest, AnAllRegionsWriteIsReadableOnEveryNodeWhenAnswered) {
  StartCluster({.delay_ms = 5});
  // A key made on node 1 works on node 2 once replicated.
  Response key =
      Client(1).Request(http::verb::post, "/admin/v1/organizations/" + org_ + "/api-keys",
                        cluster_->AdminAuth(), R"({"name":"k","scopes":["read","write"]})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string secret(key.Json().at("key").as_string());
  for (int round = 0; round < 5; ++round) {
    const std::string value = "\"v" + std::to_string(round) + "\"";
    Response w = Patch(round % 3, "{\"plan\":" + value + "}", "all_regions");
    ASSERT_EQ(w.status, 204) << w.body;
    EXPECT_FALSE(w.Header("Meridian-Commit-Token").empty());
    // No polling: the answer means every region already has it.
    for (int i = 0; i < cluster_->size(); ++i)
      EXPECT_EQ(Attribute(i, "plan"), value) << "node " << i;
  }
  EXPECT_TRUE(Eventually([&] {
    return Client(2).Request(http::verb::get, kBucket, Auth(secret)).status == 200;
  })) << "an API key created on node 1 does not work on node 2";
}

TEST_F(ReplicationClusterTest, ACutRegionTurnsAllRegionsInto408AtTheTimeoutAndHealingConverges) {
  StartCluster();
  ASSERT_TRUE(cluster_->Isolate(2));
  const auto started = Clock::now();
  Response slow = Patch(0, R"({"plan":"cut"})", "all_regions", 2);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(slow.status, 408) << slow.body;
  EXPECT_GE(elapsed, 1.8);  // the contract: 408 at the 2 s timeout, +-10%
  EXPECT_LE(elapsed, 2.2);
  Response local = Patch(0, R"({"seats":7})", "local_region", 2);
  EXPECT_EQ(local.status, 204) << local.body;
  EXPECT_EQ(Attribute(1, "plan"), "\"cut\"");  // the reachable region has both writes
  EXPECT_EQ(Attribute(2, "plan"), "");         // the cut one has neither
  ASSERT_TRUE(cluster_->HealAll());
  EXPECT_TRUE(Eventually([&] {
    return EveryNodeHas("plan", "\"cut\"") && EveryNodeHas("seats", "7");
  })) << "the 408 write and the local write did not reach every node after the heal";
}

TEST_F(ReplicationClusterTest, ANodeKilledAndRestartedCatchesUp) {
  StartCluster();
  cluster_->Kill9(2);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(
        Patch(i % 2, "{\"k" + std::to_string(i) + "\":" + std::to_string(i) + "}", "local_region")
            .status,
        204);
  }
  ASSERT_TRUE(cluster_->node(2).Start());
  EXPECT_TRUE(Eventually([&] { return EveryNodeHas("k0", "0") && EveryNodeHas("k49", "49"); }));
  // And it takes part again: all_regions is reached.
  EXPECT_EQ(Patch(0, R"({"after":true})", "all_regions").status, 204);
  EXPECT_EQ(Attribute(2, "after"), "true");
}

TEST_F(ReplicationClusterTest, AWipedNodeIsRebuiltBySnapshot) {
  // A short log: what the wiped node misses is gone from the log, so only a snapshot helps.
  StartCluster({.max_log_entries = 20});
  for (int i = 0; i < 120; ++i) {
    ASSERT_EQ(Patch(0, "{\"w" + std::to_string(i) + "\":" + std::to_string(i) + "}", "all_regions")
                  .status,
              204);
  }
  // Once every node has acknowledged, node 0 truncates its log (within about a second).
  ASSERT_TRUE(Eventually([&] {
    const json::value st = cluster_->Status(0);
    return st.is_object() && st.at("log_first_seq").to_number<int64_t>() > 100;
  })) << json::serialize(cluster_->Status(0));
  ASSERT_TRUE(cluster_->WipeAndRestart(2));
  EXPECT_TRUE(
      Eventually([&] { return EveryNodeHas("w0", "0") && EveryNodeHas("w119", "119"); }, 30s))
      << "the wiped node was not rebuilt; log:\n"
      << cluster_->node(2).ReadLog(3000);
  EXPECT_NE(cluster_->node(0).ReadLog(200000).find("snapshot_sent"), std::string::npos)
      << "node 0 never streamed a snapshot";
  EXPECT_EQ(Patch(2, R"({"rebuilt":1})", "all_regions").status, 204);
}

TEST_F(ReplicationClusterTest, ConcurrentWritesToOneKeyInTwoRegionsConverge) {
  StartCluster({.delay_ms = 10});
  for (int round = 0; round < 5; ++round) {
    std::thread a(
        [&] { Patch(0, "{\"same\":\"from-r1-" + std::to_string(round) + "\"}", "local_region"); });
    std::thread b(
        [&] { Patch(1, "{\"same\":\"from-r2-" + std::to_string(round) + "\"}", "local_region"); });
    a.join();
    b.join();
  }
  EXPECT_TRUE(Eventually([&] {
    const std::string v = Attribute(0, "same");
    return !v.empty() && EveryNodeHas("same", v);
  })) << Attribute(0, "same")
      << " / " << Attribute(1, "same") << " / " << Attribute(2, "same");
  EXPECT_EQ(Attribute(0, "same").rfind("\"from-r", 0), 0u) << "not a value that was written";
}

TEST_F(ReplicationClusterTest, StatusShowsEveryPeerWithSequencesAndLag) {
  StartCluster();
  ASSERT_EQ(Patch(0, R"({"x":1})", "all_regions").status, 204);
  const json::value status = cluster_->Status(0);
  ASSERT_TRUE(status.is_object()) << "no status";
  const json::array& peers = status.at("peers").as_array();
  ASSERT_EQ(peers.size(), 2u);
  for (const auto& p : peers) {
    EXPECT_TRUE(p.at("connected").as_bool()) << json::serialize(p);
    EXPECT_GE(p.at("acked_seq").to_number<int64_t>(), 1) << json::serialize(p);
    EXPECT_EQ(p.at("lag_entries").to_number<int64_t>(), 0) << json::serialize(p);
    EXPECT_TRUE(p.as_object().contains("lag_seconds"));
    EXPECT_TRUE(p.as_object().contains("applied_seq"));
  }
  EXPECT_EQ(Client(0).Request(http::verb::get, "/cluster/v1/status").status, 401);
}

}  // namespace
}  // namespace meridian::test
