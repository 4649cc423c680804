// Multi-region replication end to end with the Cluster harness (tests/support/cluster.h): real
// meridiand processes on 127.0.0.1, every replication link through one meridian-proxy. Checks the
// contract of docs/replication.md (Consistency levels, Catch-up, Failure behaviour):
// operator data and all_regions writes are everywhere once answered; a cut-off region turns
// all_regions into 408 at the request's timeout while local_region still succeeds, and healing
// converges; kill -9 loses nothing acknowledged and catches up; a wiped (or too-far-behind) node
// is rebuilt by snapshot; concurrent writes to one key converge; /cluster/v1/status shows every
// peer; and a two-node region needs both nodes for local_region. Every wait is bounded.
#include "tests/support/cluster.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kBucket[] = "/organizations/attributes/end_user_read_write";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t Int(const json::value& v, std::string_view key) {
  const json::value* field = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return field && field->is_number() ? field->to_number<int64_t>() : -1;
}

// The peer entry `id` of a /cluster/v1/status answer; null when absent.
json::value PeerOf(const json::value& status, const std::string& id) {
  const json::value* peers = status.is_object() ? status.as_object().if_contains("peers") : nullptr;
  if (!peers || !peers->is_array()) return nullptr;
  for (const auto& p : peers->as_array()) {
    if (p.is_object() && p.as_object().contains("id") && p.at("id") == json::value(id)) return p;
  }
  return nullptr;
}

class ClusterTest : public testing::Test {
 protected:
  // Starts the cluster, creates an organization and a read+write key on node 0, and waits until
  // the key works on every node.
  void StartCluster(ClusterSpec spec = {}) {
    cluster_ = std::make_unique<Cluster>(std::move(spec));
    ASSERT_TRUE(cluster_->Start());
    Response org = cluster_->Client(0).Request(http::verb::post, "/admin/v1/organizations",
                                               cluster_->AdminAuth(), R"({"name":"acme"})");
    ASSERT_EQ(org.status, 201) << org.body;
    org_ = std::string(org.Json().at("id").as_string());
    Response key = cluster_->Client(0).Request(
        http::verb::post, "/admin/v1/organizations/" + org_ + "/api-keys", cluster_->AdminAuth(),
        R"({"name":"k","scopes":["read","write"]})");
    ASSERT_EQ(key.status, 201) << key.body;
    key_ = std::string(key.Json().at("key").as_string());
    ASSERT_TRUE(PollUntil([&] {
      for (int i = 0; i < cluster_->size(); ++i) {
        if (Read(i).status != 200) return false;
      }
      return true;
    })) << "the organization and key made on n1 do not work everywhere\n"
        << cluster_->Diagnostics();
  }

  void TearDown() override {
    if (HasFailure() && cluster_) std::cerr << cluster_->Diagnostics(4000);
  }

  Headers Auth() const { return {{"SlashID-API-Key", key_}, {"SlashID-OrgID", org_}}; }

  // PATCH of the read-write bucket on node i; `level` empty: the default level.
  Response Patch(int i, const std::string& body, const std::string& level = "",
                 int timeout_s = 10) {
    Headers h = Auth();
    if (!level.empty()) {
      h.emplace_back("SlashID-Required-Consistency", level);
      h.emplace_back("SlashID-Required-Consistency-Timeout", std::to_string(timeout_s));
    }
    return cluster_->Client(i).Request(http::verb::patch, kBucket, h, body);
  }

  Response Read(int i, const Headers& extra = {}) {
    Headers h = Auth();
    h.insert(h.end(), extra.begin(), extra.end());
    return cluster_->Client(i).Request(http::verb::get, kBucket, h);
  }

  // The bucket's attributes on node i as JSON text ("" unless 200 with a result object).
  std::string Bucket(int i) {
    Response r = Read(i);
    const json::value v = r.Json();
    const json::value* result = v.is_object() ? v.as_object().if_contains("result") : nullptr;
    return r.status == 200 && result && result->is_object() ? json::serialize(*result) : "";
  }

  // Attribute `name` on node i as JSON text, "" when absent.
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

  // True when every node returns the same, non-empty bucket.
  bool AllBucketsEqual() {
    const std::string first = Bucket(0);
    if (first.empty()) return false;
    for (int i = 1; i < cluster_->size(); ++i) {
      if (Bucket(i) != first) return false;
    }
    return true;
  }

  std::string AllBuckets() {
    std::string out;
    for (int i = 0; i < cluster_->size(); ++i) out += cluster_->Id(i) + ": " + Bucket(i) + "\n";
    return out;
  }

  std::unique_ptr<Cluster> cluster_;
  std::string org_;
  std::string key_;
};

TEST_F(ClusterTest, AnOrgAndKeyWorkEverywhereAndAllRegionsWritesAreReadableWhenAnswered) {
  StartCluster({.delay_ms = 5});
  for (int round = 0; round < 6; ++round) {
    const int writer = round % cluster_->size();
    const std::string value = "\"v" + std::to_string(round) + "\"";
    Response w = Patch(writer, "{\"plan\":" + value + "}", "all_regions");
    ASSERT_EQ(w.status, 204) << w.body;
    EXPECT_FALSE(w.Header("Meridian-Commit-Token").empty());
    // No polling: the answer means every region already holds it.
    for (int i = 0; i < cluster_->size(); ++i) {
      EXPECT_EQ(Attribute(i, "plan"), value) << "round " << round << ", node " << cluster_->Id(i);
    }
  }
  // Read-your-writes across regions: a local_region write read elsewhere with its token.
  ASSERT_TRUE(cluster_->Delay(200));
  Response w = Patch(0, R"({"seats":42})", "local_region");
  ASSERT_EQ(w.status, 204) << w.body;
  const std::string token = w.Header("Meridian-Commit-Token");
  ASSERT_FALSE(token.empty());
  Response r = Read(2, {{"Meridian-Min-Commit-Token", token}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(r.Json().at("result").at("seats")), "42") << r.body;
}

TEST_F(ClusterTest, ACutRegionGets408AtTheTimeoutLocalRegionWorksAndHealingConverges) {
  StartCluster();
  ASSERT_EQ(Patch(0, R"({"before":1})", "all_regions").status, 204);
  ASSERT_TRUE(cluster_->Cut(2));

  const auto started = Clock::now();
  Response slow = Patch(0, R"({"plan":"cut"})", "all_regions", 2);
  const double elapsed = SecondsSince(started);
  EXPECT_TRUE(IsErrorEnvelope(slow, 408));
  // The contract: 408 at the request's 2 s timeout, +-10%.
  EXPECT_GE(elapsed, 1.8);
  EXPECT_LE(elapsed, 2.2);

  const auto local_started = Clock::now();
  Response local = Patch(0, R"({"seats":7})", "local_region", 2);
  EXPECT_EQ(local.status, 204) << local.body;
  EXPECT_LT(SecondsSince(local_started), 1.0) << "local_region waited for the cut region";
  // The cut-off region keeps serving local_region writes too.
  Response island = Patch(2, R"({"island":true})", "local_region", 2);
  EXPECT_EQ(island.status, 204) << island.body;

  // The reachable region has both writes of n1 (the 408 one is kept); the cut one has neither.
  EXPECT_TRUE(PollUntil([&] { return Attribute(1, "seats") == "7"; }, 10s));
  EXPECT_EQ(Attribute(1, "plan"), "\"cut\"");
  EXPECT_EQ(Attribute(2, "plan"), "");
  EXPECT_EQ(Attribute(0, "island"), "");
  // n1 sees the cut-off peer disconnected and behind.
  EXPECT_TRUE(PollUntil(
      [&] {
        const json::value peer = PeerOf(cluster_->Status(0), cluster_->Id(2));
        return peer.is_object() && peer.at("connected") == json::value(false) &&
               Int(peer, "lag_entries") >= 2;
      },
      10s))
      << json::serialize(cluster_->Status(0));

  ASSERT_TRUE(cluster_->Heal());
  EXPECT_TRUE(PollUntil(
      [&] {
        return EveryNodeHas("plan", "\"cut\"") && EveryNodeHas("seats", "7") &&
               EveryNodeHas("island", "true");
      },
      30s))
      << "no convergence after the heal:\n"
      << AllBuckets();
  EXPECT_TRUE(AllBucketsEqual()) << AllBuckets();
  // And all_regions is reachable again.
  EXPECT_EQ(Patch(2, R"({"after":1})", "all_regions", 10).status, 204);
}

TEST_F(ClusterTest, ANodeKilledAndRestartedLosesNothingAndCatchesUp) {
  StartCluster();
  // A write n3 acknowledged but could not ship before it died is not lost.
  ASSERT_TRUE(cluster_->Isolate(2));
  ASSERT_EQ(Patch(2, R"({"last_words":"n3"})", "local_region").status, 204);
  cluster_->Kill9(2);
  ASSERT_TRUE(cluster_->Heal());
  // Writes made while n3 is down.
  for (int i = 0; i < 40; ++i) {
    Response w =
        Patch(i % 2, "{\"k" + std::to_string(i) + "\":" + std::to_string(i) + "}", "local_region");
    ASSERT_EQ(w.status, 204) << w.body;
  }
  ASSERT_TRUE(cluster_->Restart(2));
  EXPECT_TRUE(PollUntil(
      [&] {
        return EveryNodeHas("k0", "0") && EveryNodeHas("k39", "39") &&
               EveryNodeHas("last_words", "\"n3\"");
      },
      30s))
      << AllBuckets();
  EXPECT_TRUE(AllBucketsEqual()) << AllBuckets();
  // It takes part again: all_regions is reached through it.
  Response w = Patch(0, R"({"after":true})", "all_regions");
  EXPECT_EQ(w.status, 204) << w.body;
  EXPECT_EQ(Attribute(2, "after"), "true");
}

TEST_F(ClusterTest, AWipedNodeIsRebuiltBySnapshot) {
  // A short log: once acknowledged, what the wiped node needs is gone from every log.
  StartCluster({.max_log_entries = 20});
  for (int i = 0; i < 60; ++i) {
    Response w =
        Patch(i % 3, "{\"w" + std::to_string(i) + "\":" + std::to_string(i) + "}", "all_regions");
    ASSERT_EQ(w.status, 204) << w.body;
  }
  const std::string old_origin = [&] {
    const json::value st = cluster_->Status(2);
    return st.is_object() ? std::string(st.at("origin_id").as_string()) : "";
  }();
  // Every node truncates its log up to what all peers acknowledged (about once a second).
  ASSERT_TRUE(PollUntil(
      [&] {
        for (int i = 0; i < 2; ++i) {
          if (Int(cluster_->Status(i), "log_first_seq") <= 15) return false;
        }
        return true;
      },
      15s))
      << json::serialize(cluster_->Status(0)) << "\n"
      << json::serialize(cluster_->Status(1));

  ASSERT_TRUE(cluster_->Wipe(2));
  EXPECT_TRUE(PollUntil([&] { return AllBucketsEqual() && EveryNodeHas("w59", "59"); }, 30s))
      << "the wiped node was not rebuilt:\n"
      << AllBuckets();
  for (int i = 0; i < 60; i += 7) {
    EXPECT_EQ(Attribute(2, "w" + std::to_string(i)), std::to_string(i));
  }
  const json::value st = cluster_->Status(2);
  ASSERT_TRUE(st.is_object());
  EXPECT_NE(std::string(st.at("origin_id").as_string()), old_origin) << "no new incarnation";
  const std::string log = cluster_->Log(2);
  EXPECT_NE(log.find("snapshot_installed"), std::string::npos) << "no snapshot installed on n3";
  EXPECT_NE(cluster_->Log(0).find("snapshot_sent"), std::string::npos) << "n1 sent no snapshot";
  // The rebuilt node writes and replicates as a full member.
  Response w = Patch(2, R"({"rebuilt":1})", "all_regions");
  EXPECT_EQ(w.status, 204) << w.body;
  EXPECT_TRUE(EveryNodeHas("rebuilt", "1"));
}

TEST_F(ClusterTest, APeerAwayLongerThanTheLogIsCaughtUpBySnapshot) {
  StartCluster({.max_log_entries = 20});
  ASSERT_EQ(Patch(0, R"({"first":1})", "all_regions").status, 204);
  cluster_->Kill9(2);
  for (int i = 0; i < 60; ++i) {
    Response w =
        Patch(0, "{\"a" + std::to_string(i) + "\":" + std::to_string(i) + "}", "local_region");
    ASSERT_EQ(w.status, 204) << w.body;
  }
  // n1 cuts n3 loose: its log is truncated past what n3 acknowledged.
  ASSERT_TRUE(PollUntil(
      [&] {
        const json::value st = cluster_->Status(0);
        const int64_t acked = Int(PeerOf(st, cluster_->Id(2)), "acked_seq");
        return acked >= 0 && Int(st, "log_first_seq") > acked + 1;
      },
      15s))
      << json::serialize(cluster_->Status(0));
  ASSERT_TRUE(cluster_->Restart(2));
  EXPECT_TRUE(PollUntil([&] { return AllBucketsEqual() && EveryNodeHas("a59", "59"); }, 30s))
      << AllBuckets();
  EXPECT_NE(cluster_->Log(2).find("snapshot_installed"), std::string::npos);
  EXPECT_EQ(Patch(0, R"({"after":1})", "all_regions").status, 204);
}

TEST_F(ClusterTest, ConcurrentWritesToOneKeyInTwoRegionsConverge) {
  // The delay keeps both writes in flight before either reaches the other region.
  StartCluster({.delay_ms = 30});
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "same" + std::to_string(round);
    std::latch go(2);
    int status_a = 0, status_b = 0;
    auto writer = [&](int node, const std::string& value, int* status) {
      go.arrive_and_wait();
      *status = Patch(node, "{\"" + key + "\":\"" + value + "\"}", "local_region").status;
    };
    std::thread a(writer, 0, "from-r1", &status_a);
    std::thread b(writer, 1, "from-r2", &status_b);
    a.join();
    b.join();
    ASSERT_EQ(status_a, 204);
    ASSERT_EQ(status_b, 204);
  }
  EXPECT_TRUE(PollUntil([&] { return AllBucketsEqual(); }, 20s)) << AllBuckets();
  for (int round = 0; round < kRounds; ++round) {
    const std::string v = Attribute(0, "same" + std::to_string(round));
    EXPECT_TRUE(v == "\"from-r1\"" || v == "\"from-r2\"") << "round " << round << ": " << v;
  }
  // Last-writer-wins: a write made after seeing both wins everywhere.
  ASSERT_EQ(Patch(2, R"({"same0":"later"})", "all_regions").status, 204);
  EXPECT_TRUE(EveryNodeHas("same0", "\"later\""));
}

TEST_F(ClusterTest, StatusShowsEveryPeerWithSequencesAndLag) {
  StartCluster();
  Response w = Patch(0, R"({"x":1})", "all_regions");
  ASSERT_EQ(w.status, 204) << w.body;
  // The write proves n1's links; the n2-n3 links connect on their own schedule.
  auto all_linked = [&] {
    for (int i = 0; i < cluster_->size(); ++i) {
      const json::value status = cluster_->Status(i);
      if (!status.is_object()) return false;
      for (const auto& p : status.at("peers").as_array()) {
        if (p.at("connected") != json::value(true) ||
            p.at("inbound_connected") != json::value(true) || Int(p, "applied_seq") < 0) {
          return false;
        }
      }
    }
    return true;
  };
  EXPECT_TRUE(PollUntil(all_linked, 20s));
  for (int i = 0; i < cluster_->size(); ++i) {
    const json::value status = cluster_->Status(i);
    ASSERT_TRUE(status.is_object()) << "no status from " << cluster_->Id(i);
    EXPECT_EQ(status.at("node_id"), json::value(cluster_->Id(i)));
    EXPECT_EQ(status.at("region"), json::value(cluster_->RegionName(cluster_->RegionOf(i))));
    const json::array& peers = status.at("peers").as_array();
    ASSERT_EQ(peers.size(), 2u) << json::serialize(status);
    std::set<std::string> ids;
    for (const auto& p : peers) {
      ids.insert(std::string(p.at("id").as_string()));
      EXPECT_EQ(p.at("connected"), json::value(true)) << json::serialize(p);
      EXPECT_EQ(p.at("inbound_connected"), json::value(true)) << json::serialize(p);
      EXPECT_GE(Int(p, "acked_seq"), 0) << json::serialize(p);
      EXPECT_GE(Int(p, "applied_seq"), 0) << json::serialize(p);
      EXPECT_GE(Int(p, "lag_entries"), 0) << json::serialize(p);
      EXPECT_TRUE(p.as_object().contains("lag_seconds")) << json::serialize(p);
    }
    EXPECT_EQ(ids.count(cluster_->Id(i)), 0u) << "a node lists itself as its peer";
  }
  // n1's write is acknowledged by both peers (no lag), and both applied n1's log that far.
  const json::value s0 = cluster_->Status(0);
  const int64_t last = Int(s0, "last_seq");
  ASSERT_GE(last, 1) << json::serialize(s0);
  for (int j = 1; j < 3; ++j) {
    EXPECT_TRUE(PollUntil(
        [&] {
          const json::value peer = PeerOf(cluster_->Status(0), cluster_->Id(j));
          return Int(peer, "acked_seq") >= last && Int(peer, "lag_entries") == 0;
        },
        10s))
        << json::serialize(cluster_->Status(0));
    const json::value from_n1 = PeerOf(cluster_->Status(j), cluster_->Id(0));
    ASSERT_TRUE(from_n1.is_object()) << json::serialize(cluster_->Status(j));
    EXPECT_GE(Int(from_n1, "applied_seq"), last) << json::serialize(from_n1);
    EXPECT_EQ(from_n1.at("origin_id"), s0.at("origin_id")) << json::serialize(from_n1);
  }
  // Lag shows while a peer is cut off.
  ASSERT_TRUE(cluster_->Cut(1));
  ASSERT_EQ(Patch(0, R"({"y":2})", "local_region").status, 204);
  EXPECT_TRUE(PollUntil(
      [&] {
        const json::value peer = PeerOf(cluster_->Status(0), cluster_->Id(1));
        return peer.is_object() && Int(peer, "lag_entries") >= 1 &&
               peer.at("lag_seconds").to_number<double>() >= 0.3 &&
               peer.at("connected") == json::value(false);
      },
      10s))
      << json::serialize(cluster_->Status(0));
  ASSERT_TRUE(cluster_->Heal());
  EXPECT_TRUE(PollUntil(
      [&] {
        const json::value peer = PeerOf(cluster_->Status(0), cluster_->Id(1));
        return peer.is_object() && peer.at("connected") == json::value(true) &&
               Int(peer, "lag_entries") == 0;
      },
      15s))
      << json::serialize(cluster_->Status(0));
  // The operator key is required.
  EXPECT_EQ(cluster_->Client(0).Request(http::verb::get, "/cluster/v1/status").status, 401);
  EXPECT_EQ(cluster_->Client(0)
                    .Request(http::verb::get, "/cluster/v1/status", Cluster::BearerAuthHeader(key_))
                    .status /
                100,
            4);
}

TEST_F(ClusterTest, ATwoNodeRegionNeedsBothNodesForLocalRegion) {
  // r1 = {n1, n2}, r2 = {n3}, r3 = {n4}.
  StartCluster({.region_sizes = {2, 1, 1}});
  ASSERT_EQ(cluster_->NodesIn(0), (std::vector<int>{0, 1}));
  // local_region in a two-node region: the other node of the region has it when answered.
  Response w = Patch(0, R"({"pair":1})", "local_region");
  ASSERT_EQ(w.status, 204) << w.body;
  EXPECT_EQ(Attribute(1, "pair"), "1");

  // Region r1 cut from the others: local_region still works (n2 is reachable), all_regions not.
  ASSERT_TRUE(cluster_->Cut(0));
  w = Patch(0, R"({"inside":1})", "local_region", 2);
  EXPECT_EQ(w.status, 204) << w.body;
  EXPECT_EQ(Attribute(1, "inside"), "1");
  auto started = Clock::now();
  w = Patch(1, R"({"everywhere":1})", "all_regions", 2);
  double elapsed = SecondsSince(started);
  EXPECT_TRUE(IsErrorEnvelope(w, 408));
  EXPECT_GE(elapsed, 1.8);
  EXPECT_LE(elapsed, 2.2);
  EXPECT_EQ(Attribute(2, "inside"), "");
  ASSERT_TRUE(cluster_->Heal());

  // n2 isolated: one of two is no majority, so local_region on n1 times out (and is kept).
  ASSERT_TRUE(cluster_->Isolate(1));
  started = Clock::now();
  w = Patch(0, R"({"alone":1})", "local_region", 2);
  elapsed = SecondsSince(started);
  EXPECT_TRUE(IsErrorEnvelope(w, 408));
  EXPECT_GE(elapsed, 1.8);
  EXPECT_LE(elapsed, 2.2);
  ASSERT_TRUE(cluster_->Heal());
  EXPECT_TRUE(PollUntil(
      [&] {
        return EveryNodeHas("alone", "1") && EveryNodeHas("everywhere", "1") && AllBucketsEqual();
      },
      30s))
      << AllBuckets();
}

}  // namespace
}  // namespace meridian::test
