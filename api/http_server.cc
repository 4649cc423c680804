// Listener and sessions (see http_server.h), in the shape of Beast's awaitable server example.
#include "api/http_server.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string_view>

#include "storage/base/log.h"

namespace meridian::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// The target of the request being read, for the error format of the dialect that owns it: the
// parser's once it parsed the request line (also when it then refused the header, e.g. for an
// over-limit Content-Length), else the request line still in `buffer` (a header over the limit
// is refused before Beast parses any of it), else "/".
std::string RequestTarget(const RequestParser& parser, const beast::flat_buffer& buffer) {
  constexpr size_t kMaxTarget = 8192;
  std::string_view target = parser.get().target();
  if (target.empty()) {
    const std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    const std::string_view line = bytes.substr(0, std::min(bytes.find('\n'), kMaxTarget + 64));
    const size_t start = line.find(' ');
    if (start != std::string_view::npos) {
      const std::string_view rest = line.substr(start + 1);
      target = rest.substr(0, rest.find_first_of(" \r"));
    }
  }
  target = OriginForm(target);
  if (target.empty() || target.front() != '/' || target.size() > kMaxTarget) return "/";
  return std::string(target);
}

bool IsProbe(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

// A header value that would end the header early or forge another one.
bool HasForbiddenByte(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Feeds the parser the bytes already read, header and as much body as there is, without
// waiting; `ec` is clear when the parser merely needs more (or has nothing to parse yet).
void ParseBuffered(RequestParser& parser, beast::flat_buffer& buffer,
                   boost::system::error_code& ec) {
  ec = {};
  if (buffer.size() == 0) return;
  parser.eager(true);
  buffer.consume(parser.put(buffer.data(), ec));
  if (ec == http::error::need_more) ec = {};
}

// Answers a connection over every cap without reading from it, and closes it.
template <typename Socket>
void RefuseConnection(Socket& socket) {
  static constexpr std::string_view kRefusal =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 22\r\nConnection: close\r\n\r\nconnection limit hit\r\n";
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (!ec) socket.write_some(asio::buffer(kRefusal), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

// Writes the header of `res`, then `length` body bytes from `source`, one piece at a time.
template <typename Stream>
asio::awaitable<boost::system::error_code> WriteStreamed(Stream& stream,
                                                         beast::tcp_stream& transport,
                                                         Response& res, BodySource& source,
                                                         uint64_t length,
                                                         std::chrono::seconds write_timeout) {
  http::response_serializer<http::string_body> serializer(res);
  transport.expires_after(write_timeout);
  auto [ec, n] = co_await http::async_write_header(stream, serializer, kNoThrow);
  std::string piece(static_cast<size_t>(std::min<uint64_t>(length, kStreamPieceBytes)), '\0');
  for (uint64_t sent = 0; !ec && sent < length;) {
    const size_t room = static_cast<size_t>(std::min<uint64_t>(piece.size(), length - sent));
    Result<size_t> got = co_await source.Read(piece.data(), room);
    if (!got.ok() || *got == 0 || *got > room) {
      log::Error("stream_body_failed",
                 "sent=" + std::to_string(sent) + " length=" + std::to_string(length) +
                     " error=\"" + (got.ok() ? "source ended early" : got.status().ToString()) +
                     "\"");
      co_return asio::error::make_error_code(asio::error::broken_pipe);
    }
    transport.expires_after(write_timeout);
    std::tie(ec, n) =
        co_await asio::async_write(stream, asio::buffer(piece.data(), *got), kNoThrow);
    sent += *got;
  }
  co_return ec;
}

}  // namespace

struct HttpServer::SessionState {
  explicit SessionState(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;  // HTTPS: the TLS stream runs over it; deadlines are set here
  bool busy = false;  // a request is being read or handled; touched only on the session's strand
};

HttpServer::HttpServer(asio::io_context& ioc, Router* router, Metrics* metrics,
                       ServerOptions options)
    : ioc_(ioc),
      router_(router),
      metrics_(metrics),
      options_(options),
      body_budget_(options.max_body_memory_bytes),
      acceptor_(ioc) {}

HttpServer::~HttpServer() = default;

Result<tcp::endpoint> HttpServer::Listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("listen address " + host + ": " + ec.message());
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Unavailable("listen on " + host + ":" + std::to_string(port) + ": " +
                               ec.message());
  return acceptor_.local_endpoint();
}

Status HttpServer::UseTls(const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return Status::InvalidArgument("api_tls cert_file " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Status::InvalidArgument("api_tls key_file " + key_file + " does not load or match");
  }
  std::lock_guard lock(mu_);
  tls_ = std::move(ctx);
  return Status::Ok();
}

void HttpServer::Start() { asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached); }

void HttpServer::Drain() {
  std::set<std::shared_ptr<SessionState>> sessions;
  {
    std::lock_guard lock(mu_);
    draining_ = true;
    sessions = sessions_;
  }
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  for (const auto& s : sessions) {
    asio::post(s->stream.get_executor(), [s] {
      if (!s->busy) s->stream.socket().cancel();
    });
  }
}

size_t HttpServer::open_sessions() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  asio::steady_timer backoff(acceptor_.get_executor());
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // Out of descriptors (or similar): keep the listener alive, retry shortly.
      log::Warn("accept_failed", "error=\"" + ec.message() + "\"");
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    const size_t open = open_sessions();
    if (open >= options_.max_connections + kProbeConnections) {
      metrics_->connections_refused.fetch_add(1, std::memory_order_relaxed);
      RefuseConnection(socket);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, RunSession(std::move(socket), open >= options_.max_connections),
                   [](std::exception_ptr e) {
                     // Defence in depth: RunSession catches what a handler throws.
                     if (e) log::Error("session_failed", "error=\"uncaught exception\"");
                   });
  }
}

Response HttpServer::Finish(Response res, std::string_view target, bool keep_alive, int version,
                            bool head, StreamedBody& streamed) const {
  // A streamed body belongs to the success it was made for; an error that replaced it (a
  // handler's later failure, the pipeline's exit) is sent with its own body.
  if (res.result_int() / 100 != 2) streamed = {};
  // One place checks every header before any byte is written: a value with CR, LF or NUL
  // would split the response (header injection), so it becomes a 500.
  for (const auto& field : res) {
    if (HasForbiddenByte(field.value()) || HasForbiddenByte(field.name_string())) {
      log::Error("response_header_refused", "field=\"" +
                                                std::string(field.name_string().substr(0, 64)) +
                                                "\" target_bytes=" + std::to_string(target.size()));
      res = router_->ErrorFor(target, http::status::internal_server_error, "internal error",
                              NewUuid());
      keep_alive = false;
      streamed = {};
      break;
    }
  }
  if (res.result() == http::status::service_unavailable &&
      res.find(http::field::retry_after) == res.end()) {
    res.set(http::field::retry_after, kRetryAfterSeconds);
  }
  res.keep_alive(keep_alive);
  // HTTP/1.0 keeps a connection only when the answer says so (ApacheBench -k waits for it).
  if (keep_alive && version == 10) res.set(http::field::connection, "keep-alive");
  if (streamed.source) {
    res.body().clear();
    res.content_length(streamed.length);
    if (head) streamed = {};  // HEAD: the length, no body
  } else if (head) {
    // HEAD: the headers of the GET, no body.
    const size_t length = res.body().size();
    res.body().clear();
    res.content_length(length);
  } else {
    res.prepare_payload();
  }
  return res;
}

asio::awaitable<void> HttpServer::RunSession(tcp::socket socket, bool probes_only) {
  auto state = std::make_shared<SessionState>(std::move(socket));
  std::shared_ptr<asio::ssl::context> tls;
  {
    std::lock_guard lock(mu_);
    if (draining_) co_return;
    sessions_.insert(state);
    tls = tls_;
  }
  metrics_->connections_open.fetch_add(1, std::memory_order_relaxed);
  metrics_->connections_total.fetch_add(1, std::memory_order_relaxed);
  if (!tls) {
    co_await Serve(state, state->stream, probes_only);
  } else {
    // HTTPS: the handshake runs under the read timeout; a failed one costs only its connection.
    asio::ssl::stream<beast::tcp_stream&> stream(state->stream, *tls);
    state->stream.expires_after(options_.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (!ec) co_await Serve(state, stream, probes_only);
  }
  // Not in a destructor: a frame destroyed with the io_context (after the server) must not
  // touch the server.
  boost::system::error_code ignored;
  state->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  metrics_->connections_open.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  sessions_.erase(state);
}

template <typename Stream>
asio::awaitable<void> HttpServer::Serve(std::shared_ptr<SessionState> state, Stream& stream,
                                        bool probes_only) {
  beast::tcp_stream& transport = state->stream;  // deadlines are set on the TCP layer
  // Bounds what Beast may hold besides the body: the header (431 at header_limit, first), a
  // chunk-size line with its extensions and the trailer section (buffer_overflow).
  beast::flat_buffer buffer(size_t{options_.max_header_bytes} + 4096);
  for (;;) {
    {
      // Drain cancels only reads already waiting; a session between two requests stops here.
      std::lock_guard lock(mu_);
      if (draining_) break;
    }
    RequestParser parser(&body_budget_);
    parser.header_limit(options_.max_header_bytes);
    parser.set_body_limit(options_.max_body_bytes);
    boost::system::error_code ec;
    size_t n = 0;
    if (buffer.size() == 0) {
      // Idle: the connection waits for the first byte of its next request.
      transport.expires_after(options_.idle_timeout);
      std::tie(ec, n) = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
      buffer.commit(n);
      if (ec) break;  // peer closed, idle timeout, drained: close quietly
    }
    // Reading: the whole request, header and body, within read_timeout of its first byte. What
    // already arrived is parsed first, so a request that came whole (the usual keep-alive case)
    // costs no further wait.
    state->busy = true;
    const auto deadline = std::chrono::steady_clock::now() + options_.read_timeout;
    ParseBuffered(parser, buffer, ec);
    if (!ec && !parser.is_header_done()) {
      transport.expires_at(deadline);
      std::tie(ec, n) = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    }
    std::optional<Response> refusal;  // answered without running a handler, then closed
    if (!ec && probes_only && !IsProbe(parser.get().target())) {
      refusal = router_->ErrorFor(RequestTarget(parser, buffer), http::status::service_unavailable,
                                  "server at connection capacity", NewUuid());
    } else if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        transport.expires_after(options_.write_timeout);
        std::tie(ec, n) = co_await http::async_write(stream, go_on, kNoThrow);
      }
      transport.expires_at(deadline);
      if (!ec) std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kNoThrow);
    }
    const std::string target = RequestTarget(parser, buffer);
    if (refusal) {
    } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      refusal = router_->ErrorFor(target, http::status::request_header_fields_too_large,
                                  "request header fields too large", NewUuid());
    } else if (ec == http::error::body_limit && parser.budget_exhausted()) {
      metrics_->requests_shed.fetch_add(1, std::memory_order_relaxed);
      refusal =
          router_->ErrorFor(target, http::status::service_unavailable,
                            "server busy: request bodies in memory at their limit", NewUuid());
    } else if (ec == http::error::body_limit) {
      refusal = router_->ErrorFor(target, http::status::payload_too_large, "request body too large",
                                  NewUuid());
    } else if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      refusal =
          router_->ErrorFor(target, http::status::bad_request, "malformed HTTP request", NewUuid());
    } else if (ec) {
      break;  // peer closed, read deadline passed, drained: close quietly
    }
    Response res;
    StreamedBody streamed;  // a handler's StreamedResponse body
    bool keep_alive = false;
    bool head = false;
    int version = 11;
    const auto started = std::chrono::steady_clock::now();
    bool write = false;  // the request's route class, for the latency histogram
    // The method as sent ("" when the request line was not parsed), for the request log.
    const std::string method(parser.is_header_done() ? parser.get().method_string() : "");
    bool own_answer = refusal.has_value();  // made here, not by the router (which logs its own)
    if (refusal) {
      res = std::move(*refusal);
    } else {
      Request req = parser.release();
      write = req.method() != http::verb::get && req.method() != http::verb::head;
      keep_alive = req.keep_alive();
      head = req.method() == http::verb::head;
      version = req.version();
      bool failed = false;
      try {
        res = co_await router_->Dispatch(std::move(req), &streamed);
      } catch (const std::exception& e) {
        log::Error("handler_failed", "error=\"" + std::string(e.what()) + "\"");
        failed = true;
      }
      if (failed) {
        streamed = {};
        res = router_->ErrorFor(target, http::status::internal_server_error, "internal error",
                                NewUuid());
        keep_alive = false;
        own_answer = true;
      }
    }
    {
      std::lock_guard lock(mu_);
      keep_alive = keep_alive && !draining_;
    }
    const unsigned routed_status = res.result_int();
    res = Finish(std::move(res), target, keep_alive, version, head, streamed);
    own_answer = own_answer || res.result_int() != routed_status;  // Finish made it a 500
    keep_alive = res.keep_alive();
    if (own_answer && observer_) {
      const auto id = res.find("X-Request-Id");
      observer_(Exchange{method, target,
                         id == res.end() ? std::string_view()
                                         : std::string_view(id->value().data(), id->value().size()),
                         res.result_int(), std::chrono::steady_clock::now() - started});
    }
    metrics_->CountResponse(res.result_int());
    metrics_->ObserveRequest(target, write, res.result_int(), started);
    if (streamed.source) {
      ec = co_await WriteStreamed(stream, transport, res, *streamed.source, streamed.length,
                                  options_.write_timeout);
    } else {
      transport.expires_after(options_.write_timeout);
      std::tie(ec, n) = co_await http::async_write(stream, res, kNoThrow);
    }
    state->busy = false;
    if (ec || !keep_alive) break;
  }
}

}  // namespace meridian::api
