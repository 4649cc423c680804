// Driver: the Ready-handling half of replication, one piece of code for the real service
// (replication/net/replication_service.cc) and the simulation (tests/sim/). It feeds the core
// what the links and the store report, and carries out each Ready in the order replicator.h
// states: durable positions to the consistency gate, entries and acks to the links, apply
// batches to the store's writer (reporting each commit back), snapshots started, truncation,
// clock entry and collection submitted, links the core found silent closed. It also installs
// received snapshot chunks. It decides
// nothing (every policy is the core's) and owns no I/O: bytes leave through DriverHost, and
// batches reach the writer through DriverHost::Persist, whose answers come back on the
// driver's own thread. Not thread-safe: it runs where the core runs (the service's strand, the
// simulation's loop).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "replication/consistency_gate.h"
#include "replication/core/replicator.h"
#include "replication/log_source.h"
#include "storage/store.h"

namespace meridian::replication {

// What differs between the real service and the simulation: the links, and when a commit's
// answer comes back.
class DriverHost {
 public:
  virtual ~DriverHost() = default;
  // Over the link this node dialed to `peer`; dropped when there is none (the core resends
  // after the reconnect's handshake).
  virtual void SendEntries(const std::string& peer, const EntriesMsg& msg) = 0;
  // Over the link `origin` dialed; dropped when there is none.
  virtual void SendAck(const std::string& origin, const AckMsg& ack) = 0;
  // Streams this node's key space to `peer` (SnapshotStamp, then ReadSnapshotChunk until the
  // last chunk), over the link this node dialed.
  virtual void StartSnapshot(const std::string& peer) = 0;
  // Submits `batch` to the store's writer. `done` runs later on the driver's thread (never
  // inline), at most once, and never after the driver is gone.
  virtual void Persist(storage::WriteBatch batch, storage::CommitCallback done) = 0;
  // Closes `link` (the core found it silent). Its loss is reported back as for any broken
  // link: OnOutboundLost / OnInboundLost, and the dialer reconnects as usual.
  virtual void DropLink(const LinkRef& link) = 0;
};

// What the core starts from: the store's durable log end and applied positions.
Result<PersistedState> LoadPersistedState(storage::Store& store);

// The stamp of a snapshot: this node's durable log end, read before the first chunk.
Result<uint64_t> SnapshotStamp(const storage::Store& store);
// Reads the next chunk of this node's key space (records and tombstones) from `next_key`, about
// `max_bytes`, in one short read transaction, and moves `next_key` past it. The last chunk
// carries `stamp` as its applied_seq. `origin` is left empty (the receiver names the sender).
Result<storage::SnapshotChunk> ReadSnapshotChunk(const storage::Store& store, std::string& next_key,
                                                 size_t max_bytes, uint64_t stamp);

class Driver {
 public:
  // REQUIRES: every argument outlives the driver; `log` reads `store`'s own log.
  Driver(Replicator* core, ConsistencyGate* gate, StoreLogReader* log, DriverHost* host);

  // Carries out every Ready the core has, until it has none.
  void Process();

  // Inputs, each forwarded to the core and then processed.
  void OnLocalCommit(uint64_t seq, uint64_t now_ms);
  void OnTick(uint64_t now_ms);
  // The link this node dialed to `peer` finished its handshake; `peer_applied` is the peer's
  // applied position of this node's log (its Welcome).
  void OnOutboundLink(const std::string& peer, uint64_t peer_applied, uint64_t now_ms);
  void OnOutboundLost(const std::string& peer);
  // The link `peer` dialed authenticated it as incarnation `origin`.
  void OnInboundLink(const std::string& peer, const std::string& origin);
  // The link `origin` dialed (the current one) is gone.
  void OnInboundLost(const std::string& origin);
  void OnEntries(const std::string& origin, const EntriesMsg& msg, uint64_t now_ms);
  void OnAck(const std::string& peer, const AckMsg& ack, uint64_t now_ms);
  // Merges one received chunk of `origin`'s snapshot; `done` gets the commit's status (the
  // link reads the next chunk only then, and drops the snapshot on an error). Once the last
  // chunk committed, the core learns the snapshot is installed.
  void OnSnapshotChunk(const std::string& origin, storage::SnapshotChunk chunk,
                       std::function<void(Status)> done);

 private:
  void Apply(ApplyBatch batch);
  void Truncate(uint64_t upto);
  void Collect(const GcHorizon& horizon);

  Replicator* const core_;
  ConsistencyGate* const gate_;
  StoreLogReader* const log_;
  DriverHost* const host_;
};

}  // namespace meridian::replication
