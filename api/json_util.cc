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

Result<std::string> CompactJson(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::parse(text, ec, {}, options);  // validation only; the text itself is what we keep
  if (ec) return Status::InvalidArgument("request body is not valid JSON: " + ec.message());
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\') {
        out.push_back(text[++i]);  // valid JSON: an escape always has its next byte
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out.push_back(c);
      in_string = c == '"';
    }
  }
  return out;
}

namespace {
// The end (one past) of the string token starting at `pos` (a '"') in valid compact JSON.
size_t StringEnd(std::string_view s, size_t pos) {
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}
// The end (one past) of the value starting at `pos` in valid compact JSON.
size_t ValueEnd(std::string_view s, size_t pos) {
  int depth = 0;
  for (size_t i = pos; i < s.size();) {
    const char c = s[i];
    if (c == '"') {
      i = StringEnd(s, i);
      if (depth == 0) return i;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the end of the enclosing container
      if (--depth == 0) return i + 1;
    } else if (c == ',' && depth == 0) {
      return i;
    }
    ++i;
  }
  return s.size();
}
}  // namespace

std::optional<std::vector<RawMember>> ObjectMembers(std::string_view compact) {
  if (compact.empty() || compact.front() != '{') return std::nullopt;
  std::vector<RawMember> members;
  size_t pos = 1;
  while (pos < compact.size() && compact[pos] == '"') {
    const size_t name_end = StringEnd(compact, pos);
    boost::system::error_code ec;
    json::value name = json::parse(compact.substr(pos, name_end - pos), ec);
    if (ec || !name.is_string() || name_end >= compact.size()) return std::nullopt;
    pos = name_end + 1;  // past ':'
    const size_t value_end = ValueEnd(compact, pos);
    members.push_back({std::string(name.as_string()), std::string(compact.substr(pos, value_end - pos))});
    pos = value_end;
    if (pos < compact.size() && compact[pos] == ',') ++pos;
  }
  return members;
}

std::string JsonQuote(std::string_view s) { return json::serialize(json::string_view(s)); }

std::optional<std::string> StringField(const json::object& obj, std::string_view name) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace meridian::api
