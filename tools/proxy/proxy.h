// Proxy: the set of routes of one meridian-proxy process, the control listener, and the
// command interpreter of the control protocol (docs/tools.md). Single-threaded: every method
// runs on the io_context's one thread (or before it runs); nothing here locks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tools/proxy/control.h"

namespace meridian::proxy {

class Route;

class Proxy {
 public:
  // `seed` feeds the one generator behind every random fault decision (drop).
  // REQUIRES: ioc outlives the proxy, and is not run again after the proxy is destroyed.
  Proxy(boost::asio::io_context& ioc, uint64_t seed);
  ~Proxy();

  // Binds LISTEN ("127.0.0.1:PORT", port 0: any) and forwards to TARGET. Error if the name is
  // malformed or taken, an address is not loopback, or the port cannot be bound.
  ControlReply AddRoute(const std::string& name, const std::string& listen,
                        const std::string& target);
  // Binds the control listener and serves it. Returns the bound endpoint, or nullopt and sets
  // `error`.
  std::optional<boost::asio::ip::tcp::endpoint> ListenControl(const std::string& address,
                                                              std::string* error);
  // Runs one command line (without its '\n'); never throws.
  ControlReply Execute(std::string_view line);
  // Closes the control listener and every route's listener and connections.
  void Stop();

  // Log each command that changes something to stderr (the process does; tests do not).
  void set_log(bool log) { log_ = log; }

 private:
  ControlReply Status() const;
  ControlReply SetFault(const std::vector<std::string>& words);
  // Routes named by NAME, or all of them for "*"; error if NAME names none.
  std::optional<std::vector<Route*>> Select(const std::string& name, ControlReply* error);
  boost::asio::awaitable<void> ServeControl(std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  boost::asio::io_context& ioc_;
  const uint64_t seed_;
  std::shared_ptr<std::mt19937_64> rng_;
  std::map<std::string, std::shared_ptr<Route>> routes_;  // ordered: `status` is stable
  std::optional<boost::asio::ip::tcp::acceptor> control_;
  // Open control sessions, so that Stop() can close them; each session owns its socket.
  std::map<uint64_t, std::weak_ptr<boost::asio::ip::tcp::socket>> sessions_;
  uint64_t next_session_ = 1;
  bool log_ = false;
};

}  // namespace meridian::proxy
