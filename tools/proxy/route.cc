// Route: accept loop, faults and connection registry (see route.h).
#include "tools/proxy/route.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <vector>

#include "tools/proxy/connection.h"
#include "tools/proxy/control.h"

namespace meridian::proxy {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string FormatPercent(double value) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), value);
  return ec == std::errc() ? std::string(text, end) : "?";
}

void Reset(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace

std::shared_ptr<Route> Route::Create(asio::io_context& ioc, std::string name,
                                     const tcp::endpoint& listen, const tcp::endpoint& target,
                                     std::shared_ptr<std::mt19937_64> rng, std::string* error) {
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(listen.protocol(), ec);
  // Reuse lets a restarted cluster take its ports back while old connections sit in TIME_WAIT.
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + FormatEndpoint(listen) + ": " + ec.message();
    return nullptr;
  }
  return std::make_shared<Route>(ioc, std::move(name), std::move(acceptor), target, std::move(rng));
}

Route::Route(asio::io_context& ioc, std::string name, tcp::acceptor acceptor,
             const tcp::endpoint& target, std::shared_ptr<std::mt19937_64> rng)
    : ioc_(ioc),
      name_(std::move(name)),
      acceptor_(std::move(acceptor)),
      listen_(acceptor_.local_endpoint()),
      target_(target),
      rng_(std::move(rng)) {}

void Route::Start() {
  auto self = shared_from_this();
  asio::co_spawn(
      ioc_,
      [self]() -> asio::awaitable<void> {
        auto token = asio::as_tuple(asio::use_awaitable);
        asio::steady_timer backoff(self->ioc_);
        for (;;) {
          auto [ec, socket] = co_await self->acceptor_.async_accept(token);
          if (self->stopped_ || ec == asio::error::operation_aborted) co_return;
          if (ec) {
            // Out of descriptors and the like: pause instead of spinning, keep serving.
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(token);
            continue;
          }
          ++self->counters_.accepted;
          if (self->cut_) {
            // A partitioned peer must notice at once rather than wait on a silent socket.
            ++self->counters_.refused;
            Reset(socket);
            continue;
          }
          uint64_t id = self->next_connection_id_++;
          auto connection = std::make_shared<Connection>(self, id, std::move(socket));
          self->connections_[id] = connection;
          connection->Start();
        }
      },
      asio::detached);
}

void Route::Stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  }
  // Abort() calls Forget(), so the map is not walked while it shrinks.
  for (auto& connection : open) connection->Abort();
  connections_.clear();
}

void Route::Cut() {
  cut_ = true;
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  }
  for (auto& connection : open) {
    ++counters_.cut_closed;
    connection->Abort();
  }
  connections_.clear();
}

void Route::Heal() {
  cut_ = false;
  drop_percent_ = 0;
}

bool Route::DrawDrop() {
  if (drop_percent_ <= 0) return false;
  // The top 53 bits of one draw make a uniform double in [0, 1), the same on every standard
  // library (std::uniform_real_distribution is not).
  double unit = static_cast<double>((*rng_)() >> 11) * 0x1.0p-53;
  return unit * 100.0 < drop_percent_;
}

std::string Route::Describe() const {
  return "route " + name_ + " listen=" + FormatEndpoint(listen_) +
         " target=" + FormatEndpoint(target_) + " delay_ms=" + std::to_string(delay_.count()) +
         " drop_pct=" + FormatPercent(drop_percent_) + " cut=" + (cut_ ? "yes" : "no") +
         " active=" + std::to_string(connections_.size()) +
         " accepted=" + std::to_string(counters_.accepted) +
         " refused=" + std::to_string(counters_.refused) +
         " cut_closed=" + std::to_string(counters_.cut_closed) +
         " dropped=" + std::to_string(counters_.dropped) +
         " connect_failed=" + std::to_string(counters_.connect_failed);
}

}  // namespace meridian::proxy
