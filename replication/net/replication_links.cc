// Replication links: the listener and inbound sessions, the dialers with backoff, the
// authenticated handshake, queued writes, and snapshot streaming (see replication_service.h).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "replication/net/link.h"
#include "replication/net/replication_service.h"
#include "storage/base/log.h"
#include "storage/keys.h"
#include "storage/replica.h"

namespace meridian::replication {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kSnapshotChunkBytes = 1 << 20;
constexpr size_t kMaxQueuedBytes = 8 << 20;

Status SplitHostPort(const std::string& text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("expected HOST:PORT: " + text);
  host = text.substr(0, colon);
  int value = std::atoi(text.c_str() + colon + 1);
  if (value < 0 || value > 65535) return Status::InvalidArgument("bad port: " + text);
  port = static_cast<uint16_t>(value);
  return Status::Ok();
}
std::string RemoteAddress(PeerStream& stream) {
  boost::system::error_code ec;
  auto remote = stream.socket().remote_endpoint(ec);
  return ec ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
}
}  // namespace

Status ReplicationService::Listen() {
  std::string host;
  uint16_t port = 0;
  MERIDIAN_RETURN_IF_ERROR(SplitHostPort(options_.listen, host, port));
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (!ec) acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Unavailable("replication listen on " + options_.listen + ": " + ec.message());
  return Status::Ok();
}

void ReplicationService::Send(const std::shared_ptr<Link>& link, std::string bytes) {
  if (!link->open) return;
  link->queued_bytes += bytes.size();
  link->queue.push_back(std::move(bytes));
  if (!link->writing) {
    link->writing = true;
    asio::co_spawn(strand_, WriteLoop(link), asio::detached);
  }
}

asio::awaitable<void> ReplicationService::WriteLoop(std::shared_ptr<Link> link) {
  // One write in flight; a frame leaves the queue only when written.
  while (link->open && !link->queue.empty()) {
    Status st = co_await WriteBytes(link->stream, link->queue.front());
    if (!st.ok()) {
      if (link->open) NoteError(link->peer, "write: " + st.ToString());
      link->Close();
      break;
    }
    stats_[link->peer].bytes_sent += link->queue.front().size();
    link->queued_bytes -= link->queue.front().size();
    link->queue.pop_front();
  }
  link->writing = false;
}

asio::awaitable<Status> ReplicationService::SecureLink(Link& link, bool client) {
  PeerStream::TlsStream* tls = link.stream.tls();
  if (tls == nullptr) co_return Status::Ok();
  auto [ec] = co_await tls->async_handshake(
      client ? ssl::stream_base::client : ssl::stream_base::server, kNoThrow);
  if (!ec) co_return Status::Ok();
  // Refusals (TLS errors, a rejected certificate) are logged; a dropped connection is not.
  const bool refused = ec.category() == asio::error::get_ssl_category() ||
                       SSL_get_verify_result(tls->native_handle()) != X509_V_OK;
  if (refused) {
    log::Warn("peer_tls_refused", std::string("dir=") + (client ? "out" : "in") +
                                      " remote=" + RemoteAddress(link.stream) + " reason=\"" +
                                      HandshakeFailure(tls->native_handle(), ec) + "\"");
  }
  if (refused) co_return Status::PermissionDenied("TLS handshake: " + ec.message());
  co_return Status::Unavailable("TLS handshake: " + ec.message());
}

asio::awaitable<Result<uint64_t>> ReplicationService::Handshake(Link& link,
                                                                const PeerAddress& peer) {
  auto challenge = co_await ReadFrame(link.stream);
  if (!challenge.ok()) co_return challenge.status();
  if (!challenge->has_challenge() || challenge->challenge().node_id() != peer.node_id) {
    co_return Status::PermissionDenied("unexpected peer at " + peer.dial);
  }
  pb::Frame hello;
  const std::string nonce = RandomNonce();
  auto* h = hello.mutable_hello();
  h->set_node_id(options_.node_id);
  h->set_origin_id(store_->origin_id());
  h->set_nonce(nonce);
  h->set_mac(Mac(options_.secret,
                 {"hello", challenge->challenge().nonce(), options_.node_id, store_->origin_id()}));
  Status sent = co_await WriteBytes(link.stream, EncodeFrame(hello));
  if (!sent.ok()) co_return sent;
  auto welcome = co_await ReadFrame(link.stream);
  if (!welcome.ok()) co_return welcome.status();
  if (!welcome->has_welcome() ||
      !SameMac(welcome->welcome().mac(), Mac(options_.secret, {"welcome", nonce, peer.node_id}))) {
    co_return Status::PermissionDenied("peer " + peer.node_id + " failed authentication");
  }
  co_return welcome->welcome().applied_seq();
}

asio::awaitable<void> ReplicationService::Dial(PeerAddress peer) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(peer.dial, host, port).ok()) co_return;
  asio::steady_timer backoff(strand_);
  auto delay = std::chrono::milliseconds(50);
  while (!stopping_) {
    auto link = std::make_shared<Link>(tcp::socket(strand_), tls_);
    link->peer = peer.node_id;
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
    if (!ec) std::tie(ec) = co_await link->stream.socket().async_connect(endpoint, kNoThrow);
    if (ec) NoteError(peer.node_id, "connect " + peer.dial + ": " + ec.message());
    if (!ec && !stopping_) {
      outbound_[peer.node_id] = link;
      asio::steady_timer watchdog(strand_);  // a peer that stalls the handshake is dropped
      watchdog.expires_after(std::chrono::seconds(5));
      watchdog.async_wait([link](boost::system::error_code e) {
        if (!e && !link->ready) link->Close();
      });
      link->stream.socket().set_option(tcp::no_delay(true), ec);
      Status st = co_await SecureLink(*link, /*client=*/true);
      if (st.ok() && link->stream.tls()) {
        st = CheckPeerName(link->stream.tls()->native_handle(), peer.node_id);
        if (!st.ok()) {
          log::Warn("peer_tls_refused", "peer=" + peer.node_id + " dir=out addr=" + peer.dial +
                                            " reason=\"" + st.message() + "\"");
        }
      }
      uint64_t peer_applied = 0;
      if (st.ok()) {
        auto applied = co_await Handshake(*link, peer);
        st = applied.status();
        if (applied.ok()) peer_applied = *applied;
      }
      watchdog.cancel();
      if (st.ok() && link->open) {
        link->ready = true;
        delay = std::chrono::milliseconds(50);
        log::Info("peer_connected", "peer=" + peer.node_id + " dir=out addr=" + peer.dial);
        driver_->OnOutboundLink(peer.node_id, peer_applied, NowMs());
        while (link->open) {  // acks until the link breaks
          auto frame = co_await ReadFrame(link->stream);
          if (!frame.ok() && link->open) NoteError(peer.node_id, frame.status().ToString());
          if (!frame.ok() || !frame->has_ack()) break;
          stats_[peer.node_id].bytes_received += frame->ByteSizeLong() + 4;
          driver_->OnAck(peer.node_id, AckMsg{frame->ack().applied_seq()}, NowMs());
        }
        log::Info("peer_disconnected", "peer=" + peer.node_id + " dir=out");
      } else if (!st.ok() && st.IsPermissionDenied()) {
        log::Warn("peer_auth_failed", "peer=" + peer.node_id + " status=\"" + st.ToString() + "\"");
      }
      if (!st.ok()) NoteError(peer.node_id, "handshake: " + st.ToString());
      link->Close();
      if (auto it = outbound_.find(peer.node_id); it != outbound_.end() && it->second == link) {
        outbound_.erase(it);
      }
      driver_->OnOutboundLost(peer.node_id);
    }
    if (stopping_) break;
    backoff.expires_after(delay);
    co_await backoff.async_wait(kNoThrow);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
  }
}

asio::awaitable<void> ReplicationService::AcceptLoop() {
  while (!stopping_ && acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(strand_, kNoThrow);
    if (ec == asio::error::operation_aborted || stopping_) break;
    if (ec) continue;
    asio::co_spawn(strand_, ServeInbound(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> ReplicationService::ServeInbound(tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // acks are small: never hold one back (Nagle)
  auto link = std::make_shared<Link>(std::move(socket), tls_);
  asio::steady_timer watchdog(strand_);  // also bounds a stalled TLS handshake
  watchdog.expires_after(std::chrono::seconds(5));
  watchdog.async_wait([link](boost::system::error_code e) {
    if (!e && !link->ready) link->Close();
  });
  if (!(co_await SecureLink(*link, /*client=*/false)).ok()) {
    link->Close();
    co_return;
  }
  pb::Frame challenge;
  const std::string nonce = RandomNonce();
  challenge.mutable_challenge()->set_node_id(options_.node_id);
  challenge.mutable_challenge()->set_nonce(nonce);
  Status st = co_await WriteBytes(link->stream, EncodeFrame(challenge));
  // No co_await inside ?: — GCC 12 miscompiles temporaries there.
  Result<pb::Frame> hello = st;
  if (st.ok()) hello = co_await ReadFrame(link->stream);
  const PeerAddress* peer = nullptr;
  if (hello.ok() && hello->has_hello()) {
    for (const auto& p : options_.peers) {
      if (p.node_id == hello->hello().node_id()) peer = &p;
    }
  }
  if (peer == nullptr ||
      !SameMac(hello->hello().mac(), Mac(options_.secret, {"hello", nonce, hello->hello().node_id(),
                                                           hello->hello().origin_id()}))) {
    if (hello.ok()) {
      log::Warn("peer_rejected",
                "reason=authentication remote=" + RemoteAddress(link->stream) +
                    " claimed=" + (hello->has_hello() ? hello->hello().node_id() : ""));
    }
    link->Close();
    co_return;
  }
  if (auto* tls = link->stream.tls()) {
    // The certificate must name the node the (authenticated) hello claims to be.
    Status named = CheckPeerName(tls->native_handle(), peer->node_id);
    if (!named.ok()) {
      log::Warn("peer_tls_refused", "dir=in remote=" + RemoteAddress(link->stream) + " claimed=" +
                                        peer->node_id + " reason=\"" + named.message() + "\"");
      NoteError(peer->node_id, "TLS (inbound): " + named.message());
      link->Close();
      co_return;
    }
  }
  const std::string origin = hello->hello().origin_id();
  link->peer = peer->node_id;
  link->origin = origin;
  pb::Frame welcome;
  welcome.mutable_welcome()->set_node_id(options_.node_id);
  welcome.mutable_welcome()->set_mac(
      Mac(options_.secret, {"welcome", hello->hello().nonce(), options_.node_id}));
  welcome.mutable_welcome()->set_applied_seq(core_->AppliedFrom(origin));
  if (auto old = inbound_.find(origin); old != inbound_.end()) old->second->Close();
  inbound_[origin] = link;
  origin_of_[peer->node_id] = origin;
  driver_->OnInboundLink(peer->node_id, origin);
  link->ready = true;
  watchdog.cancel();
  Send(link, EncodeFrame(welcome));
  log::Info("peer_connected", "peer=" + peer->node_id + " dir=in origin=" + origin);
  while (link->open) {
    auto frame = co_await ReadFrame(link->stream);
    if (!frame.ok() && link->open) NoteError(peer->node_id, frame.status().ToString());
    if (!frame.ok()) break;
    PeerStats& stats = stats_[peer->node_id];
    stats.bytes_received += frame->ByteSizeLong() + 4;
    if (frame->has_entries()) {
      stats.entries_received += static_cast<uint64_t>(frame->entries().entries_size());
      driver_->OnEntries(origin, FromProto(frame->entries()), NowMs());
    } else if (frame->has_snapshot_chunk()) {
      const auto& in = frame->snapshot_chunk();
      storage::SnapshotChunk chunk;
      for (int i = 0; i < in.keys_size() && i < in.records_size(); ++i) {
        chunk.records.emplace_back(in.keys(i), in.records(i));
      }
      if (in.done()) chunk.applied_seq = in.applied_seq();
      stats.snapshot_records_received += chunk.records.size();
      stats.snapshot_bytes_received += frame->ByteSizeLong() + 4;
      // Await each chunk's commit before reading the next: TCP carries the backpressure.
      auto timer = std::make_shared<asio::steady_timer>(strand_);
      timer->expires_at(asio::steady_timer::time_point::max());
      auto result = std::make_shared<std::optional<Status>>();
      driver_->OnSnapshotChunk(origin, std::move(chunk), [timer, result](Status st) {
        *result = std::move(st);
        timer->cancel();
      });
      while (!result->has_value() && !stopping_) co_await timer->async_wait(kNoThrow);
      if (result->has_value() && !(*result)->ok()) {
        NoteError(peer->node_id, "snapshot chunk: " + (*result)->ToString());
      }
      if (!result->has_value() || !(*result)->ok()) break;
    } else {
      break;
    }
  }
  link->Close();
  if (auto it = inbound_.find(origin); it != inbound_.end() && it->second == link) {
    inbound_.erase(origin);
    driver_->OnInboundLost(origin);
  }
  log::Info("peer_disconnected", "peer=" + peer->node_id + " dir=in");
}

asio::awaitable<void> ReplicationService::StreamSnapshot(std::string peer) {
  auto it = outbound_.find(peer);
  if (it == outbound_.end()) co_return;
  std::shared_ptr<Link> link = it->second;
  auto stamp = SnapshotStamp(*store_);
  if (!stamp.ok()) co_return;
  const uint64_t seq = *stamp;
  log::Info("snapshot_started", "peer=" + peer + " seq=" + std::to_string(seq));
  std::string next_key;
  asio::steady_timer pace(strand_);
  for (bool done = false; !done && link->open;) {
    // A short read transaction per chunk: never held across a wait.
    auto chunk = ReadSnapshotChunk(*store_, next_key, kSnapshotChunkBytes, seq);
    if (!chunk.ok()) co_return;
    done = chunk->applied_seq.has_value();
    pb::Frame frame;
    auto* out = frame.mutable_snapshot_chunk();
    for (const auto& [key, record] : chunk->records) {
      out->add_keys(key);
      out->add_records(record);
    }
    if (done) {
      out->set_done(true);
      out->set_applied_seq(seq);
    }
    std::string bytes = EncodeFrame(frame);
    stats_[peer].snapshot_records_sent += chunk->records.size();
    stats_[peer].snapshot_bytes_sent += bytes.size();
    Send(link, std::move(bytes));
    while (link->open && link->queued_bytes > kMaxQueuedBytes) {
      pace.expires_after(std::chrono::milliseconds(2));
      co_await pace.async_wait(kNoThrow);
    }
  }
  log::Info("snapshot_sent", "peer=" + peer + " seq=" + std::to_string(seq));
}

}  // namespace meridian::replication
