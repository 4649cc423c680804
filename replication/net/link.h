// One replication TCP connection as the service's strand sees it: the socket, a queue of
// encoded frames with one write in flight, and who is on the other end. Private to
// replication/net; touched only on the service's strand.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <deque>
#include <string>

#include "replication/net/replication_service.h"

namespace meridian::replication {

struct ReplicationService::Link {
  explicit Link(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
  void Close() {
    open = false;
    ready = false;
    boost::system::error_code ec;
    socket.close(ec);
  }

  boost::asio::ip::tcp::socket socket;
  std::string peer;    // node id of the other end
  std::string origin;  // inbound links: the dialer's origin id
  std::deque<std::string> queue;
  size_t queued_bytes = 0;
  bool writing = false;
  bool open = true;
  bool ready = false;  // handshake done
  uint64_t last_rx_ms = 0;
};

}  // namespace meridian::replication
