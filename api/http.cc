// HTTP helpers (see http.h).
#include "api/http.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace meridian::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

}  // namespace

std::string PercentEncode(std::string_view s, std::string_view safe) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 && u < 0x80) {
      out.push_back(c);
    } else if (std::string_view("-._~").find(c) != std::string_view::npos ||
               safe.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) {
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      auto decoded = PercentDecode(value, true);
      return decoded ? decoded : std::optional<std::string>(std::string(value));
    }
  }
  return std::nullopt;
}

std::vector<std::string> SplitCommaList(std::string_view list) {
  std::vector<std::string> items;
  if (list.empty()) return items;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    items.emplace_back(list.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string_view OriginForm(std::string_view target) {
  size_t scheme = 0;
  if (target.size() >= 7 && boost::beast::iequals(target.substr(0, 7), "http://")) scheme = 7;
  if (target.size() >= 8 && boost::beast::iequals(target.substr(0, 8), "https://")) scheme = 8;
  if (scheme == 0) return target;
  const std::string_view rest = target.substr(scheme);
  const size_t path = rest.find_first_of("/?");
  if (path == std::string_view::npos) return "/";
  if (rest[path] == '?') return "/";  // "http://host?q": no path; the query is dropped with it
  return rest.substr(path);
}

std::string NewUuid() {
  uint64_t a = ThreadRng()(), b = ThreadRng()();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (HexValue(s[i]) < 0) {
      return false;
    }
  }
  return true;
}

std::string RequestIdFor(const Request& req) {
  auto it = req.find("X-Request-Id");
  if (it != req.end()) {
    std::string_view v = it->value();
    bool printable = !v.empty() && v.size() <= 128;
    for (char c : v) printable = printable && c > 0x20 && c < 0x7f;
    if (printable) return std::string(v);
  }
  return NewUuid();
}

std::string HttpDate() {
  thread_local time_t cached_second = 0;
  thread_local std::string cached;
  time_t now = std::time(nullptr);
  if (now != cached_second) {
    tm utc{};
    gmtime_r(&now, &utc);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

std::string Rfc3339(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

http::status HttpStatusOf(const Status& status) {
  using C = Status::Code;
  switch (status.code()) {
    case C::kOk:
      return http::status::ok;
    case C::kNotFound:
      return http::status::not_found;
    case C::kInvalidArgument:
      return http::status::bad_request;
    case C::kConflict:
      return http::status::conflict;
    case C::kPermissionDenied:
      return http::status::forbidden;
    case C::kUnauthenticated:
      return http::status::unauthorized;
    case C::kResourceExhausted:
      return http::status::insufficient_storage;
    case C::kTimeout:
      return http::status::request_timeout;
    case C::kUnavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

std::string PublicMessage(const Status& status) {
  if (HttpStatusOf(status) == http::status::internal_server_error) return "internal error";
  return status.message();
}

Response MakeResponse(http::status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  if (!body.empty() || status != http::status::no_content) {
    res.set(http::field::content_type, content_type);
  }
  res.body() = std::move(body);
  return res;
}

}  // namespace meridian::api
