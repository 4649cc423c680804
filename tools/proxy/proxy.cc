// Proxy: routes, control listener and command interpreter (see proxy.h).
#include "tools/proxy/proxy.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "tools/proxy/route.h"

namespace meridian::proxy {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// A control line longer than this is not a command; the session is closed.
constexpr size_t kMaxLineBytes = 4096;
constexpr int64_t kMaxDelayMs = 600000;

constexpr char kHelp[] =
    "commands: status | route NAME 127.0.0.1:PORT 127.0.0.1:PORT | delay NAME|* MS | "
    "drop NAME|* PERCENT | cut NAME|* | heal NAME|*";

std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// Route names show up in `status` lines and in the cluster launcher's "n1->n2"; keep them to
// characters that need no quoting there.
bool ValidRouteName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '>' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

template <typename T>
bool ParseWhole(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Proxy::Proxy(asio::io_context& ioc, uint64_t seed)
    : ioc_(ioc), seed_(seed), rng_(std::make_shared<std::mt19937_64>(seed)) {}

Proxy::~Proxy() { Stop(); }

ControlReply Proxy::AddRoute(const std::string& name, const std::string& listen,
                             const std::string& target) {
  if (!ValidRouteName(name)) {
    return ControlReply::Error("bad route name '" + name + "' (1-64 of [A-Za-z0-9_.>-])");
  }
  if (routes_.count(name)) return ControlReply::Error("route '" + name + "' exists");
  std::string error;
  auto listen_endpoint = ParseLoopback(listen, &error);
  if (!listen_endpoint) return ControlReply::Error("listen " + error);
  auto target_endpoint = ParseLoopback(target, &error);
  if (!target_endpoint) return ControlReply::Error("target " + error);
  if (target_endpoint->port() == 0) return ControlReply::Error("target port must not be 0");
  auto route = Route::Create(ioc_, name, *listen_endpoint, *target_endpoint, rng_, &error);
  if (!route) return ControlReply::Error(error);
  route->Start();
  routes_[name] = route;
  return ControlReply::Ok("route " + name + " " + FormatEndpoint(route->listen_endpoint()) + " " +
                          FormatEndpoint(*target_endpoint));
}

std::optional<tcp::endpoint> Proxy::ListenControl(const std::string& address, std::string* error) {
  auto endpoint = ParseLoopback(address, error);
  if (!endpoint) return std::nullopt;
  tcp::acceptor acceptor(ioc_);
  boost::system::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + address + ": " + ec.message();
    return std::nullopt;
  }
  control_.emplace(std::move(acceptor));
  tcp::endpoint bound = control_->local_endpoint();
  asio::co_spawn(
      ioc_,
      [this]() -> asio::awaitable<void> {
        for (;;) {
          auto [ec, socket] = co_await control_->async_accept(asio::as_tuple(asio::use_awaitable));
          if (ec == asio::error::operation_aborted || !control_->is_open()) co_return;
          if (ec) continue;
          // Pruned here, not by the session itself, which may outlive the proxy (see proxy.h).
          std::erase_if(sessions_, [](const auto& entry) { return entry.second.expired(); });
          auto shared = std::make_shared<tcp::socket>(std::move(socket));
          sessions_[next_session_++] = shared;
          asio::co_spawn(ioc_, ServeControl(std::move(shared)), asio::detached);
        }
      },
      asio::detached);
  return bound;
}

asio::awaitable<void> Proxy::ServeControl(std::shared_ptr<tcp::socket> socket) {
  auto token = asio::as_tuple(asio::use_awaitable);
  std::string buffer;
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(
        *socket, asio::dynamic_buffer(buffer, kMaxLineBytes), '\n', token);
    // Aborted means Stop() closed the socket: the proxy may be gone, so touch nothing.
    if (ec == asio::error::operation_aborted) co_return;
    if (ec == asio::error::not_found) {
      std::string wire = ControlReply::Error("line longer than 4096 bytes").Wire();
      co_await asio::async_write(*socket, asio::buffer(wire), token);
    }
    if (ec) break;
    std::string line = buffer.substr(0, n - 1);
    buffer.erase(0, n);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // nc -C, telnet
    std::string wire = Execute(line).Wire();
    auto [write_ec, written] = co_await asio::async_write(*socket, asio::buffer(wire), token);
    if (write_ec) break;
  }
  boost::system::error_code ignored;
  socket->close(ignored);
}

ControlReply Proxy::Execute(std::string_view line) {
  std::vector<std::string> words = SplitWords(line);
  if (words.empty()) return ControlReply::Error("empty command; " + std::string(kHelp));
  const std::string& verb = words[0];
  ControlReply reply;
  if (verb == "help") {
    reply = ControlReply::Ok(kHelp);
  } else if (verb == "status") {
    if (words.size() != 1) return ControlReply::Error("usage: status");
    return Status();  // not logged: the launcher and tests poll it
  } else if (verb == "route") {
    if (words.size() != 4) {
      return ControlReply::Error("usage: route NAME 127.0.0.1:LISTEN_PORT 127.0.0.1:TARGET_PORT");
    }
    reply = AddRoute(words[1], words[2], words[3]);
  } else if (verb == "delay" || verb == "drop" || verb == "cut" || verb == "heal") {
    reply = SetFault(words);
  } else {
    return ControlReply::Error("unknown command '" + verb + "'; " + kHelp);
  }
  if (log_) {
    std::fprintf(stderr, "meridian-proxy: %s -> %s\n", std::string(line).c_str(),
                 reply.lines.back().c_str());
  }
  return reply;
}

ControlReply Proxy::SetFault(const std::vector<std::string>& words) {
  const std::string& verb = words[0];
  bool has_value = verb == "delay" || verb == "drop";
  if (words.size() != (has_value ? 3u : 2u)) {
    if (verb == "delay") return ControlReply::Error("usage: delay NAME|* MS");
    if (verb == "drop") return ControlReply::Error("usage: drop NAME|* PERCENT");
    return ControlReply::Error("usage: " + verb + " NAME|*");
  }
  int64_t delay_ms = 0;
  double percent = 0;
  if (verb == "delay" &&
      (!ParseWhole(words[2], delay_ms) || delay_ms < 0 || delay_ms > kMaxDelayMs)) {
    return ControlReply::Error("delay must be an integer from 0 to " + std::to_string(kMaxDelayMs) +
                               " ms, got '" + words[2] + "'");
  }
  if (verb == "drop" && (!ParseWhole(words[2], percent) || !(percent >= 0 && percent <= 100))) {
    return ControlReply::Error("drop must be a percentage from 0 to 100, got '" + words[2] + "'");
  }
  ControlReply error;
  auto selected = Select(words[1], &error);
  if (!selected) return error;
  for (Route* route : *selected) {
    if (verb == "delay") route->SetDelay(std::chrono::milliseconds(delay_ms));
    if (verb == "drop") route->SetDropPercent(percent);
    if (verb == "cut") route->Cut();
    if (verb == "heal") route->Heal();
  }
  std::string text = verb + " " + words[1];
  if (has_value) text += " " + words[2];
  return ControlReply::Ok(text + " (" + std::to_string(selected->size()) + " routes)");
}

std::optional<std::vector<Route*>> Proxy::Select(const std::string& name, ControlReply* error) {
  std::vector<Route*> selected;
  if (name == "*") {
    for (auto& [route_name, route] : routes_) selected.push_back(route.get());
    return selected;
  }
  auto it = routes_.find(name);
  if (it == routes_.end()) {
    *error = ControlReply::Error("no route '" + name + "'");
    return std::nullopt;
  }
  selected.push_back(it->second.get());
  return selected;
}

ControlReply Proxy::Status() const {
  ControlReply reply;
  for (const auto& [name, route] : routes_) reply.lines.push_back(route->Describe());
  reply.ok = true;
  reply.lines.push_back("ok " + std::to_string(routes_.size()) +
                        " routes seed=" + std::to_string(seed_));
  return reply;
}

void Proxy::Stop() {
  boost::system::error_code ignored;
  if (control_) control_->close(ignored);
  for (auto& [id, weak] : sessions_) {
    if (auto socket = weak.lock()) socket->close(ignored);
  }
  for (auto& [name, route] : routes_) route->Stop();
}

}  // namespace meridian::proxy
