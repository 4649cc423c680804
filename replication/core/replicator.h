// Replicator: the pure replication state machine of one node (raft's shape: inputs change
// state, TakeReady() hands the driver what to send, apply, snapshot, truncate and collect). No
// I/O, no clock, no threads: time is an argument. Not thread-safe: one driver thread (or one
// strand) owns it. Protocol and state diagram: docs/replication.md.
//
// The driver's duties with each Ready, in this order: hand `durable` to the consistency gate;
// send `entries` and `acks` (acks only ever cover entries already persisted: the core emits
// them after Applied); submit `apply` batches to the writer in order, reporting each with
// Applied/ApplyFailed after its commit; start `snapshots`; submit `truncate_upto`, `collect` and
// `clock_entry`; close `drop_links` (reporting each loss back as for any broken link). Then
// TakeReady() again until HasReady() is false. Every policy (batch sizes,
// windows, timeouts, truncation batching, the collection horizon and its interval) is decided
// here; the driver decides nothing.
//
//   sender side (own log -> each peer):   Disconnected -> Streaming <-> Snapshotting
//   receiver side (each origin -> here):  entries handed to apply in order, acked once durable
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "replication/core/log_reader.h"
#include "replication/core/messages.h"

namespace meridian::replication {

struct ReplicatorOptions {
  size_t max_batch_entries = 512;         // entries per EntriesMsg
  size_t max_batch_bytes = 1 << 20;       // about this many payload bytes per EntriesMsg
  uint64_t max_inflight_entries = 16384;  // sent but not acknowledged, per peer
  uint64_t retransmit_ms = 1000;          // no ack progress for this long: resend from acked+1
  uint64_t heartbeat_ms = 250;            // an idle stream sends an empty EntriesMsg this often
  uint64_t snapshot_timeout_ms = 120000;  // a snapshot not acknowledged by then is restarted
  uint64_t max_log_entries = 1000000;     // retained even if a peer lags (it then needs a snapshot)
  // Truncation is batched to keep it off the writer's hot path: it is handed out once this
  // many entries are due, or whatever is due once truncate_flush_ms passed since the last one.
  uint64_t truncate_every_entries = 4096;
  uint64_t truncate_flush_ms = 1000;
  // How often tombstones every node holds are collected, and how long this node may write
  // nothing before it logs an empty clock entry (so peers' view of its HLC frontier moves on).
  uint64_t gc_interval_ms = 60000;
  // Link liveness, in Ticks (the service ticks every 50 ms): a link on which nothing was heard
  // for this many Ticks is dropped (Ready::drop_links). Heartbeats (heartbeat_ms) and the
  // acks they draw keep a healthy link heard in both directions. The outbound link of a peer
  // being sent a snapshot is exempt: acks pause until it is installed (snapshot_timeout_ms).
  uint64_t link_dead_ticks = 100;
};

// One replication link as the core knows it: the one this node dialed to a peer (by node id,
// it carries entries out and acks in) or the one an origin dialed here (by origin id).
struct LinkRef {
  enum class Dir { kOutbound, kInbound };
  Dir dir;
  std::string id;
  auto operator<=>(const LinkRef&) const = default;
};

// When tombstones may be purged, in the core's terms (the driver hands it to the store as a
// storage::TombstoneHorizon): a tombstone goes once its origin's log is applied everywhere up
// to it (`stable`) and this node has applied every other current origin past its HLC.
struct GcHorizon {
  std::map<std::string, uint64_t> stable;  // origin id -> every node applied it up to here
  std::vector<std::string> origins;        // every current origin of the cluster, own first
};

// What survived on disk: this node's log end and how far each origin was applied here.
struct PersistedState {
  uint64_t last_seq = 0;
  std::map<std::string, uint64_t> applied;  // origin id -> durable applied seq
};

// Entries of one origin to persist, in order, then report with Applied().
struct ApplyBatch {
  std::string origin;
  std::vector<WireEntry> entries;
};

struct Ready {
  // Entries for peers (by node id) over the link this node dialed. Send after TakeReady().
  std::vector<std::pair<std::string, EntriesMsg>> entries;
  // Acknowledgements for origins (by origin id), over the link that origin dialed.
  // Each is sent only after the applied entries it covers were persisted.
  std::vector<std::pair<std::string, AckMsg>> acks;
  // Persist in order; afterwards call Applied(origin, last seq) (or ApplyFailed(origin)).
  std::vector<ApplyBatch> apply;
  // Peers (node ids) that need a snapshot of this node's key space followed by the log: the
  // driver streams it, stamped with this node's durable log end at the snapshot's read.
  std::vector<std::string> snapshots;
  // Own log entries up to this seq may be deleted (every peer has them, or retention).
  // Already batched (ReplicatorOptions::truncate_every_entries): submit it as it comes.
  std::optional<uint64_t> truncate_upto;
  // Due every gc_interval_ms once every peer's current origin is known: purge what it allows.
  std::optional<GcHorizon> collect;
  // This node wrote nothing for gc_interval_ms: log an empty clock entry.
  bool clock_entry = false;
  // Peers' (node id) new durable positions in this node's log, for the consistency gate.
  std::vector<std::pair<std::string, uint64_t>> durable;
  // Set when reading the own log starts failing (once per failing spell, for the driver to
  // report); streaming stops at the failed read and is retried on every Tick.
  Status log_error;
  // Links silent for link_dead_ticks: close them (the loss is then reported like any other).
  std::vector<LinkRef> drop_links;

  bool empty() const {
    return entries.empty() && acks.empty() && apply.empty() && snapshots.empty() &&
           !truncate_upto && !collect && !clock_entry && durable.empty() && log_error.ok() &&
           drop_links.empty();
  }
};

class Replicator {
 public:
  // REQUIRES: `log` outlives the replicator. `peers` are the other nodes' ids.
  Replicator(std::string self, std::vector<std::string> peers, PersistedState state, LogReader* log,
             ReplicatorOptions options = {});

  // This node committed its own log up to `last_seq`.
  void LocalAppended(uint64_t last_seq, uint64_t now_ms);
  // The link to `peer` is up and authenticated; the peer has applied this node's log up to
  // `peer_applied` (its answer in the handshake).
  void PeerConnected(const std::string& peer, uint64_t peer_applied, uint64_t now_ms);
  void PeerDisconnected(const std::string& peer);
  // The link `peer` (node id) dialed authenticated it as incarnation `origin`.
  void PeerOrigin(const std::string& peer, const std::string& origin);
  // The link `origin` dialed is gone.
  void InboundLost(const std::string& origin);
  // Something arrived on `link` (every Step counts already; this is for the rest, such as
  // snapshot chunks).
  void Heard(const LinkRef& link);
  // A message on the link `origin` dialed (origin = its incarnation id).
  void Step(const std::string& origin, const EntriesMsg& msg, uint64_t now_ms);
  // An acknowledgement from `peer` (node id) on the link this node dialed.
  void Step(const std::string& peer, const AckMsg& msg, uint64_t now_ms);
  // Drives heartbeats, retransmission, snapshot timeouts, link liveness (counted in Ticks), the
  // truncation flush and the tombstone collection interval (the first Tick starts the interval
  // clocks).
  void Tick(uint64_t now_ms);
  // The driver persisted `origin`'s entries up to `seq` (from an ApplyBatch).
  void Applied(const std::string& origin, uint64_t seq);
  // The last chunk of `origin`'s snapshot committed, recording its log applied up to `seq`
  // (the stamp). Call only after that commit; the ack then lets the origin end the snapshot.
  void SnapshotInstalled(const std::string& origin, uint64_t seq) { Applied(origin, seq); }
  // Persisting `origin`'s pending entries failed: forget them; they will be sent again.
  void ApplyFailed(const std::string& origin);

  Ready TakeReady();
  bool HasReady() const { return !ready_.empty(); }

  // Durable applied position of `origin` here (what the handshake reports to that origin).
  uint64_t AppliedFrom(const std::string& origin) const;
  // The last `stable_seq` `origin` announced (every node has its log up to there).
  uint64_t StableOf(const std::string& origin) const;
  // The highest log end `origin` announced to this node.
  uint64_t AnnouncedBy(const std::string& origin) const;
  uint64_t last_seq() const { return last_seq_; }
  // Every peer has acknowledged this node's log up to here (known this run; 0 until every
  // peer was heard from). Never raised by truncation: a peer cut loose holds less.
  uint64_t StableSeq() const { return Stable(); }
  // OK, or the error of the last failed read of the own log (cleared by a good read).
  const Status& log_status() const { return log_status_; }

  struct PeerView {
    bool connected = false;
    bool snapshotting = false;
    uint64_t acked = 0;
    uint64_t next = 1;
  };
  PeerView Peer(const std::string& peer) const;

 private:
  struct PeerState {
    bool connected = false;
    bool acked_known = false;  // acked came from this run (handshake or ack), not a default
    uint64_t acked = 0;
    uint64_t next = 1;         // next seq to send
    uint64_t progress_ms = 0;  // last time acked advanced (or the pipe was empty)
    uint64_t sent_ms = 0;      // last EntriesMsg sent
    bool snapshotting = false;
    uint64_t snapshot_ms = 0;
  };
  struct OriginState {
    uint64_t applied = 0;  // durable here
    uint64_t pending = 0;  // handed to the driver to persist (>= applied)
    uint64_t stable = 0;
    uint64_t announced = 0;
  };

  void Pump(const std::string& peer, PeerState& st, uint64_t now_ms);
  void SendEntries(const std::string& peer, PeerState& st, std::vector<WireEntry> entries,
                   uint64_t now_ms);
  void MaybeTruncate(uint64_t now_ms);
  void MaybeCollect(uint64_t now_ms);
  void CountSilence();
  uint64_t Stable() const;

  const std::string self_;
  const ReplicatorOptions options_;
  LogReader* const log_;
  uint64_t last_seq_;
  uint64_t truncated_upto_ = 0;  // handed out in a Ready (or truncated before start)
  bool clocks_started_ = false;  // the first Tick sets the interval clocks below
  uint64_t truncate_ms_ = 0;     // last truncation handed out
  uint64_t gc_ms_ = 0;           // last collection interval
  uint64_t local_ms_ = 0;        // last own commit
  std::map<std::string, std::string> origin_of_;  // peer node id -> its current origin id
  std::map<std::string, PeerState> peers_;
  std::map<std::string, OriginState> origins_;
  std::map<LinkRef, uint64_t> silent_ticks_;  // live links -> Ticks since last heard
  Status log_status_;
  Ready ready_;
};

}  // namespace meridian::replication
