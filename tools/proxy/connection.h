// Connection: one proxied TCP connection (client socket <-> target socket) and its two
// directions. Each direction reads chunks, stamps them with "deliver at now + delay", queues
// them and writes them when due, so a delayed link stays pipelined. Single-threaded (the
// io_context's one thread); the object keeps itself alive through its coroutines.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace meridian::proxy {

class Route;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Route> route, uint64_t id, boost::asio::ip::tcp::socket client);

  // Connects to the route's target, then forwards both ways until both sides are done.
  void Start();
  // Closes both sockets with a TCP reset (SO_LINGER 0) and drops queued bytes. Idempotent.
  void Abort();

 private:
  using Clock = std::chrono::steady_clock;
  struct Chunk {
    Clock::time_point due;
    std::vector<char> bytes;
  };
  // One direction: bytes read from `from` wait in `queue` until due, then go to `to`.
  struct Direction {
    Direction(boost::asio::ip::tcp::socket& from_socket, boost::asio::ip::tcp::socket& to_socket);
    boost::asio::ip::tcp::socket& from;
    boost::asio::ip::tcp::socket& to;
    // The writer sleeps on it until the front chunk is due, or forever while the queue is
    // empty; the reader cancels it to wake the writer.
    boost::asio::steady_timer writer_wake;
    // The reader sleeps on it while the queue is over the high-water mark.
    boost::asio::steady_timer reader_wake;
    std::deque<Chunk> queue;
    size_t queued_bytes = 0;
    bool read_done = false;   // the source sent FIN
    bool write_done = false;  // FIN forwarded after the last byte
  };

  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<void> ReadLoop(Direction& d);
  boost::asio::awaitable<void> WriteLoop(Direction& d);
  void MaybeFinish();
  void Close(bool reset);

  std::shared_ptr<Route> route_;
  const uint64_t id_;
  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket target_;
  Direction upstream_;    // client -> target
  Direction downstream_;  // target -> client
  bool closed_ = false;
};

}  // namespace meridian::proxy
