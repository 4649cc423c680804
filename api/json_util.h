// JSON helpers shared by the dialects (Boost.JSON): body parsing with a clear error, and
// escaping for responses assembled from stored JSON text. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"

namespace meridian::api {

// The request body as JSON; InvalidArgument with the parser's reason if malformed.
Result<boost::json::value> ParseJsonBody(const Request& req);
// Client JSON kept exactly as sent, for dialects that store values (never a boost::json::value
// round trip, which turns 1.5 into 1.5E0, 1e999 into Infinity and drops digits past 64 bits).
// `text` validated as one JSON text (RFC 8259: UTF-8, no comments or trailing commas, depth
// <= 64) and returned with the whitespace outside strings removed, otherwise byte-for-byte.
// InvalidArgument with the parser's reason if it is not valid JSON.
Result<std::string> CompactJson(std::string_view text);
// One member of a JSON object: its name (decoded) and its value's text as in `compact`.
struct RawMember {
  std::string name;
  std::string value;
};
// The members of `compact` (REQUIRES: output of CompactJson) in order, a repeated name once per
// occurrence; nullopt when it is not an object.
std::optional<std::vector<RawMember>> ObjectMembers(std::string_view compact);

// For dialects that keep client JSON as parsed values (boost::json::value), numbers must come
// back as the client wrote them. SerializeExact is json::serialize with every number written
// in one canonical form: integers as digits, other numbers in the shortest text that reads back
// as the same double, laid out as JavaScript's Number#toString does ("1.5", "0.001", "1e-7",
// "1e+21"). CheckNumbersExact refuses (InvalidArgument naming the number) any number in the
// JSON `text` that SerializeExact would not write back byte-for-byte: "1.50", "1E2", "-0",
// digits past a double's precision. REQUIRES for CheckNumbersExact: `text` is valid JSON.
std::string SerializeExact(const boost::json::value& value);
Status CheckNumbersExact(std::string_view text);
// The canonical text of one number (as SerializeExact writes it).
std::string CanonicalNumber(double d);

// `s` as a quoted, escaped JSON string.
std::string JsonQuote(std::string_view s);
// A string field of `obj`, or nullopt when absent or not a string.
std::optional<std::string> StringField(const boost::json::object& obj, std::string_view name);

}  // namespace meridian::api
