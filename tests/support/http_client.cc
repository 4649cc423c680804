// HttpClient and SendRawBytes (see http_client.h). Each exchange runs the request's write and
// the answer's read concurrently on a private io_context, under one tcp_stream deadline, so an
// answer sent before the server read the whole request (413, 431) is still received.
#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace meridian::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Message = http::response<http::string_body>;

namespace {

constexpr size_t kMaxRawReplyBytes = 64 << 20;

template <typename View>
std::string Lower(const View& text) {
  std::string out(text.data(), text.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Response FromMessage(Message&& message) {
  Response out;
  out.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    const auto value = field.value();
    auto [it, inserted] =
        out.headers.emplace(Lower(field.name_string()), std::string(value.data(), value.size()));
    if (!inserted) it->second += ", " + std::string(value.data(), value.size());
  }
  out.body = std::move(message.body());
  return out;
}

Response Failure(std::string error) {
  Response out;
  out.error = std::move(error);
  return out;
}

// Parses the first answer in `bytes`; false while it is incomplete or not HTTP. `at_eof`: the
// server closed, which ends a body that has no length.
bool ParseFirstResponse(std::string_view bytes, bool at_eof, Response* out, bool* keep_alive) {
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  ErrorCode ec;
  size_t offset = 0;
  for (int i = 0; i < 64 && !parser.is_done() && offset < bytes.size(); ++i) {
    size_t used = parser.put(asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
    offset += used;
    if (ec == http::error::need_more) {
      ec = {};
      if (used == 0) break;
    } else if (ec) {
      return false;
    }
  }
  if (!parser.is_done() && at_eof && parser.is_header_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return false;
  *keep_alive = parser.get().keep_alive();
  *out = FromMessage(parser.release());
  return true;
}

std::string Serialize(http::verb method, std::string_view target, const Headers& headers,
                      std::string_view body, uint16_t port) {
  http::request<http::string_body> req{method, std::string(target), 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    req.insert(name, value);
    has_type = has_type || Lower(name) == "content-type";
  }
  if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();
  std::ostringstream wire;
  wire << req;
  return wire.str();
}

// Connects `stream` to 127.0.0.1:port within its current deadline.
ErrorCode Connect(asio::io_context& ioc, beast::tcp_stream& stream, uint16_t port) {
  ErrorCode result = asio::error::would_block;
  stream.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port),
                       [&result](ErrorCode ec) { result = ec; });
  ioc.restart();
  ioc.run();
  if (!result) stream.socket().set_option(tcp::no_delay(true), result);
  return result;
}

// With MERIDIAN_RESPONSE_LOG_DIR set (tools/test.sh sets it), every answer is appended as one
// JSON line to <dir>/responses-<pid>.jsonl; tools/openapi/validate_responses.mjs then checks
// each against docs/openapi/, so the documents cannot drift from what the node answers.
void RecordExchange(http::verb method, std::string_view target, const Response& response) {
  static const char* dir = std::getenv("MERIDIAN_RESPONSE_LOG_DIR");
  if (dir == nullptr || *dir == '\0' || response.status == 0) return;
  boost::json::object headers;
  for (const auto& [name, value] : response.headers) headers[name] = value;
  constexpr size_t kMaxLoggedBody = 1 << 20;
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  boost::json::object line{
      {"method", std::string(http::to_string(method))},
      {"target", target},
      {"status", response.status},
      {"headers", std::move(headers)},
      {"body", std::string_view(response.body).substr(0, kMaxLoggedBody)},
      {"truncated", response.body.size() > kMaxLoggedBody},
      {"test", test ? std::string(test->test_suite_name()) + "." + test->name() : std::string()}};
  std::ofstream(std::string(dir) + "/responses-" + std::to_string(::getpid()) + ".jsonl",
                std::ios::app)
      << boost::json::serialize(line) << "\n";
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

bool Response::HasHeader(std::string_view name) const { return headers.contains(Lower(name)); }

boost::json::value Response::Json() const {
  ErrorCode ec;
  boost::json::value v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

struct HttpClient::Connection {
  struct Outcome {
    Response response;
    bool keep_alive = false;
    bool sent_all = false;
    bool got_bytes = false;
  };

  Connection(uint16_t port, std::chrono::milliseconds timeout) : port(port), timeout(timeout) {}

  ErrorCode Open() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    buffer.clear();
    used = false;
    stream->expires_after(timeout);
    ErrorCode ec = Connect(ioc, *stream, port);
    if (ec) Close();
    return ec;
  }

  void Close() {
    if (stream) {
      ErrorCode ignored;
      stream->socket().close(ignored);
    }
    stream.reset();
    buffer.clear();
    used = false;
  }

  // An idle keep-alive connection the server has closed (or written to unasked) is readable.
  bool LooksClosed() {
    pollfd p{stream->socket().native_handle(), POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) != 0;
  }

  Outcome Exchange(const std::string& wire, bool head) {
    Outcome out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head) parser.skip(true);
    bool write_done = false;
    ErrorCode write_ec, read_ec;
    stream->expires_after(timeout);
    asio::async_write(*stream, asio::buffer(wire), [&](ErrorCode ec, size_t) {
      write_done = true;
      write_ec = ec;
    });
    http::async_read(*stream, buffer, parser, [&](ErrorCode ec, size_t) {
      read_ec = ec;
      // An early answer (or a failed read) ends the exchange: stop sending the rest.
      if (!write_done) stream->cancel();
    });
    ioc.restart();
    ioc.run();
    out.sent_all = write_done && !write_ec;
    out.got_bytes = parser.got_some();
    if (read_ec) {
      out.response.error = "read: " + read_ec.message() +
                           (write_ec ? "; write: " + write_ec.message() : std::string());
      return out;
    }
    out.keep_alive = parser.get().keep_alive();
    out.response = FromMessage(parser.release());
    return out;
  }

  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  const uint16_t port;
  const std::chrono::milliseconds timeout;
  bool used = false;  // the open connection has carried an exchange
};

HttpClient::HttpClient(uint16_t port, std::chrono::milliseconds timeout)
    : port_(port), connection_(std::make_shared<Connection>(port, timeout)) {}

HttpClient::HttpClient(std::string_view address, std::chrono::milliseconds timeout) {
  unsigned port = 0;
  const size_t colon = address.rfind(':');
  if (colon != std::string_view::npos) {
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || end != last || port > 65535) port = 0;
  }
  port_ = static_cast<uint16_t>(port);
  connection_ = std::make_shared<Connection>(port_, timeout);
}

Response HttpClient::Request(http::verb method, std::string_view target, const Headers& headers,
                             std::string_view body) {
  if (port_ == 0) return Failure("no port");
  const std::string wire = Serialize(method, target, headers, body, port_);
  Connection& c = *connection_;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (c.stream && c.used && c.LooksClosed()) c.Close();
    const bool reused = c.stream != nullptr;
    if (!c.stream) {
      if (ErrorCode ec = c.Open())
        return Failure("connect to 127.0.0.1:" + std::to_string(port_) + ": " + ec.message());
    }
    Connection::Outcome outcome = c.Exchange(wire, method == http::verb::head);
    if (outcome.response.status != 0) {
      c.used = true;
      if (!outcome.keep_alive || !outcome.sent_all) c.Close();
      if (record_) RecordExchange(method, target, outcome.response);
      return std::move(outcome.response);
    }
    c.Close();
    // Only a reused connection that died before any answer byte is worth a second try.
    if (!reused || outcome.got_bytes) return std::move(outcome.response);
  }
  return Failure("the server closed two connections in a row");
}

void HttpClient::Close() { connection_->Close(); }

RawReply SendRawBytes(uint16_t port, std::string_view bytes, std::chrono::milliseconds timeout) {
  RawReply reply;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  if (ErrorCode ec = Connect(ioc, stream, port)) {
    reply.response.error = "connect: " + ec.message();
    return reply;
  }
  std::array<char, 65536> chunk;
  bool keep_alive = false;
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](ErrorCode ec, size_t n) {
      reply.bytes.append(chunk.data(), n);
      if (ec) {
        reply.peer_closed = ec == asio::error::eof || ec == asio::error::connection_reset;
        stream.cancel();
        return;
      }
      // A complete keep-alive answer: the server will not close, stop here.
      Response first;
      if ((ParseFirstResponse(reply.bytes, false, &first, &keep_alive) && keep_alive) ||
          reply.bytes.size() > kMaxRawReplyBytes) {
        stream.cancel();
        return;
      }
      read_more();
    });
  };
  asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), [](ErrorCode, size_t) {});
  read_more();
  ioc.restart();
  ioc.run();
  if (!ParseFirstResponse(reply.bytes, reply.peer_closed, &reply.response, &keep_alive)) {
    reply.response =
        Failure("no complete HTTP answer in " + std::to_string(reply.bytes.size()) + " bytes");
  }
  return reply;
}

RawConnection::RawConnection(uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Loopback connects complete or fail at once; bound the rest with SO_SNDTIMEO.
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  if (fd_ < 0) return false;
  for (int i = 0; i < 100000 && !bytes.empty(); ++i) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return bytes.empty();
}

RawReply RawConnection::Read(std::chrono::milliseconds timeout) {
  RawReply reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool keep_alive = false;
  std::array<char, 65536> chunk;
  for (int i = 0; i < 100000 && fd_ >= 0; ++i) {
    if (ParseFirstResponse(received_, false, &reply.response, &keep_alive)) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || received_.size() > kMaxRawReplyBytes) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n <= 0) {
      reply.peer_closed = true;
      break;
    }
    received_.append(chunk.data(), static_cast<size_t>(n));
  }
  reply.bytes = received_;
  if (!ParseFirstResponse(received_, reply.peer_closed, &reply.response, &keep_alive)) {
    reply.response =
        Failure("no complete HTTP answer in " + std::to_string(received_.size()) + " bytes");
  }
  return reply;
}

}  // namespace meridian::test
