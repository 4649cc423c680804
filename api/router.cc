// Routing and pre-handler errors (see router.h).
#include "api/router.h"

#include <algorithm>
#include <exception>

#include "storage/base/log.h"

namespace meridian::api {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; a trailing slash gives a trailing empty segment.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// "GET, HEAD, PUT": the methods in route order, HEAD after GET, each once (RFC 9110 10.2.1).
std::string AllowHeader(const std::vector<http::verb>& methods) {
  std::vector<http::verb> listed;
  auto add = [&](http::verb v) {
    if (std::find(listed.begin(), listed.end(), v) == listed.end()) listed.push_back(v);
  };
  for (http::verb v : methods) {
    add(v);
    if (v == http::verb::get) add(http::verb::head);
  }
  std::string out;
  for (http::verb v : listed) {
    if (!out.empty()) out += ", ";
    out += http::to_string(v);
  }
  return out;
}

}  // namespace

void AddCommonHeaders(Response& res, const std::string& request_id) {
  res.set("X-Request-Id", request_id);
  res.set(http::field::date, HttpDate());
  res.set(http::field::server, "meridian");
}

void Router::Add(http::verb method, std::string_view pattern, Handler handler) {
  Route route{method, {}, std::move(handler)};
  for (auto seg : SplitPath(pattern)) route.segments.emplace_back(seg);
  routes_.push_back(std::move(route));
}

std::vector<std::pair<http::verb, std::string>> Router::Routes() const {
  std::vector<std::pair<http::verb, std::string>> out;
  for (const Route& route : routes_) {
    std::string pattern;
    for (const std::string& seg : route.segments) pattern += "/" + seg;
    out.emplace_back(route.method, pattern.empty() ? "/" : pattern);
  }
  return out;
}

void Router::SetErrorFormat(std::string prefix, ErrorFormatter format) {
  formats_.emplace_back(std::move(prefix), std::move(format));
}

const ErrorFormatter* Router::FormatterFor(std::string_view path) const {
  const ErrorFormatter* best = nullptr;
  size_t best_len = 0;
  for (const auto& [prefix, format] : formats_) {
    if (path.starts_with(prefix) && (best == nullptr || prefix.size() > best_len)) {
      best = &format;
      best_len = prefix.size();
    }
  }
  return best;
}

Response StreamedResponse(Call& call, http::status status, std::string_view content_type,
                          uint64_t length, std::shared_ptr<BodySource> source) {
  call.streamed = StreamedBody{std::move(source), length};
  return MakeResponse(status, "", content_type);
}

Response Router::ErrorFor(std::string_view target, http::status status, std::string_view message,
                          const std::string& request_id) const {
  std::string_view path = target.substr(0, target.find('?'));
  const ErrorFormatter* format = FormatterFor(path);
  Response res = format ? (*format)(status, message, request_id)
                        : MakeResponse(status, std::string(message) + "\n", "text/plain");
  AddCommonHeaders(res, request_id);
  return res;
}

boost::asio::awaitable<Response> Router::Dispatch(Request req, StreamedBody* streamed) {
  const auto started = std::chrono::steady_clock::now();
  const std::string method(req.method_string());
  const std::string raw_target(req.target());
  Response res = co_await Match(std::move(req), streamed);
  if (observer_) {
    const auto id = res.find("X-Request-Id");
    std::string_view request_id;
    if (id != res.end()) request_id = std::string_view(id->value().data(), id->value().size());
    observer_(Exchange{method, raw_target, request_id, res.result_int(),
                       std::chrono::steady_clock::now() - started});
  }
  co_return res;
}

boost::asio::awaitable<Response> Router::Match(Request req, StreamedBody* streamed) {
  Call call;
  call.request_id = RequestIdFor(req);
  std::string_view target = OriginForm(req.target());
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (q != std::string_view::npos) call.query = std::string(target.substr(q + 1));
  auto path = PercentDecode(raw_path, false);
  if (!path || !raw_path.starts_with('/')) {
    co_return ErrorFor(raw_path, http::status::bad_request, "malformed request target",
                       call.request_id);
  }
  call.path = *path;
  // Match on raw segments, decode parameters: an encoded '/' stays inside its segment.
  auto segments = SplitPath(raw_path);
  std::vector<http::verb> allowed;  // the methods of the routes matching the path
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool match = true;
    call.params.clear();
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (route.segments[i] == "{}") {
        auto decoded = PercentDecode(segments[i], false);
        match = decoded && !decoded->empty();
        if (match) call.params.push_back(std::move(*decoded));
      } else {
        match = route.segments[i] == segments[i];
      }
    }
    if (!match) continue;
    allowed.push_back(route.method);
    if (route.method != req.method() &&
        !(req.method() == http::verb::head && route.method == http::verb::get)) {
      continue;
    }
    call.req = std::move(req);
    std::string failure;
    try {
      Response res = co_await route.handler(call);
      AddCommonHeaders(res, call.request_id);
      if (streamed != nullptr) *streamed = std::move(call.streamed);
      co_return res;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    log::Error("handler_failed",
               "request_id=" + call.request_id + " error=\"" + failure.substr(0, 200) + "\"");
    co_return ErrorFor(raw_path, http::status::internal_server_error, "internal error",
                       call.request_id);
  }
  if (allowed.empty()) {
    co_return ErrorFor(raw_path, http::status::not_found, "no such endpoint", call.request_id);
  }
  Response res =
      ErrorFor(raw_path, http::status::method_not_allowed, "method not allowed", call.request_id);
  res.set(http::field::allow, AllowHeader(allowed));
  co_return res;
}

}  // namespace meridian::api
