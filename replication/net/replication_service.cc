// The replication driver: Ready handling, applying, truncation, snapshots, status
// (see replication_service.h). Link I/O is in replication_links.cc.
#include "replication/net/replication_service.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "replication/net/link.h"
#include "replication/net/log_source.h"
#include "storage.pb.h"
#include "storage/base/log.h"
#include "storage/keys.h"
#include "storage/replica.h"

namespace meridian::replication {
namespace asio = boost::asio;
namespace json = boost::json;

ReplicationService::ReplicationService(asio::io_context& ioc, storage::Store* store,
                                       ConsistencyGate* gate, ReplicationOptions options)
    : ioc_(ioc),
      store_(store),
      gate_(gate),
      options_(std::move(options)),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      tick_(strand_) {}

ReplicationService::~ReplicationService() = default;

uint64_t ReplicationService::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Status ReplicationService::Start() {
  if (options_.tls.enabled()) {
    auto tls = LoadPeerTlsContext(options_.tls);
    if (!tls.ok()) return tls.status();
    tls_ = std::move(*tls);
  } else if (!options_.peers.empty()) {
    log::Warn("peer_links_unencrypted",
              "reason=\"peer_tls is not configured: replication links are plaintext TCP\"");
  }
  log_ = std::make_unique<StoreLogReader>(store_);
  PersistedState state;
  state.last_seq = store_->writer().committed_seq();
  {
    auto txn = store_->Read();
    if (!txn.ok()) return txn.status();
    auto applied = storage::AppliedPositions(*txn);
    if (!applied.ok()) return applied.status();
    state.applied = std::move(*applied);
  }
  std::vector<std::string> peers;
  for (const auto& p : options_.peers) peers.push_back(p.node_id);
  core_ = std::make_unique<Replicator>(store_->origin_id(), peers, std::move(state), log_.get(),
                                       options_.core);
  if (!options_.peers.empty()) {
    MERIDIAN_RETURN_IF_ERROR(Listen());
    asio::co_spawn(strand_, AcceptLoop(), asio::detached);
    for (const auto& peer : options_.peers) asio::co_spawn(strand_, Dial(peer), asio::detached);
  }
  asio::co_spawn(strand_, TickLoop(), asio::detached);
  return Status::Ok();
}

Status ReplicationService::ReloadTls() {
  if (!options_.tls.enabled()) return Status::Ok();
  auto tls = LoadPeerTlsContext(options_.tls);
  if (!tls.ok()) {
    log::Error("peer_tls_reload_failed",
               "keeping=previous status=\"" + tls.status().ToString() + "\"");
    return tls.status();
  }
  asio::post(strand_, [this, tls = std::move(*tls)] { tls_ = tls; });
  log::Info("peer_tls_reloaded", "cert=" + options_.tls.cert_file);
  return Status::Ok();
}

void ReplicationService::Stop() {
  asio::post(strand_, [this] {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    tick_.cancel();
    for (auto& [id, link] : outbound_) link->Close();
    for (auto& [id, link] : inbound_) link->Close();
  });
}

void ReplicationService::OnLocalCommit(uint64_t seq) {
  asio::post(strand_, [this, seq] {
    if (stopping_ || !core_) return;
    core_->LocalAppended(seq, NowMs());
    Process();
  });
}

void ReplicationService::Process() {
  while (core_->HasReady()) {
    Ready ready = core_->TakeReady();
    if (!ready.log_error.ok()) {
      log::Error("replication_log_read_failed", "status=\"" + ready.log_error.ToString() + "\"");
    }
    for (const auto& [peer, seq] : ready.durable) gate_->Durable(peer, seq);
    for (auto& [peer, msg] : ready.entries) {
      auto it = outbound_.find(peer);
      if (it == outbound_.end() || !it->second->ready) continue;  // resent after reconnect
      pb::Frame frame;
      ToProto(msg, frame.mutable_entries());
      Send(it->second, EncodeFrame(frame));
    }
    for (const auto& [origin, ack] : ready.acks) {
      auto it = inbound_.find(origin);
      if (it == inbound_.end()) continue;
      pb::Frame frame;
      frame.mutable_ack()->set_applied_seq(ack.applied_seq);
      Send(it->second, EncodeFrame(frame));
    }
    for (auto& batch : ready.apply) ApplyEntries(std::move(batch));
    for (auto& peer : ready.snapshots) {
      asio::co_spawn(strand_, StreamSnapshot(std::move(peer)), asio::detached);
    }
    if (ready.truncate_upto) Truncate(*ready.truncate_upto);
    if (ready.clock_entry) {
      storage::WriteBatch clock;
      clock.clock_entry = true;
      store_->Submit(std::move(clock), [](Result<storage::CommitInfo>) {});
    }
    if (ready.collect) Collect(*ready.collect);
  }
}

void ReplicationService::ApplyEntries(ApplyBatch batch) {
  storage::WriteBatch write;
  write.remote = storage::RemoteEntries{batch.origin, {}};
  write.remote->payloads.reserve(batch.entries.size());
  for (auto& e : batch.entries) write.remote->payloads.push_back(std::move(e.payload));
  store_->Submit(std::move(write), [this, origin = batch.origin](Result<storage::CommitInfo> r) {
    asio::post(strand_, [this, origin, r = std::move(r)] {
      if (stopping_) return;
      if (r.ok()) {
        core_->Applied(origin, r->seq);
      } else {
        log::Warn("replication_apply_failed",
                  "origin=" + origin + " status=\"" + r.status().ToString() + "\"");
        core_->ApplyFailed(origin);
      }
      Process();
    });
  });
}

void ReplicationService::Truncate(uint64_t upto) {
  storage::WriteBatch write;
  write.truncate_log_upto = upto;
  store_->Submit(std::move(write), [this](Result<storage::CommitInfo>) {
    asio::post(strand_, [this] {
      if (Status st = log_->Refresh(); !st.ok()) {
        log::Warn("replication_log_read_failed", "status=\"" + st.ToString() + "\"");
      }
    });
  });
}

void ReplicationService::Collect(const GcHorizon& horizon) {
  storage::WriteBatch collect;
  collect.collect = storage::TombstoneHorizon{horizon.stable, horizon.origins};
  store_->Submit(std::move(collect), [](Result<storage::CommitInfo> r) {
    if (r.ok() && r->seq > 0) log::Info("tombstones_collected", "count=" + std::to_string(r->seq));
  });
}

asio::awaitable<void> ReplicationService::TickLoop() {
  while (!stopping_) {
    tick_.expires_after(std::chrono::milliseconds(50));
    co_await tick_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) break;
    const uint64_t now = NowMs();
    core_->Tick(now);
    Process();
    for (auto* links : {&outbound_, &inbound_}) {
      for (auto& [id, link] : *links) {
        if (link->open && now - link->last_rx_ms > 5000) link->Close();  // silent peer
      }
    }
  }
}

asio::awaitable<std::string> ReplicationService::StatusJson() {
  co_await asio::post(strand_, asio::use_awaitable);
  json::object out;
  const uint64_t last = core_ ? core_->last_seq() : 0;
  out["node_id"] = options_.node_id;
  out["region"] = options_.region;
  out["origin_id"] = store_->origin_id();
  out["last_seq"] = last;
  out["log_first_seq"] = log_ ? log_->FirstSeq() : 1;
  json::array peers;
  const auto wall_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  for (const auto& p : options_.peers) {
    auto view = core_->Peer(p.node_id);
    json::object peer;
    peer["id"] = p.node_id;
    peer["region"] = p.region;
    auto out_link = outbound_.find(p.node_id);
    peer["connected"] = out_link != outbound_.end() && out_link->second->ready;
    peer["snapshotting"] = view.snapshotting;
    peer["acked_seq"] = view.acked;
    peer["lag_entries"] = last > view.acked ? last - view.acked : 0;
    double lag_seconds = 0;
    if (last > view.acked) {
      auto next = log_->Read(view.acked + 1, 1, 1);
      storage::pb::LogEntry entry;
      if (next.ok() && !next->empty() && entry.ParseFromString(next->front().payload)) {
        lag_seconds = std::max<int64_t>(0, wall_now - entry.wall_ms()) / 1000.0;
      }
    }
    peer["lag_seconds"] = lag_seconds;
    auto origin = origin_of_.find(p.node_id);
    if (origin != origin_of_.end()) {
      peer["origin_id"] = origin->second;
      peer["inbound_connected"] = inbound_.count(origin->second) > 0;
      peer["applied_seq"] = core_->AppliedFrom(origin->second);
      peer["announced_seq"] = core_->AnnouncedBy(origin->second);
    } else {
      peer["inbound_connected"] = false;
    }
    peers.push_back(std::move(peer));
  }
  out["peers"] = std::move(peers);
  co_return json::serialize(out);
}

}  // namespace meridian::replication
