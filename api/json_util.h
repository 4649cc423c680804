// JSON helpers shared by the dialects (Boost.JSON): body parsing with a clear error, and
// escaping for responses assembled from stored JSON text. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "api/http.h"

namespace meridian::api {

// The request body as JSON; InvalidArgument with the parser's reason if malformed.
Result<boost::json::value> ParseJsonBody(const Request& req);
// `s` as a quoted, escaped JSON string.
std::string JsonQuote(std::string_view s);
// A string field of `obj`, or nullopt when absent or not a string.
std::optional<std::string> StringField(const boost::json::object& obj, std::string_view name);

}  // namespace meridian::api
