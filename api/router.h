// Router: maps (method, path pattern) to a handler coroutine, and formats errors raised before
// any handler runs (unknown path, body too large) in the dialect that owns the path. Routes
// are added at startup; Dispatch is then thread-safe. Handlers take the parsed request and
// return the response: testable without sockets (tests/api/in_process_node.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/body_source.h"
#include "api/http.h"

namespace meridian::api {

// One request as a handler sees it.
struct Call {
  Request req;
  std::vector<std::string> params;  // decoded `{}` path segments, in order
  std::string path;                 // decoded path, without the query
  std::string query;                // raw query string, without '?'
  std::string request_id;
  StreamedBody streamed;  // set by StreamedResponse: the server sends it as the body
};

// A response whose body is exactly `length` bytes read from `source` (sent with
// Content-Length by the server that dispatched `call`); HEAD answers the length without
// reading. Without a server (in-process tests) the body stays empty.
Response StreamedResponse(Call& call, http::status status, std::string_view content_type,
                          uint64_t length, std::shared_ptr<BodySource> source);

using Handler = std::function<boost::asio::awaitable<Response>(Call&)>;

// One answered request, as Dispatch reports it to its observer (node/request_log.h logs it).
struct Exchange {
  std::string_view method;
  std::string_view target;  // as the client sent it (the query included)
  std::string_view request_id;
  unsigned status;
  std::chrono::steady_clock::duration took;  // from Dispatch to the handler's answer
};
using ExchangeObserver = std::function<void(const Exchange&)>;
// Builds a dialect's error response.
using ErrorFormatter =
    std::function<Response(http::status, std::string_view message, const std::string& request_id)>;

class Router {
 public:
  // `pattern` is a path whose `{}` segments match one non-empty segment each.
  void Add(http::verb method, std::string_view pattern, Handler handler);
  // Errors for paths starting with `prefix` use `format` (the longest prefix wins).
  void SetErrorFormat(std::string prefix, ErrorFormatter format);

  // Routes the request; adds X-Request-Id, Date and Server to every response. A handler that
  // throws gets a 500 in its dialect's format, with the request's id. A handler's
  // StreamedResponse body goes to `streamed` (dropped when null).
  boost::asio::awaitable<Response> Dispatch(Request req, StreamedBody* streamed = nullptr);
  // Called once with every request Dispatch answers (set before serving; thread-safe itself).
  void SetObserver(ExchangeObserver observer) { observer_ = std::move(observer); }
  // Every route added, as (method, pattern) in order: what the node serves (docs checks).
  std::vector<std::pair<http::verb, std::string>> Routes() const;
  // An error response for `target` in its dialect's format, with the common headers.
  Response ErrorFor(std::string_view target, http::status status, std::string_view message,
                    const std::string& request_id) const;

 private:
  struct Route {
    http::verb method;
    std::vector<std::string> segments;  // "{}" = parameter
    Handler handler;
  };
  const ErrorFormatter* FormatterFor(std::string_view path) const;
  // Dispatch without the observer.
  boost::asio::awaitable<Response> Match(Request req, StreamedBody* streamed);
  std::vector<Route> routes_;
  std::vector<std::pair<std::string, ErrorFormatter>> formats_;
  ExchangeObserver observer_;
};

// Adds the headers every response carries.
void AddCommonHeaders(Response& res, const std::string& request_id);

}  // namespace meridian::api
