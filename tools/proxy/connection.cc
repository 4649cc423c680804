// Connection forwarding with a timestamped queue per direction (see connection.h).
#include "tools/proxy/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "tools/proxy/route.h"

namespace meridian::proxy {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr size_t kChunkBytes = 64 * 1024;
// A direction stops reading above the high-water mark and resumes below the low one. The
// mark is far above any bandwidth-delay product we test (16 MiB in flight is 800 MB/s at
// 20 ms), so it bounds memory without throttling a delayed link.
constexpr size_t kHighWaterBytes = 16 * 1024 * 1024;
constexpr size_t kLowWaterBytes = 8 * 1024 * 1024;
// One gather write takes at most this much, so a long due backlog does not starve the other
// direction's coroutines on the single thread.
constexpr size_t kMaxWriteBuffers = 64;
constexpr size_t kMaxWriteBytes = 4 * 1024 * 1024;

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
}  // namespace

Connection::Direction::Direction(tcp::socket& from_socket, tcp::socket& to_socket)
    : from(from_socket),
      to(to_socket),
      writer_wake(from_socket.get_executor()),
      reader_wake(from_socket.get_executor()) {}

Connection::Connection(std::shared_ptr<Route> route, uint64_t id, tcp::socket client)
    : route_(std::move(route)),
      id_(id),
      client_(std::move(client)),
      target_(client_.get_executor()),
      upstream_(client_, target_),
      downstream_(target_, client_) {}

void Connection::Start() {
  auto self = shared_from_this();
  asio::co_spawn(
      client_.get_executor(), [self]() { return self->Run(); }, asio::detached);
}

void Connection::Abort() { Close(/*reset=*/true); }

asio::awaitable<void> Connection::Run() {
  auto self = shared_from_this();
  auto [ec] = co_await target_.async_connect(route_->target(), kToken);
  if (closed_) co_return;  // cut while connecting
  if (ec) {
    ++route_->counters().connect_failed;
    // A reset tells the client at once that the far side is not there, as a refused
    // connection would without the proxy.
    Close(/*reset=*/true);
    co_return;
  }
  boost::system::error_code ignored;
  // Without TCP_NODELAY a delayed small chunk could wait again for Nagle and the peer's
  // delayed ACK (40 ms), which would swamp the delay we inject.
  client_.set_option(tcp::no_delay(true), ignored);
  target_.set_option(tcp::no_delay(true), ignored);
  auto ex = client_.get_executor();
  for (Direction* d : {&upstream_, &downstream_}) {
    asio::co_spawn(
        ex, [self, d]() { return self->ReadLoop(*d); }, asio::detached);
    asio::co_spawn(
        ex, [self, d]() { return self->WriteLoop(*d); }, asio::detached);
  }
}

asio::awaitable<void> Connection::ReadLoop(Direction& d) {
  std::vector<char> scratch(kChunkBytes);
  for (;;) {
    auto [ec, n] = co_await d.from.async_read_some(asio::buffer(scratch), kToken);
    if (closed_) co_return;
    if (ec == asio::error::eof) {
      d.read_done = true;
      d.writer_wake.cancel();  // an idle writer must forward the FIN
      co_return;
    }
    if (ec || route_->is_cut()) {
      Close(/*reset=*/true);
      co_return;
    }
    // Losing bytes inside a TCP stream would only corrupt it; what a lossy network does to a
    // TCP peer in the end is a broken connection, so a drop resets the whole connection.
    if (route_->DrawDrop()) {
      ++route_->counters().dropped;
      Close(/*reset=*/true);
      co_return;
    }
    bool was_empty = d.queue.empty();
    // The due time is fixed on arrival, so each chunk gets the delay in force when it came
    // and the queue stays in arrival order (bytes never overtake each other).
    d.queue.push_back(Chunk{Clock::now() + route_->delay(),
                            std::vector<char>(scratch.begin(), scratch.begin() + n)});
    d.queued_bytes += n;
    if (was_empty) d.writer_wake.cancel();
    while (d.queued_bytes > kHighWaterBytes && !closed_) {
      d.reader_wake.expires_at(Clock::time_point::max());
      co_await d.reader_wake.async_wait(kToken);
    }
    if (closed_) co_return;
  }
}

asio::awaitable<void> Connection::WriteLoop(Direction& d) {
  std::vector<asio::const_buffer> batch;
  for (;;) {
    if (closed_) co_return;
    if (d.queue.empty()) {
      if (d.read_done) {
        boost::system::error_code ignored;
        d.to.shutdown(tcp::socket::shutdown_send, ignored);
        d.write_done = true;
        MaybeFinish();
        co_return;
      }
      d.writer_wake.expires_at(Clock::time_point::max());
      co_await d.writer_wake.async_wait(kToken);
      continue;
    }
    auto now = Clock::now();
    if (d.queue.front().due > now) {
      d.writer_wake.expires_at(d.queue.front().due);
      co_await d.writer_wake.async_wait(kToken);
      continue;
    }
    // Everything already due goes in one gather write: that, not one write per chunk, is what
    // keeps a delayed link's throughput at the undelayed rate.
    batch.clear();
    size_t batch_bytes = 0;
    for (const Chunk& chunk : d.queue) {
      if (chunk.due > now || batch.size() == kMaxWriteBuffers || batch_bytes >= kMaxWriteBytes) {
        break;
      }
      batch.push_back(asio::buffer(chunk.bytes));
      batch_bytes += chunk.bytes.size();
    }
    size_t count = batch.size();
    auto [ec, written] = co_await asio::async_write(d.to, batch, kToken);
    if (closed_) co_return;
    if (ec) {
      Close(/*reset=*/true);
      co_return;
    }
    for (size_t i = 0; i < count; ++i) {
      d.queued_bytes -= d.queue.front().bytes.size();
      d.queue.pop_front();
    }
    if (d.queued_bytes <= kLowWaterBytes) d.reader_wake.cancel();
  }
}

void Connection::MaybeFinish() {
  if (upstream_.write_done && downstream_.write_done) Close(/*reset=*/false);
}

void Connection::Close(bool reset) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  for (tcp::socket* socket : {&client_, &target_}) {
    if (reset && socket->is_open()) socket->set_option(asio::socket_base::linger(true, 0), ignored);
    socket->close(ignored);
  }
  // Queued chunks stay until the object dies: an aborted gather write may still name them.
  for (Direction* d : {&upstream_, &downstream_}) {
    d->writer_wake.cancel();
    d->reader_wake.cancel();
  }
  route_->Forget(id_);
}

}  // namespace meridian::proxy
