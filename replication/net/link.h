// One replication connection as the service's strand sees it: the stream (TCP or TLS), a queue of
// encoded frames with one write in flight, and who is on the other end. Private to
// replication/net; touched only on the service's strand.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <deque>
#include <string>

#include "replication/net/replication_service.h"

namespace meridian::replication {

struct ReplicationService::Link {
  Link(boost::asio::ip::tcp::socket s, std::shared_ptr<boost::asio::ssl::context> tls)
      : stream(std::move(s), std::move(tls)) {}
  void Close() {
    open = false;
    ready = false;
    boost::system::error_code ec;
    stream.socket().close(ec);
  }

  PeerStream stream;
  std::string peer;    // node id of the other end
  std::string origin;  // inbound links: the dialer's origin id
  std::deque<std::string> queue;
  size_t queued_bytes = 0;
  bool writing = false;
  bool open = true;
  bool ready = false;  // handshake done
};

}  // namespace meridian::replication
