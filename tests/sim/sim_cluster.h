// A seeded, single-threaded simulation of a Meridian cluster that runs the real code: each node
// is a real storage::Store (LMDB in its own temporary folder, the real writer thread, last-
// writer-wins merge, truncation, tombstone collection), the real replication core and the real
// Ready handling (replication/driver.h, the code the service runs). Only sockets and timers are
// simulated: a simulated clock and network with per-node clock skew and faults — delay, drop,
// duplicate, reorder, partition, a commit that fails (the storage.commit failpoint: the writer
// turns sticky and the node is restarted), and crash-restart that loses every batch not yet
// fsync'd (a batch reaches the writer only at its simulated fsync time, so a crash before it
// drops it). FoundationDB's idea at our scale. The same seed gives the same run (trace_hash()).
// Not thread-safe; one simulation at a time per process (failpoints are process-wide).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "replication/core/messages.h"
#include "replication/core/quorum.h"
#include "storage/base/hlc.h"
#include "storage/write_batch.h"

namespace meridian::replication {
struct LinkRef;
}  // namespace meridian::replication

namespace meridian::sim {

struct SimOptions {
  int regions = 3;
  int nodes_per_region = 1;
  uint64_t fault_ms = 3000;   // writes and faults happen in [0, fault_ms)
  uint64_t settle_ms = 8000;  // then everything heals and runs quietly
  double drop = 0.02, duplicate = 0.02;
  double commit_fail = 0.0005;  // chance that a commit in the fault window fails (sticky)
  int writes = 200;
  int keys = 8;
  uint64_t max_log_entries = 25;  // small, so lagging nodes need snapshots
  uint64_t gc_interval_ms = 700;  // tombstone collection and idle clock entries
  size_t snapshot_chunk_bytes = 256;
};

// One committed client write, as the checks remember it.
struct SimWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt: a delete (tombstone)
  Hlc hlc;
  std::string origin;
  uint64_t seq = 0;
};

class SimCluster {
 public:
  SimCluster(uint64_t seed, SimOptions options);
  ~SimCluster();  // closes every store and removes the temporary folders

  // The randomized scenario: writes and faults, heal, settle, then Check(). False with
  // failure() set when a check fails.
  bool Run();
  const std::string& failure() const { return failure_; }
  uint64_t trace_hash() const { return trace_hash_; }
  uint64_t acked_writes() const { return acked_writes_; }
  uint64_t snapshots() const { return snapshots_; }
  uint64_t commit_failures() const { return commit_failures_; }
  uint64_t tombstones_collected() const { return collected_; }
  uint64_t links_dropped() const { return links_dropped_; }  // found silent by a core

  // Scripted control (tests/sim/scenario_test.cc). Nodes are numbered from 0.
  // Adds a node (n<count>) in `region` before Start(); its index.
  int AddNode(const std::string& region);
  void Start();              // opens every node and connects the links
  void RunFor(uint64_t ms);  // advances the clock, running every event due
  int size() const { return static_cast<int>(nodes_.size()); }
  // A client write at `node`: put `value`, or delete when nullopt, then wait for `level`.
  // Outcomes go to the event list: committed (with its token), released, failed.
  void Write(int node, const std::string& key, std::optional<std::string> value,
             replication::ConsistencyLevel level);
  // A read at `node` that waits for `token` ("<origin>:<seq>"), then reports the key.
  void ReadAfter(int node, const std::string& key, const std::string& token);
  void Cut(int a, int b);  // both directions
  void HealAll();
  void Crash(int node);
  void Restart(int node);
  void FailNextCommit(int node);  // its next commit fails: the writer turns sticky
  void SetDrop(double drop) { options_.drop = drop; }
  void SetDuplicate(double duplicate) { options_.duplicate = duplicate; }
  // Client-visible outcomes since the last call, in order.
  std::vector<std::string> TakeEvents();
  // A node's live records, tombstones, applied positions and log bounds, one fact per line.
  std::string Dump(int node);
  // The core's view of each peer of `node`.
  std::string Peers(int node);
  // The invariants: every node equals the last-writer-wins result of all committed writes
  // (live records and digest), every node applied every origin's last write, plus what every
  // step checked. False with failure() set.
  bool Check();

 private:
  struct Node;
  struct TokenRead;
  using Event = std::function<void()>;

  uint64_t Rand(uint64_t n);  // uniform in [0, n) from raw mt19937_64 output
  bool Chance(double p);
  void At(uint64_t time, std::string what, Event event);
  void Trace(const std::string& what);
  void Fail(const std::string& why);
  void Note(const std::string& what) { events_out_.push_back(what); }
  Node& NodeById(const std::string& id);

  void CreateNode(int index, const std::string& region);
  void StartNode(Node& n);
  void CrashNode(Node& n);
  void ScheduleTick(Node& n, uint64_t at);
  void UpdateLinks();
  bool LinkUp(const Node& a, const Node& b) const;
  // The generation of the link `dialer` opened to `listener` (a new one per reconnect).
  uint64_t LinkGen(const Node& dialer, const Node& listener) const;
  // Delivers on the link `from` dialed (entries, snapshots) or `to` dialed (acks); dropped
  // once that connection is gone. `lossy`: may drop or duplicate; else in order, like TCP.
  void Send(Node& from, Node& to, bool from_dialed, std::string what,
            std::function<void(Node&)> deliver, bool lossy);
  // DriverHost for node `n` (see replication/driver.h).
  void SendEntries(Node& n, const std::string& peer, const replication::EntriesMsg& msg);
  void SendAck(Node& n, const std::string& origin, const replication::AckMsg& ack);
  void StartSnapshot(Node& n, const std::string& peer);
  void DropLink(Node& n, const replication::LinkRef& link);
  void InstallChunks(Node& n, std::string origin,
                     std::shared_ptr<std::vector<storage::SnapshotChunk>> chunks, size_t next,
                     Node* from, uint64_t gen);
  void Persist(Node& n, storage::WriteBatch batch, storage::CommitCallback done);
  void Commit(Node& n, storage::WriteBatch batch, storage::CommitCallback done);
  void CheckRemoteApply(Node& n, const storage::RemoteEntries& remote, uint64_t before,
                        const Result<storage::CommitInfo>& r);
  void CheckHorizon(const Node& n, const storage::TombstoneHorizon& horizon);
  void CheckReleased(const std::string& origin, const std::string& region, uint64_t seq,
                     replication::ConsistencyLevel level);
  void CheckTokenReads();
  uint64_t Holds(const Node& n, const std::string& origin) const;
  std::map<std::string, SimWrite> Expected() const;

  SimOptions options_;
  std::mt19937_64 rng_;
  uint64_t now_ = 0;
  uint64_t event_counter_ = 0;
  std::priority_queue<std::tuple<uint64_t, uint64_t, std::string>,
                      std::vector<std::tuple<uint64_t, uint64_t, std::string>>, std::greater<>>
      queue_;
  std::map<uint64_t, Event> events_;
  std::string base_dir_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::set<std::pair<int, int>> cut_;  // partitioned node index pairs (both directions)
  std::vector<SimWrite> writes_;       // every committed client write
  std::map<std::tuple<int, std::string, uint64_t>, int> apply_count_;  // node, origin, seq
  std::mutex token_mu_;                                    // token waits fire on writer threads
  std::vector<std::shared_ptr<TokenRead>> token_reached_;  // GUARDED_BY(token_mu_)
  std::vector<std::string> events_out_;
  std::string failure_;
  uint64_t trace_hash_ = 1469598103934665603ull;
  uint64_t acked_writes_ = 0;
  uint64_t snapshots_ = 0;
  uint64_t commit_failures_ = 0;
  uint64_t collected_ = 0;
  uint64_t links_dropped_ = 0;
};

}  // namespace meridian::sim
