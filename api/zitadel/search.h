// The `_search` request of ZITADEL metadata (ListQuery + MetadataQuery, docs/zitadel.md)
// read as protojson reads it: uint64/uint32 as JSON numbers or decimal strings, enum values by
// name or number, lowerCamel or proto field names, unknown fields ignored. Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/status.h"

namespace meridian::api::zitadel {

inline constexpr uint32_t kDefaultLimit = 100;
inline constexpr uint32_t kMaxLimit = 1000;

// zitadel.v1.TextQueryMethod, with its wire numbers.
enum class TextMethod : int {
  kEquals = 0,
  kEqualsIgnoreCase = 1,
  kStartsWith = 2,
  kStartsWithIgnoreCase = 3,
  kContains = 4,
  kContainsIgnoreCase = 5,
  kEndsWith = 6,
  kEndsWithIgnoreCase = 7,
};

struct KeyFilter {
  std::string key;  // at most 200 characters; may be empty
  TextMethod method = TextMethod::kEquals;
};

struct SearchRequest {
  uint64_t offset = 0;
  uint32_t limit = kDefaultLimit;  // 0 on the wire means the default
  bool asc = false;                // ZITADEL's default order is descending
  std::vector<KeyFilter> filters;  // all must match
};

// Parses the body (null = empty body = every default). InvalidArgument (with an id) for a
// wrong type, an unknown method, a key filter over 200 characters, a query without
// keyQuery, or a limit over 1000.
Result<SearchRequest> ParseSearchRequest(const boost::json::value& body);

// Whether `key` passes `filter`. Case-insensitive methods fold ASCII letters only.
bool Matches(const KeyFilter& filter, std::string_view key);
bool MatchesAll(const std::vector<KeyFilter>& filters, std::string_view key);

}  // namespace meridian::api::zitadel
