// Test harness: LocalCluster runs a multi-region Meridian on 127.0.0.1 — N real meridiand
// processes sharing one cluster file, every replication link routed through one meridian-proxy
// ($MERIDIAN_PROXY) so a test can delay, cut and heal regions. Driven from one test thread.
#ifndef MERIDIAN_TESTS_SUPPORT_LOCAL_CLUSTER_H_
#define MERIDIAN_TESTS_SUPPORT_LOCAL_CLUSTER_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/node_process.h"

namespace meridian::test {

struct ClusterOptions {
  int regions = 3;
  int nodes_per_region = 1;
  int delay_ms = 0;              // one-way delay of every replication link
  uint64_t max_log_entries = 0;  // 0: the node's default
  std::string admin_token = "meridian-cluster-test-admin-token-7d21";
};

// The proxy binary: $MERIDIAN_PROXY, else the one the build made (MERIDIAN_PROXY_PATH), else "".
std::string ProxyPath();

class LocalCluster {
 public:
  explicit LocalCluster(ClusterOptions options = {});
  ~LocalCluster();  // SIGKILLs every process still running
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Writes the cluster file, starts the proxy, then every node; fails with the logs' ends.
  testing::AssertionResult Start();

  int size() const { return static_cast<int>(nodes_.size()); }
  NodeProcess& node(int i) { return *nodes_.at(i); }
  // "n1".."nN", numbered region by region; node i is in region RegionOf(i) ("r1".."rR").
  std::string IdOf(int i) const { return "n" + std::to_string(i + 1); }
  std::string RegionOf(int i) const {
    return "r" + std::to_string(i / options_.nodes_per_region + 1);
  }
  const std::string& admin_token() const { return options_.admin_token; }
  Headers AdminAuth() const { return {{"Authorization", "Bearer " + options_.admin_token}}; }

  // One control command to the proxy (e.g. "cut n1->n3"); returns its final reply line.
  std::string Proxy(const std::string& command);
  // Cuts (heals) every link to and from node i, in both directions.
  testing::AssertionResult Isolate(int i);
  testing::AssertionResult HealAll();

  // Restart on the same data (SIGTERM first), SIGKILL, and restart on an empty data dir.
  testing::AssertionResult Restart(int i);
  void Kill9(int i) { nodes_.at(i)->Kill9(); }
  testing::AssertionResult WipeAndRestart(int i);

  // GET /cluster/v1/status of node i as JSON (null if it did not answer 200).
  boost::json::value Status(int i);

 private:
  ClusterOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::vector<uint16_t> replication_ports_;
  uint16_t control_port_ = 0;
  pid_t proxy_pid_ = -1;
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_LOCAL_CLUSTER_H_
