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
  auto state = LoadPersistedState(*store_);
  if (!state.ok()) return state.status();
  std::vector<std::string> peers;
  for (const auto& p : options_.peers) peers.push_back(p.node_id);
  core_ = std::make_unique<Replicator>(store_->origin_id(), peers, std::move(*state), log_.get(),
                                       options_.core);
  driver_ =
      std::make_unique<Driver>(core_.get(), gate_, log_.get(), static_cast<DriverHost*>(this));
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
    if (stopping_ || !driver_) return;
    driver_->OnLocalCommit(seq, NowMs());
  });
}

void ReplicationService::SendEntries(const std::string& peer, const EntriesMsg& msg) {
  auto it = outbound_.find(peer);
  if (it == outbound_.end() || !it->second->ready) return;  // resent after reconnect
  pb::Frame frame;
  ToProto(msg, frame.mutable_entries());
  Send(it->second, EncodeFrame(frame));
  stats_[peer].entries_sent += msg.entries.size();
}

void ReplicationService::NoteError(const std::string& peer, const std::string& error) {
  if (stopping_) return;
  PeerStats& st = stats_[peer];
  st.last_error = error.substr(0, 300);
  st.last_error_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
}

void ReplicationService::SendAck(const std::string& origin, const AckMsg& ack) {
  auto it = inbound_.find(origin);
  if (it == inbound_.end()) return;
  pb::Frame frame;
  frame.mutable_ack()->set_applied_seq(ack.applied_seq);
  Send(it->second, EncodeFrame(frame));
}

void ReplicationService::StartSnapshot(const std::string& peer) {
  asio::co_spawn(strand_, StreamSnapshot(peer), asio::detached);
}

void ReplicationService::Persist(storage::WriteBatch batch, storage::CommitCallback done) {
  store_->Submit(std::move(batch), [this, done = std::move(done)](Result<storage::CommitInfo> r) {
    // Answered even while stopping: the core and gate live as long as the service.
    asio::post(strand_, [done, r = std::move(r)]() mutable { done(std::move(r)); });
  });
}

void ReplicationService::DropLink(const LinkRef& link) {
  auto& links = link.dir == LinkRef::Dir::kOutbound ? outbound_ : inbound_;
  if (auto it = links.find(link.id); it != links.end()) it->second->Close();
}

asio::awaitable<void> ReplicationService::TickLoop() {
  while (!stopping_) {
    tick_.expires_after(std::chrono::milliseconds(50));
    co_await tick_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopping_) break;
    driver_->OnTick(NowMs());  // the core also decides which links are silent
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
    const PeerStats& st = stats_[p.node_id];
    peer["bytes_sent"] = st.bytes_sent;
    peer["bytes_received"] = st.bytes_received;
    peer["entries_sent"] = st.entries_sent;
    peer["entries_received"] = st.entries_received;
    peer["snapshot_records_sent"] = st.snapshot_records_sent;
    peer["snapshot_bytes_sent"] = st.snapshot_bytes_sent;
    peer["snapshot_records_received"] = st.snapshot_records_received;
    peer["snapshot_bytes_received"] = st.snapshot_bytes_received;
    if (origin != origin_of_.end()) {
      const uint64_t applied = core_->AppliedFrom(origin->second);
      const uint64_t announced = core_->AnnouncedBy(origin->second);
      peer["catchup_entries"] = announced > applied ? announced - applied : 0;
    }
    peer["last_error"] = st.last_error;
    peer["last_error_unix_ms"] = st.last_error_ms;
    peers.push_back(std::move(peer));
  }
  out["peers"] = std::move(peers);
  co_return json::serialize(out);
}

}  // namespace meridian::replication
