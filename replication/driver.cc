// The shared Ready handling (see driver.h).
#include "replication/driver.h"

#include "storage/base/log.h"
#include "storage/replica.h"

namespace meridian::replication {

Result<PersistedState> LoadPersistedState(storage::Store& store) {
  PersistedState state;
  state.last_seq = store.writer().committed_seq();
  auto txn = store.Read();
  if (!txn.ok()) return txn.status();
  auto applied = storage::AppliedPositions(*txn);
  if (!applied.ok()) return applied.status();
  state.applied = std::move(*applied);
  return state;
}

Result<uint64_t> SnapshotStamp(const storage::Store& store) {
  auto txn = store.Read();
  if (!txn.ok()) return txn.status();
  return storage::DurableLastSeq(*txn);
}

Result<storage::SnapshotChunk> ReadSnapshotChunk(const storage::Store& store, std::string& next_key,
                                                 size_t max_bytes, uint64_t stamp) {
  storage::SnapshotChunk chunk;
  size_t bytes = 0;
  bool last = true;
  auto txn = store.Read();
  if (!txn.ok()) return txn.status();
  Status st = txn->ScanFrom(storage::Db::kData, next_key,
                            [&](std::string_view key, std::string_view value) {
                              if (bytes >= max_bytes) {
                                last = false;
                                next_key = std::string(key);
                                return false;
                              }
                              chunk.records.emplace_back(key, value);
                              bytes += key.size() + value.size();
                              return true;
                            });
  if (!st.ok()) return st;
  if (last) chunk.applied_seq = stamp;
  return chunk;
}

Driver::Driver(Replicator* core, ConsistencyGate* gate, StoreLogReader* log, DriverHost* host)
    : core_(core), gate_(gate), log_(log), host_(host) {}

void Driver::Process() {
  while (core_->HasReady()) {
    Ready ready = core_->TakeReady();
    if (!ready.log_error.ok()) {
      log::Error("replication_log_read_failed", "status=\"" + ready.log_error.ToString() + "\"");
    }
    for (const auto& [peer, seq] : ready.durable) gate_->Durable(peer, seq);
    for (const auto& [peer, msg] : ready.entries) host_->SendEntries(peer, msg);
    for (const auto& [origin, ack] : ready.acks) host_->SendAck(origin, ack);
    for (auto& batch : ready.apply) Apply(std::move(batch));
    for (const auto& peer : ready.snapshots) host_->StartSnapshot(peer);
    if (ready.truncate_upto) Truncate(*ready.truncate_upto);
    if (ready.clock_entry) {
      storage::WriteBatch clock;
      clock.clock_entry = true;
      host_->Persist(std::move(clock), [](Result<storage::CommitInfo>) {});
    }
    if (ready.collect) Collect(*ready.collect);
    for (const auto& link : ready.drop_links) {
      log::Warn("peer_silent",
                std::string("dir=") +
                    (link.dir == LinkRef::Dir::kOutbound ? "out peer=" : "in origin=") + link.id);
      host_->DropLink(link);
    }
  }
}

void Driver::OnLocalCommit(uint64_t seq, uint64_t now_ms) {
  core_->LocalAppended(seq, now_ms);
  Process();
}

void Driver::OnTick(uint64_t now_ms) {
  core_->Tick(now_ms);
  Process();
}

void Driver::OnOutboundLink(const std::string& peer, uint64_t peer_applied, uint64_t now_ms) {
  core_->PeerConnected(peer, peer_applied, now_ms);
  Process();
}

void Driver::OnOutboundLost(const std::string& peer) { core_->PeerDisconnected(peer); }

void Driver::OnInboundLink(const std::string& peer, const std::string& origin) {
  core_->PeerOrigin(peer, origin);
  gate_->OriginOfNode(origin, peer);
}

void Driver::OnInboundLost(const std::string& origin) { core_->InboundLost(origin); }

void Driver::OnEntries(const std::string& origin, const EntriesMsg& msg, uint64_t now_ms) {
  core_->Step(origin, msg, now_ms);
  gate_->Stable(origin, core_->StableOf(origin));
  Process();
}

void Driver::OnAck(const std::string& peer, const AckMsg& ack, uint64_t now_ms) {
  core_->Step(peer, ack, now_ms);
  Process();
}

void Driver::OnSnapshotChunk(const std::string& origin, storage::SnapshotChunk chunk,
                             std::function<void(Status)> done) {
  core_->Heard({LinkRef::Dir::kInbound, origin});
  chunk.origin = origin;
  const std::optional<uint64_t> stamp = chunk.applied_seq;
  storage::WriteBatch write;
  write.snapshot = std::move(chunk);
  host_->Persist(std::move(write), [this, origin, stamp,
                                    done = std::move(done)](Result<storage::CommitInfo> r) {
    if (r.ok() && stamp) {
      log::Info("snapshot_installed", "origin=" + origin + " seq=" + std::to_string(*stamp));
      core_->SnapshotInstalled(origin, r->seq);
      Process();
    }
    done(r.ok() ? Status::Ok() : r.status());
  });
}

void Driver::Apply(ApplyBatch batch) {
  storage::WriteBatch write;
  write.remote = storage::RemoteEntries{batch.origin, {}};
  write.remote->payloads.reserve(batch.entries.size());
  for (auto& e : batch.entries) write.remote->payloads.push_back(std::move(e.payload));
  host_->Persist(std::move(write), [this, origin = batch.origin](Result<storage::CommitInfo> r) {
    if (r.ok()) {
      core_->Applied(origin, r->seq);
    } else {
      log::Warn("replication_apply_failed",
                "origin=" + origin + " status=\"" + r.status().ToString() + "\"");
      core_->ApplyFailed(origin);
    }
    Process();
  });
}

void Driver::Truncate(uint64_t upto) {
  storage::WriteBatch write;
  write.truncate_log_upto = upto;
  host_->Persist(std::move(write), [this](Result<storage::CommitInfo>) {
    if (Status st = log_->Refresh(); !st.ok()) {
      log::Warn("replication_log_read_failed", "status=\"" + st.ToString() + "\"");
    }
  });
}

void Driver::Collect(const GcHorizon& horizon) {
  storage::WriteBatch collect;
  collect.collect = storage::TombstoneHorizon{horizon.stable, horizon.origins};
  host_->Persist(std::move(collect), [](Result<storage::CommitInfo> r) {
    if (r.ok() && r->seq > 0) log::Info("tombstones_collected", "count=" + std::to_string(r->seq));
  });
}

}  // namespace meridian::replication
