// meridianctl's HTTP client (see client.h).
#include "client.h"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace meridian::ctl {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint e;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
    e.tls = true;
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  }
  while (url.ends_with("/")) url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) return std::nullopt;
  const size_t colon = url.rfind(':');
  if (colon == std::string_view::npos) {
    e.host = std::string(url);
    e.port = e.tls ? "443" : "80";
  } else {
    e.host = std::string(url.substr(0, colon));
    e.port = std::string(url.substr(colon + 1));
  }
  if (e.host.empty() || e.port.empty() ||
      e.port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return e;
}

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

namespace {

// One request and its answer over a connected (and, for TLS, handshaken) stream. With
// `body_file`, a 2xx body is written to that file instead of `reply.body`.
template <typename Stream>
void Exchange(Stream& stream, const http::request<http::string_body>& req, HttpReply& reply,
              const std::string* body_file) {
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::empty_body> head;
  head.body_limit(uint64_t{1} << 44);  // checked against Content-Length with the header; the
                                       // body's own parser below sets the limit that holds
  http::read_header(stream, buffer, head);
  reply.status = head.get().result_int();
  for (const auto& field : head.get()) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (body_file != nullptr && reply.ok()) {
    http::response_parser<http::file_body> parser(std::move(head));
    parser.body_limit(uint64_t{1} << 44);  // a backup: bounded by the disk, not by memory
    beast::error_code ec;
    parser.get().body().open(body_file->c_str(), beast::file_mode::write, ec);
    if (ec) throw std::runtime_error("cannot write " + *body_file + ": " + ec.message());
    http::read(stream, buffer, parser);
    return;
  }
  http::response_parser<http::string_body> parser(std::move(head));
  parser.body_limit(uint64_t{1} << 34);  // large listings
  http::read(stream, buffer, parser);
  reply.body = std::move(parser.get().body());
}

}  // namespace

HttpReply Client::Call(std::string_view method, const std::string& target, std::string_view body,
                       std::string_view content_type, const Headers& headers) const {
  return Send(method, target, body, content_type, headers, nullptr);
}

HttpReply Client::Download(const std::string& target, const std::string& path) const {
  return Send("GET", target, {}, {}, {}, &path);
}

HttpReply Client::Send(std::string_view method, const std::string& target, std::string_view body,
                       std::string_view content_type, const Headers& headers,
                       const std::string* body_file) const {
  HttpReply reply;
  try {
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, endpoint_.host + ":" + endpoint_.port);
    req.set(http::field::user_agent, "meridianctl");
    if (!admin_key_.empty()) req.set(http::field::authorization, "Bearer " + admin_key_);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == "PUT" || method == "POST") {
      req.set(http::field::content_type, content_type);
      req.body() = std::string(body);
    }
    req.prepare_payload();
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint_.host, endpoint_.port);
    if (!endpoint_.tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(timeout_);
      stream.connect(results);
      Exchange(stream, req, reply, body_file);
      beast::error_code ec;
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      return reply;
    }
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (cacert_.empty()) {
      tls.set_default_verify_paths();
    } else {
      tls.load_verify_file(cacert_);
    }
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    // The certificate must name the host (DNS name or IP address), and SNI asks for it.
    stream.set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
    boost::system::error_code not_ip;
    asio::ip::make_address(endpoint_.host, not_ip);
    if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), endpoint_.host.c_str())) {
      throw std::runtime_error("cannot set the TLS server name");
    }
    beast::get_lowest_layer(stream).expires_after(timeout_);
    beast::get_lowest_layer(stream).connect(results);
    stream.handshake(asio::ssl::stream_base::client);
    Exchange(stream, req, reply, body_file);
    beast::error_code ec;
    stream.shutdown(ec);  // the node may close without close_notify: not an error here
  } catch (const std::exception& e) {
    reply.status = 0;
    reply.error = e.what();
  }
  return reply;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace meridian::ctl
