// HTTP vocabulary shared by the server, the router and every dialect: request/response types,
// query-string and path helpers, trace ids, the Status -> HTTP status mapping. Thread-safe.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/status.h"

namespace meridian::api {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Percent-encodes every byte of `s` but ASCII letters, digits, "-._~" and `safe` (Python's
// urllib.parse.quote, whose default `safe` is "/").
std::string PercentEncode(std::string_view s, std::string_view safe = "/");
// Percent-decodes `s` (and '+' as space when `plus_is_space`); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// The decoded value of `name` in the query string `query` (without '?'); nullopt if absent.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);
// Splits "a,b,c" on commas (an empty input gives an empty list; empty items are kept).
std::vector<std::string> SplitCommaList(std::string_view list);

// The origin-form of a request target: "/path?q" for an absolute-form "http://host/path?q"
// (RFC 9112 3.2.2; "/" when it has no path); any other target unchanged.
std::string_view OriginForm(std::string_view target);

// A fresh random (v4) UUID string; not for secrets.
std::string NewUuid();
// True if `s` is a canonical lowercase/uppercase 8-4-4-4-12 hex UUID.
bool IsUuid(std::string_view s);
// The client's X-Request-Id if printable and at most 128 bytes, else a fresh UUID.
std::string RequestIdFor(const Request& req);
// The current time as an IMF-fixdate (the Date header), cached per second.
std::string HttpDate();
// RFC 3339 UTC with milliseconds.
std::string Rfc3339(int64_t unix_ms);

// The HTTP status a Status maps to: NotFound 404, InvalidArgument 400, Conflict 409,
// PermissionDenied 403, Unauthenticated 401, ResourceExhausted 507, Timeout 408,
// Unavailable 503, anything else 500.
http::status HttpStatusOf(const Status& status);
// The message a client may see: internal failures are not described to clients.
std::string PublicMessage(const Status& status);

// A response with a body and content type; keep-alive and common headers are set later.
Response MakeResponse(http::status status, std::string body,
                      std::string_view content_type = "application/json");

}  // namespace meridian::api
