// Listener and sessions (see http_server.h), in the shape of Beast's awaitable server example.
#include "api/http_server.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/stream.hpp>
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
std::string RequestTarget(http::request_parser<http::string_body>& parser,
                          const beast::flat_buffer& buffer) {
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
  if (target.empty() || target.front() != '/' || target.size() > kMaxTarget) return "/";
  return std::string(target);
}

}  // namespace

struct HttpServer::SessionState {
  explicit SessionState(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;  // HTTPS: moved into the TLS stream; its executor stays valid
  bool busy = false;  // a request is being handled; touched only on the session's strand
};

HttpServer::HttpServer(asio::io_context& ioc, Router* router, Metrics* metrics,
                       ServerOptions options)
    : ioc_(ioc), router_(router), metrics_(metrics), options_(options), acceptor_(ioc) {}

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
  if (ec) return Status::Unavailable("listen on " + host + ":" + std::to_string(port) + ": " +
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

void HttpServer::Start() {
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached);
}

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
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, RunSession(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::RunSession(tcp::socket socket) {
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
    co_await Serve(state, state->stream);
  } else {
    // HTTPS: the handshake runs under the read timeout; a failed one costs only its connection.
    asio::ssl::stream<beast::tcp_stream&> stream(state->stream, *tls);
    state->stream.expires_after(options_.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (!ec) co_await Serve(state, stream);
  }
  boost::system::error_code ignored;
  state->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  metrics_->connections_open.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  sessions_.erase(state);
}

template <typename Stream>
asio::awaitable<void> HttpServer::Serve(std::shared_ptr<SessionState> state, Stream& stream) {
  beast::tcp_stream& transport = state->stream;  // deadlines are set on the TCP layer
  beast::flat_buffer buffer;
  for (;;) {
    {
      // Drain cancels only reads already waiting; a session between two requests stops here.
      std::lock_guard lock(mu_);
      if (draining_) break;
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.max_header_bytes);
    parser.body_limit(options_.max_body_bytes);
    transport.expires_after(options_.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
    std::optional<Response> refusal;  // answered without running a handler, then closed
    if (!ec && !parser.is_done()) {
      state->busy = true;
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        transport.expires_after(options_.write_timeout);
        std::tie(ec, n) = co_await http::async_write(stream, go_on, kNoThrow);
      }
      transport.expires_after(options_.read_timeout);
      if (!ec) std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kNoThrow);
    }
    const std::string target = RequestTarget(parser, buffer);
    if (ec == http::error::header_limit) {
      refusal = router_->ErrorFor(target, http::status::request_header_fields_too_large,
                                  "request header fields too large", NewUuid());
    } else if (ec == http::error::body_limit) {
      refusal = router_->ErrorFor(target, http::status::payload_too_large,
                                  "request body too large", NewUuid());
    } else if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      refusal = router_->ErrorFor(target, http::status::bad_request, "malformed HTTP request",
                                  NewUuid());
    } else if (ec) {
      break;  // peer closed, idle timeout, drained: close quietly
    }
    Response res;
    bool keep_alive = false;
    bool head = false;
    if (refusal) {
      res = std::move(*refusal);
    } else {
      state->busy = true;
      Request req = parser.release();
      keep_alive = req.keep_alive();
      head = req.method() == http::verb::head;
      res = co_await router_->Dispatch(std::move(req));
    }
    {
      std::lock_guard lock(mu_);
      keep_alive = keep_alive && !draining_;
    }
    metrics_->CountResponse(res.result_int());
    res.keep_alive(keep_alive);
    if (head) {
      // HEAD: the headers of the GET, no body.
      const size_t length = res.body().size();
      res.body().clear();
      res.content_length(length);
    } else {
      res.prepare_payload();
    }
    transport.expires_after(options_.write_timeout);
    std::tie(ec, n) = co_await http::async_write(stream, res, kNoThrow);
    state->busy = false;
    if (ec || !keep_alive) break;
  }
}

}  // namespace meridian::api
