// Test harness: Cluster runs a multi-region Meridian on 127.0.0.1 for integration tests — N real
// meridiand processes (NodeProcess) sharing one cluster file, R regions of any sizes, and every
// replication link routed through ONE meridian-proxy ($MERIDIAN_PROXY, else the proxy the build
// made) so that a test can delay, cut and heal regions or single nodes (docs/tools.md).
//
// Layout: nodes "n1".."nN" numbered region by region, regions "r1".."rR"; the proxy has one route
// per ordered pair of nodes, named "a->b", carrying what a streams to b over the link a dials
// (`peers_via` in a's entry of the cluster file). Every wait is bounded. Driven from one test
// thread; HttpClients made by Client() may be used from other threads (one per thread).
#ifndef MERIDIAN_TESTS_SUPPORT_CLUSTER_H_
#define MERIDIAN_TESTS_SUPPORT_CLUSTER_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/node_process.h"

namespace meridian::test {

struct ClusterSpec {
  // Nodes per region: {1, 1, 1} is three regions of one node; {2, 1, 1} puts two in r1.
  std::vector<int> region_sizes = {1, 1, 1};
  int delay_ms = 0;              // one-way delay of every replication route (0: none)
  uint64_t max_log_entries = 0;  // replication.max_log_entries; 0: the node's default
  uint64_t gc_interval_ms = 0;   // replication.gc_interval_ms; 0: the node's default
  uint64_t proxy_seed = 1;
  std::string admin_token = "meridian-cluster-harness-admin-4b9e17";
  std::string cluster_secret = "cluster-harness-secret-8c3f0d5a91e2";
  // Merged into the cluster file: extra top-level keys (e.g. "peer_tls"), and node_fields[i]'s
  // keys into node i's entry (e.g. "cert_file").
  boost::json::object extra_fields = {};
  std::vector<boost::json::object> node_fields = {};
};

// Polls `done` every `every` until it holds, at most `limit` (and at most 100000 times).
bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20),
               std::chrono::milliseconds every = std::chrono::milliseconds(50));

class Cluster {
 public:
  explicit Cluster(ClusterSpec spec = {});
  ~Cluster();  // SIGKILLs every node, then the proxy
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Starts the proxy (routes on free ports), writes the cluster file, starts every node.
  // On failure the message carries the ends of the logs.
  testing::AssertionResult Start();

  int size() const { return static_cast<int>(region_of_.size()); }
  int regions() const { return static_cast<int>(spec_.region_sizes.size()); }
  NodeProcess& node(int i) { return *nodes_.at(i); }
  std::string Id(int i) const { return "n" + std::to_string(i + 1); }
  int RegionOf(int i) const { return region_of_.at(i); }  // 0-based region index
  std::string RegionName(int r) const { return "r" + std::to_string(r + 1); }
  std::vector<int> NodesIn(int region) const;
  const std::string& dir() const { return dir_->path(); }
  // The port node i's replication listener binds (not the proxy's).
  uint16_t ReplicationPort(int i) const { return replication_ports_.at(i); }
  const std::string& config_path() const { return config_path_; }
  const std::string& admin_token() const { return spec_.admin_token; }
  Headers AdminAuth() const { return BearerAuthHeader(spec_.admin_token); }
  static Headers BearerAuthHeader(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }
  // A new client (own connection) to node i's API.
  HttpClient Client(int i, std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // ---- The proxy. ----
  // Sends one control line and returns the whole reply (the `route` lines and the final line);
  // "error <why>" when the proxy cannot be reached within 5 s.
  std::string ProxyCommand(const std::string& line);
  // Partitions region r from every other region (both directions of every link crossing it);
  // links inside r stay up.
  testing::AssertionResult Cut(int region);
  // Partitions node i from every other node, its own region's included.
  testing::AssertionResult Isolate(int i);
  // Heals every route (cut and drop); delays stay.
  testing::AssertionResult Heal();
  // One-way delay of every route.
  testing::AssertionResult Delay(int ms);

  // ---- Node lifecycle. ----
  void Kill9(int i) { nodes_.at(i)->Kill9(); }
  // Starts node i again on its data directory: after SIGTERM if it runs, at once after Kill9.
  testing::AssertionResult Restart(int i);
  // SIGKILLs node i, deletes its data directory and starts it on an empty one.
  testing::AssertionResult Wipe(int i);

  // GET /cluster/v1/status of node i (operator key) as JSON; null unless it answered 200.
  boost::json::value Status(int i);
  // The whole log of node i (every start appended).
  std::string Log(int i) const { return nodes_.at(i)->ReadLog(1 << 24); }
  // Every node's and the proxy's log ends, for failure messages.
  std::string Diagnostics(size_t bytes_per_log = 3000) const;

 private:
  std::vector<std::string> RoutesBetween(int a, int b) const;
  testing::AssertionResult CutRoutes(const std::vector<std::string>& routes);
  testing::AssertionResult StartProxy();
  testing::AssertionResult WriteConfig();

  ClusterSpec spec_;
  std::vector<int> region_of_;
  std::unique_ptr<TempDir> dir_;
  std::string config_path_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::vector<uint16_t> replication_ports_;
  // via_[a][b]: the proxy port that a dials to reach b.
  std::vector<std::vector<uint16_t>> via_;
  uint16_t control_port_ = 0;
  pid_t proxy_pid_ = -1;
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_CLUSTER_H_
