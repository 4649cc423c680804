// A seeded, single-threaded simulation of a Meridian cluster around the pure replication core
// (FoundationDB's idea at our scale): simulated clock and network, per-node clock skew, and
// faults — delay, drop, duplicate, reorder, partition, crash-restart losing unpersisted work.
// The same seed gives the same run (compare trace_hash()). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "replication/consistency_gate.h"
#include "replication/core/replicator.h"

namespace meridian::sim {

struct SimOptions {
  int regions = 3;
  int nodes_per_region = 1;
  uint64_t fault_ms = 3000;   // writes and faults happen in [0, fault_ms)
  uint64_t settle_ms = 8000;  // then everything heals and runs quietly
  double drop = 0.02, duplicate = 0.02;
  int writes = 200;
  int keys = 8;
  uint64_t max_log_entries = 25;  // small, so lagging nodes need snapshots
};

// One stored value as every node keeps it: last-writer-wins on (hlc, origin).
struct SimRecord {
  std::string value;
  uint64_t hlc = 0;
  std::string origin;
  bool tombstone = false;
  bool operator==(const SimRecord&) const = default;
};

class SimCluster {
 public:
  SimCluster(uint64_t seed, SimOptions options);
  ~SimCluster();

  // Runs the whole scenario; returns false with `failure()` set when a check fails.
  bool Run();
  const std::string& failure() const { return failure_; }
  uint64_t trace_hash() const { return trace_hash_; }
  uint64_t acked_writes() const { return acked_writes_; }
  uint64_t snapshots() const { return snapshots_; }

 private:
  struct Node;
  class Log;
  using Event = std::function<void()>;

  uint64_t Rand(uint64_t n);  // uniform in [0, n) from raw mt19937_64 output
  bool Chance(double p);
  void At(uint64_t time, std::string what, Event event);
  void Trace(const std::string& what);
  void Fail(const std::string& why);

  void StartNode(Node& n);
  void CrashNode(Node& n);
  void UpdateLinks();
  bool LinkUp(const Node& a, const Node& b) const;
  void Process(Node& n);
  void Send(Node& from, Node& to, std::function<void(Node&)> deliver, bool lossy);
  void ClientWrite(Node& n);
  void ApplyEntries(Node& n, const replication::ApplyBatch& batch);
  void Merge(Node& n, const std::string& key, const SimRecord& rec);
  bool CheckConverged();

  SimOptions options_;
  std::mt19937_64 rng_;
  uint64_t now_ = 0;
  uint64_t event_counter_ = 0;
  std::priority_queue<std::tuple<uint64_t, uint64_t, std::string>,
                      std::vector<std::tuple<uint64_t, uint64_t, std::string>>, std::greater<>>
      queue_;
  std::map<uint64_t, Event> events_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::set<std::pair<int, int>> cut_;  // partitioned node index pairs (both directions)
  std::vector<SimRecord> all_writes_;
  std::vector<std::string> all_write_keys_;
  std::string failure_;
  uint64_t trace_hash_ = 1469598103934665603ull;
  uint64_t acked_writes_ = 0;
  uint64_t snapshots_ = 0;
};

}  // namespace meridian::sim
