// Test harness: a small synchronous HTTP/1.1 client (Boost.Beast) over one keep-alive
// connection to 127.0.0.1:PORT, reconnecting when the server closed it, every exchange bounded
// by a timeout; and SendRawBytes for requests that are not valid HTTP. An HttpClient and its
// copies share one connection: use them from one thread at a time (one client per thread).
#ifndef MERIDIAN_TESTS_SUPPORT_HTTP_CLIENT_H_
#define MERIDIAN_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meridian::test {
namespace http = boost::beast::http;

// Request header fields in the order sent; a name may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;  // 0: no HTTP answer arrived (see `error`)
  // Names lowercased; the values of a repeated field are joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  std::string error;  // why no answer arrived; empty when status != 0

  // The value of header `name` (any case), "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The body parsed as JSON; null when it is not JSON.
  boost::json::value Json() const;
};

class HttpClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = kDefaultTimeout);
  // `address` is "127.0.0.1:PORT" (as NodeProcess::address() gives); a bad one gives port 0,
  // to which every request fails.
  explicit HttpClient(std::string_view address,
                      std::chrono::milliseconds timeout = kDefaultTimeout);

  // Sends one request and reads its answer, within the timeout. Adds Host, Content-Length and,
  // when `body` is not empty and `headers` has none, Content-Type: application/json. A request
  // that finds its reused connection closed by the server is sent again once on a new one.
  // The server may answer before the body is sent whole (413): the answer is still returned.
  Response Request(http::verb method, std::string_view target, const Headers& headers = {},
                   std::string_view body = {});

  // Closes the connection; the next request opens a new one.
  void Close();
  uint16_t port() const { return port_; }
  // Answers are not recorded for the OpenAPI check: for a server docs/openapi/ does not
  // describe (the probe listener serves three paths and 404s the API's).
  void DoNotRecord() { record_ = false; }

 private:
  struct Connection;
  uint16_t port_ = 0;
  bool record_ = true;
  std::shared_ptr<Connection> connection_;
};

struct RawReply {
  std::string bytes;         // everything received
  bool peer_closed = false;  // the server closed the connection (FIN or reset)
  Response response;         // the first complete answer in `bytes`; status 0 if none
};

// Opens a new connection, writes `bytes` as they are, and reads until the server closes it,
// until a complete answer that keeps the connection alive arrived, or until `timeout`.
RawReply SendRawBytes(uint16_t port, std::string_view bytes,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One connection written to piece by piece, for requests that must stay unfinished for a while
// (an in-flight request while the node shuts down). Every call is bounded by its timeout.
class RawConnection {
 public:
  // `send_timeout` bounds each Send.
  explicit RawConnection(uint16_t port,
                         std::chrono::milliseconds send_timeout = std::chrono::seconds(10));
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `bytes`; false when the connection failed.
  bool Send(std::string_view bytes);
  // Reads until a complete answer arrived, the server closed the connection, or `timeout`.
  RawReply Read(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_HTTP_CLIENT_H_
