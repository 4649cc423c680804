// The control protocol of meridian-proxy, client side and shared pieces: loopback address
// parsing, the reply shape, and a blocking one-command client (for `meridian-proxy ctl` and
// tests). Protocol: one command per line; a reply is zero or more "route ..." lines then one
// final line starting "ok" or "error". Reference: docs/tools.md. Thread-compatible.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meridian::proxy {

// The reply to one control command. `lines` ends with the final "ok ..."/"error ..." line.
struct ControlReply {
  bool ok = false;
  std::vector<std::string> lines;

  static ControlReply Ok(std::string text);
  static ControlReply Error(std::string text);
  // All lines joined with '\n', each line terminated (the wire form).
  std::string Wire() const;
};

// Parses "127.0.0.1:PORT" (PORT 0..65535; 0 means any free port when listening). Only the
// IPv4 loopback is accepted: the proxy is a test tool and must never face a real network.
// On failure returns nullopt and sets `error`.
std::optional<boost::asio::ip::tcp::endpoint> ParseLoopback(std::string_view text,
                                                            std::string* error);

// "127.0.0.1:PORT" of an endpoint.
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// True for the final line of a reply.
bool IsFinalReplyLine(std::string_view line);

// Connects to the control port, sends `command` and reads the reply, all within `timeout`.
// Transport failures, timeouts and a multi-line `command` come back as an Error reply saying
// what went wrong.
ControlReply SendControlCommand(const boost::asio::ip::tcp::endpoint& control,
                                const std::string& command, std::chrono::milliseconds timeout);

}  // namespace meridian::proxy
