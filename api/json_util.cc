// JSON helpers (see json_util.h).
#include "api/json_util.h"

namespace meridian::api {
namespace json = boost::json;

Result<json::value> ParseJsonBody(const Request& req) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value v = json::parse(req.body(), ec, {}, options);
  if (ec) return Status::InvalidArgument("request body is not valid JSON: " + ec.message());
  return v;
}

std::string JsonQuote(std::string_view s) { return json::serialize(json::string_view(s)); }

std::optional<std::string> StringField(const json::object& obj, std::string_view name) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace meridian::api
