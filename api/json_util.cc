// JSON helpers (see json_util.h).
#include "api/json_util.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

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
    members.push_back(
        {std::string(name.as_string()), std::string(compact.substr(pos, value_end - pos))});
    pos = value_end;
    if (pos < compact.size() && compact[pos] == ',') ++pos;
  }
  return members;
}

std::string CanonicalNumber(double d) {
  if (!std::isfinite(d)) return "null";  // JSON has no infinity; never stored from valid input
  if (d == 0) return "0";
  // The shortest round-trip digits and decimal exponent: "d.ddde±x".
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  std::string out = sci.front() == '-' ? "-" : "";
  if (sci.front() == '-') sci.remove_prefix(1);
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  const int k = static_cast<int>(digits.size());
  const int n = std::atoi(std::string(sci.substr(e + 1)).c_str()) + 1;  // point after n digits
  // ECMA-262 Number::toString.
  if (k <= n && n <= 21) {
    out += digits + std::string(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += (n - 1 >= 0 ? "e+" : "e-") + std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {

// What SerializeExact writes for the number token `token` (as Boost.JSON parses it: an integer
// within int64/uint64 stays one, anything else is a double).
std::string Reprinted(std::string_view token) {
  const char* first = token.data();
  const char* last = first + token.size();
  if (token.find_first_of(".eE") == std::string_view::npos) {
    int64_t i = 0;
    if (auto [p, ec] = std::from_chars(first, last, i); ec == std::errc() && p == last) {
      return std::to_string(i);
    }
    uint64_t u = 0;
    if (auto [p, ec] = std::from_chars(first, last, u); ec == std::errc() && p == last) {
      return std::to_string(u);
    }
  }
  double d = 0;
  auto [p, ec] = std::from_chars(first, last, d);
  if (ec != std::errc() || p != last) return {};
  return CanonicalNumber(d);
}

void WriteExact(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::double_:
      out += CanonicalNumber(v.get_double());
      return;
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& member : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += JsonQuote(member.key());
        out.push_back(':');
        WriteExact(member.value(), out);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        WriteExact(item, out);
      }
      out.push_back(']');
      return;
    }
    default:
      out += json::serialize(v);
      return;  // strings, integers, booleans, null
  }
}

}  // namespace

std::string SerializeExact(const json::value& value) {
  std::string out;
  WriteExact(value, out);
  return out;
}

Status CheckNumbersExact(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      i = StringEnd(text, i);
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    const size_t end = text.find_first_not_of("0123456789+-.eE", i);
    const std::string_view token = text.substr(i, end - i);
    const std::string back = Reprinted(token);
    if (back != token) {
      return Status::InvalidArgument("the number " + std::string(token.substr(0, 40)) +
                                     " cannot be stored exactly as written" +
                                     (back.empty() ? "" : "; send " + back));
    }
    i = end == std::string_view::npos ? text.size() : end;
  }
  return Status::Ok();
}

std::string JsonQuote(std::string_view s) { return json::serialize(json::string_view(s)); }

std::optional<std::string> StringField(const json::object& obj, std::string_view name) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace meridian::api
