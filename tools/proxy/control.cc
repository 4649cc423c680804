// Control protocol helpers and the one-command client (see control.h).
#include "tools/proxy/control.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>

namespace meridian::proxy {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// A reply line longer than this means the peer is not a meridian-proxy.
constexpr size_t kMaxReplyBytes = 1 << 20;
}  // namespace

ControlReply ControlReply::Ok(std::string text) {
  return ControlReply{true, {text.empty() ? "ok" : "ok " + text}};
}

ControlReply ControlReply::Error(std::string text) {
  return ControlReply{false, {"error " + text}};
}

std::string ControlReply::Wire() const {
  std::string out;
  for (const auto& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

std::optional<tcp::endpoint> ParseLoopback(std::string_view text, std::string* error) {
  constexpr std::string_view kHost = "127.0.0.1:";
  if (!text.starts_with(kHost)) {
    *error = "address must be 127.0.0.1:PORT, got '" + std::string(text) + "'";
    return std::nullopt;
  }
  std::string_view port_text = text.substr(kHost.size());
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    *error = "bad port in '" + std::string(text) + "'";
    return std::nullopt;
  }
  return tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port));
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

bool IsFinalReplyLine(std::string_view line) {
  return line == "ok" || line.starts_with("ok ") || line == "error" || line.starts_with("error ");
}

ControlReply SendControlCommand(const tcp::endpoint& control, const std::string& command,
                                std::chrono::milliseconds timeout) {
  // A newline would send two commands, and the second reply would be left unread.
  if (command.find_first_of("\r\n") != std::string::npos) {
    return ControlReply::Error("a command is one line");
  }
  asio::io_context ioc;
  std::optional<ControlReply> result;
  auto exchange = [&]() -> asio::awaitable<void> {
    auto token = asio::as_tuple(asio::use_awaitable);
    tcp::socket socket(ioc);
    auto [connect_ec] = co_await socket.async_connect(control, token);
    if (connect_ec) {
      result = ControlReply::Error("cannot connect to " + FormatEndpoint(control) + ": " +
                                   connect_ec.message());
      co_return;
    }
    std::string line = command + "\n";
    auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(line), token);
    if (write_ec) {
      result = ControlReply::Error("cannot send: " + write_ec.message());
      co_return;
    }
    ControlReply reply;
    std::string buffer;
    for (;;) {
      auto [read_ec, n] = co_await asio::async_read_until(
          socket, asio::dynamic_buffer(buffer, kMaxReplyBytes), '\n', token);
      if (read_ec) {
        result =
            ControlReply::Error("connection lost before the reply ended: " + read_ec.message());
        co_return;
      }
      std::string got = buffer.substr(0, n - 1);
      buffer.erase(0, n);
      if (!got.empty() && got.back() == '\r') got.pop_back();
      bool final = IsFinalReplyLine(got);
      if (final) reply.ok = got.starts_with("ok");
      reply.lines.push_back(std::move(got));
      if (final) break;
    }
    result = std::move(reply);
  };
  asio::co_spawn(ioc, exchange(), asio::detached);
  ioc.run_for(timeout);
  if (!result) {
    return ControlReply::Error("no reply within " + std::to_string(timeout.count()) + " ms from " +
                               FormatEndpoint(control));
  }
  return *result;
}

}  // namespace meridian::proxy
