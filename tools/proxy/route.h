// Route: one listen port of meridian-proxy forwarding to one target, with its faults (delay,
// drop, cut) and the registry of its live connections. Single-threaded: every method runs on
// the io_context's one thread, so nothing here locks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>

namespace meridian::proxy {

class Connection;

// Counters shown by `status`.
struct RouteCounters {
  uint64_t accepted = 0;        // client connections accepted (cut or not)
  uint64_t refused = 0;         // closed at once because the route was cut
  uint64_t cut_closed = 0;      // open connections closed by `cut`
  uint64_t dropped = 0;         // connections reset by `drop`
  uint64_t connect_failed = 0;  // the target did not accept
};

class Route : public std::enable_shared_from_this<Route> {
 public:
  // Binds `listen` (port 0: any free port). Returns null and sets `error` if it cannot.
  // REQUIRES: `rng` is only used on the io_context's thread.
  static std::shared_ptr<Route> Create(boost::asio::io_context& ioc, std::string name,
                                       const boost::asio::ip::tcp::endpoint& listen,
                                       const boost::asio::ip::tcp::endpoint& target,
                                       std::shared_ptr<std::mt19937_64> rng, std::string* error);

  // Starts accepting. REQUIRES: called once.
  void Start();
  // Stops accepting and resets every connection (shutdown of the proxy).
  void Stop();

  // Faults. The delay applies to bytes read from now on; bytes already queued keep theirs.
  void SetDelay(std::chrono::milliseconds delay) { delay_ = delay; }
  void SetDropPercent(double percent) { drop_percent_ = percent; }
  // Resets every open connection and every new one until Heal().
  void Cut();
  // Undoes Cut() and sets drop to 0; the delay stays.
  void Heal();

  // One "route ..." status line.
  std::string Describe() const;
  const std::string& name() const { return name_; }
  const boost::asio::ip::tcp::endpoint& listen_endpoint() const { return listen_; }

  // Used by Connection.
  const boost::asio::ip::tcp::endpoint& target() const { return target_; }
  std::chrono::milliseconds delay() const { return delay_; }
  bool is_cut() const { return cut_; }
  // Draws the per-chunk drop decision; draws nothing while drop is 0 so that a seed's sequence
  // depends only on traffic seen under drop.
  bool DrawDrop();
  RouteCounters& counters() { return counters_; }
  void Forget(uint64_t connection_id) { connections_.erase(connection_id); }

  Route(boost::asio::io_context& ioc, std::string name, boost::asio::ip::tcp::acceptor acceptor,
        const boost::asio::ip::tcp::endpoint& target, std::shared_ptr<std::mt19937_64> rng);

 private:
  void Accept();

  boost::asio::io_context& ioc_;
  const std::string name_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint listen_;
  const boost::asio::ip::tcp::endpoint target_;
  std::shared_ptr<std::mt19937_64> rng_;
  std::chrono::milliseconds delay_{0};
  double drop_percent_ = 0;
  bool cut_ = false;
  bool stopped_ = false;
  RouteCounters counters_;
  uint64_t next_connection_id_ = 1;
  // Weak: a connection lives as long as its own I/O; the route only needs to reach it to cut.
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;
};

}  // namespace meridian::proxy
