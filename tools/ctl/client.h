// meridianctl's HTTP client: one synchronous Boost.Beast exchange per call to a node's
// operator API, bounded by a timeout, with the admin key as a bearer token. HTTP, or HTTPS for
// an API with TLS (api_tls): the node's certificate must chain to --cacert (else the system's
// CAs) and name the endpoint's host. Not thread-safe; meridianctl is single-threaded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meridian::ctl {

struct Endpoint {
  std::string host;
  std::string port;
  bool tls = false;  // https://
};

// "http://HOST:PORT", "https://HOST:PORT", "HOST:PORT" (http), or without the port (80, 443);
// nullopt otherwise.
std::optional<Endpoint> ParseEndpoint(std::string_view url);

struct HttpReply {
  int status = 0;     // 0: no answer (see `error`)
  std::string error;  // why no answer arrived
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  std::string Header(std::string_view name) const;  // "" when absent
  bool ok() const { return status >= 200 && status < 300; }
};

class Client {
 public:
  Client(Endpoint endpoint, std::string admin_key, std::chrono::seconds timeout)
      : endpoint_(std::move(endpoint)), admin_key_(std::move(admin_key)), timeout_(timeout) {}

  using Headers = std::vector<std::pair<std::string, std::string>>;
  // `target` is the path and query, already percent-encoded; `headers` are added as given.
  HttpReply Call(std::string_view method, const std::string& target, std::string_view body = {},
                 std::string_view content_type = "application/json",
                 const Headers& headers = {}) const;
  // GET `target`; a 2xx body goes to the file `path` (created or truncated) as it arrives, so
  // a body of any size costs no memory, and `body` stays empty. Any other answer's body is
  // returned in `body` as by Call.
  HttpReply Download(const std::string& target, const std::string& path) const;
  void set_timeout(std::chrono::seconds timeout) { timeout_ = timeout; }
  // PEM file of the CA an HTTPS node's certificate must chain to ("" : the system's CAs).
  void set_cacert(std::string path) { cacert_ = std::move(path); }
  // A client of another node with the same key and timeout.
  Client WithEndpoint(Endpoint endpoint) const {
    return Client(std::move(endpoint), admin_key_, timeout_);
  }

 private:
  HttpReply Send(std::string_view method, const std::string& target, std::string_view body,
                 std::string_view content_type, const Headers& headers,
                 const std::string* body_file) const;
  Endpoint endpoint_;
  std::string admin_key_;
  std::chrono::seconds timeout_;
  std::string cacert_;
};

// Percent-encodes every byte outside RFC 3986's unreserved set (for one path segment or one
// query value).
std::string UrlEncode(std::string_view s);

}  // namespace meridian::ctl
