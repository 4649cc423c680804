// Parsing and matching of metadata searches (see search.h).
#include "api/zitadel/search.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "api/zitadel/codec.h"
#include "api/zitadel/errors.h"

namespace meridian::api::zitadel {
namespace json = boost::json;
namespace {

constexpr std::string_view kIdSearch = "MERIDIAN-search";

constexpr std::array<std::string_view, 8> kMethodNames = {
    "TEXT_QUERY_METHOD_EQUALS",      "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE",
    "TEXT_QUERY_METHOD_STARTS_WITH", "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE",
    "TEXT_QUERY_METHOD_CONTAINS",    "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE",
    "TEXT_QUERY_METHOD_ENDS_WITH",   "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE",
};

Status Invalid(std::string_view text) { return WithCode(Status::InvalidArgument(text), kIdSearch); }

// A field by its lowerCamel JSON name or its proto name; null counts as absent (protojson).
const json::value* Field(const json::object& obj, std::string_view camel,
                         std::string_view proto = {}) {
  const json::value* v = obj.if_contains(camel);
  if (v == nullptr && !proto.empty()) v = obj.if_contains(proto);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

// An unsigned integer as protojson accepts it: a JSON number without a fraction, or a
// decimal string. nullopt if it is anything else or above `max`.
std::optional<uint64_t> Unsigned(const json::value& v, uint64_t max) {
  uint64_t out = 0;
  if (v.is_uint64()) {
    out = v.as_uint64();
  } else if (v.is_int64()) {
    if (v.as_int64() < 0) return std::nullopt;
    out = static_cast<uint64_t>(v.as_int64());
  } else if (v.is_double()) {
    const double d = v.as_double();
    // 2^64 is exactly representable; anything at or above it does not fit.
    if (!(d >= 0) || d != std::floor(d) || d >= 18446744073709551616.0) return std::nullopt;
    out = static_cast<uint64_t>(d);
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (out > max) return std::nullopt;
  return out;
}

Result<TextMethod> ParseMethod(const json::value* v) {
  if (v == nullptr) return TextMethod::kEquals;
  if (v->is_string()) {
    for (size_t i = 0; i < kMethodNames.size(); ++i) {
      if (v->as_string() == kMethodNames[i]) return static_cast<TextMethod>(i);
    }
  } else if (auto n = Unsigned(*v, kMethodNames.size() - 1)) {  // a number, never a string here
    return static_cast<TextMethod>(*n);
  }
  return Invalid("keyQuery.method must be a defined TextQueryMethod");
}

Status ParseQuery(const json::object& query, SearchRequest& out) {
  if (const json::value* v = Field(query, "offset")) {
    auto n = Unsigned(*v, std::numeric_limits<uint64_t>::max());
    if (!n) return Invalid("query.offset must be an unsigned integer");
    out.offset = *n;
  }
  if (const json::value* v = Field(query, "limit")) {
    auto n = Unsigned(*v, std::numeric_limits<uint32_t>::max());
    if (!n) return Invalid("query.limit must be an unsigned 32-bit integer");
    if (*n > kMaxLimit) {
      return WithCode(Status::InvalidArgument("query.limit must be at most 1000"),
                      "MERIDIAN-limit");
    }
    out.limit = *n == 0 ? kDefaultLimit : static_cast<uint32_t>(*n);
  }
  if (const json::value* v = Field(query, "asc")) {
    if (!v->is_bool()) return Invalid("query.asc must be a boolean");
    out.asc = v->as_bool();
  }
  return Status::Ok();
}

Result<KeyFilter> ParseFilter(const json::value& item) {
  if (!item.is_object()) return Invalid("each entry of queries must be an object");
  const json::value* kq = Field(item.as_object(), "keyQuery", "key_query");
  if (kq == nullptr) return Invalid("each entry of queries needs a keyQuery");
  if (!kq->is_object()) return Invalid("keyQuery must be an object");
  KeyFilter filter;
  if (const json::value* key = Field(kq->as_object(), "key")) {
    if (!key->is_string()) return Invalid("keyQuery.key must be a string");
    filter.key = std::string(key->as_string());
    auto chars = CountCodePoints(filter.key);
    if (!chars || *chars > kMaxKeyChars) {
      return Invalid("keyQuery.key must be at most 200 characters");
    }
  }
  auto method = ParseMethod(Field(kq->as_object(), "method"));
  if (!method.ok()) return method.status();
  filter.method = *method;
  return filter;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

}  // namespace

Result<SearchRequest> ParseSearchRequest(const json::value& body) {
  SearchRequest out;
  if (body.is_null()) return out;
  if (!body.is_object()) return Invalid("request body must be a JSON object");
  const json::object& obj = body.as_object();
  if (const json::value* q = Field(obj, "query")) {
    if (!q->is_object()) return Invalid("query must be an object");
    MERIDIAN_RETURN_IF_ERROR(ParseQuery(q->as_object(), out));
  }
  if (const json::value* qs = Field(obj, "queries")) {
    if (!qs->is_array()) return Invalid("queries must be an array");
    for (const auto& item : qs->as_array()) {
      auto filter = ParseFilter(item);
      if (!filter.ok()) return filter.status();
      out.filters.push_back(std::move(*filter));
    }
  }
  return out;
}

bool Matches(const KeyFilter& filter, std::string_view key) {
  const int m = static_cast<int>(filter.method);
  const bool fold = m % 2 == 1;
  std::string folded_key, folded_filter;
  std::string_view k = key, f = filter.key;
  if (fold) {
    folded_key = Lowered(key);
    folded_filter = Lowered(filter.key);
    k = folded_key;
    f = folded_filter;
  }
  switch (m / 2) {
    case 0:
      return k == f;
    case 1:
      return k.starts_with(f);
    case 2:
      return k.find(f) != std::string_view::npos;
    case 3:
      return k.ends_with(f);
  }
  return false;
}

bool MatchesAll(const std::vector<KeyFilter>& filters, std::string_view key) {
  for (const auto& f : filters) {
    if (!Matches(f, key)) return false;
  }
  return true;
}

}  // namespace meridian::api::zitadel
