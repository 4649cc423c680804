// HttpServer: the Beast HTTP/1.1 listener and its sessions. A session only moves bytes:
// read (limits and deadlines enforced while reading) -> Router::Dispatch -> write, with
// keep-alive. One coroutine per connection on its own strand. Thread-safe; run by the
// io_context's threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "api/metrics.h"
#include "api/request_parser.h"
#include "api/router.h"

namespace meridian::api {

struct ServerOptions {
  uint32_t max_header_bytes = 32 * 1024;  // request line and header; also the trailer section
  uint64_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::seconds idle_timeout{60};  // waiting for the first byte of the next request
  std::chrono::seconds read_timeout{30};  // from a request's first byte to its last
  std::chrono::seconds write_timeout{30};
  // Open connections served in full. Beyond it, kProbeConnections more are accepted for
  // /healthz, /readyz and /metrics only (others get 503); beyond those, refused at accept.
  size_t max_connections = 4096;
  uint64_t max_body_memory_bytes = uint64_t{256} << 20;  // request bodies held, all connections
};

// Connections accepted beyond max_connections to serve probes only.
inline constexpr size_t kProbeConnections = 64;
// Every 503 the edge answers says when to come back.
inline constexpr std::string_view kRetryAfterSeconds = "1";

class HttpServer {
 public:
  // REQUIRES: router and metrics outlive the server.
  HttpServer(boost::asio::io_context& ioc, Router* router, Metrics* metrics, ServerOptions options);
  ~HttpServer();

  // Binds and listens; the endpoint has the real port when `port` was 0.
  Result<boost::asio::ip::tcp::endpoint> Listen(const std::string& host, uint16_t port);
  // HTTPS only from now on (TLS 1.2+, 1.3 preferred): loads the PEM certificate chain and key.
  // Called again (SIGHUP) it swaps the material for connections accepted afterwards; on failure
  // the previous material stays and the error is returned.
  Status UseTls(const std::string& cert_file, const std::string& key_file);
  // Starts accepting (REQUIRES: Listen succeeded).
  void Start();
  // Called with every answer the server makes itself, as Router::SetObserver is with the
  // router's: refusals before any handler ran (431, 413, 400, and the 503s of load shedding and
  // of a connection over capacity), and the 500 for a handler that threw or a response that
  // could not be sent; the request id is the X-Request-Id the client got. Set before Start.
  void SetObserver(ExchangeObserver observer) { observer_ = std::move(observer); }
  // Stops accepting and closes idle connections; busy ones close after their response.
  void Drain();
  size_t open_sessions() const;

 private:
  struct SessionState;
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket, bool probes_only);
  // Writes the last checks every response gets (header values, Retry-After, keep-alive) and
  // the length of a streamed body; drops `streamed` when the response does not carry it (not
  // a 2xx, a refused header, HEAD).
  Response Finish(Response res, std::string_view target, bool keep_alive, int version, bool head,
                  StreamedBody& streamed) const;
  // The request loop of one connection over `Stream` (TCP, or TLS over it).
  template <typename Stream>
  boost::asio::awaitable<void> Serve(std::shared_ptr<SessionState> state, Stream& stream,
                                     bool probes_only);

  boost::asio::io_context& ioc_;
  Router* router_;
  Metrics* metrics_;
  const ServerOptions options_;
  BodyBudget body_budget_;
  boost::asio::ip::tcp::acceptor acceptor_;
  mutable std::mutex mu_;
  std::set<std::shared_ptr<SessionState>> sessions_;  // GUARDED_BY(mu_)
  bool draining_ = false;                             // GUARDED_BY(mu_)
  std::shared_ptr<boost::asio::ssl::context> tls_;    // GUARDED_BY(mu_); null: plain HTTP
  ExchangeObserver observer_;
};

}  // namespace meridian::api
