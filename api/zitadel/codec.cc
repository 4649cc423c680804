// Base64, key/value rules, stored entries and ObjectDetails (see codec.h).
#include "api/zitadel/codec.h"

#include <boost/json.hpp>
#include <charconv>

#include "api/http.h"
#include "api/json_util.h"
#include "api/zitadel/errors.h"

namespace meridian::api::zitadel {
namespace json = boost::json;
namespace {

// The 6-bit value of `c` in the chosen alphabet, or -1.
int Sextet(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

std::optional<int64_t> Int64Field(const json::object& obj, std::string_view name) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  const bool url = text.find_first_of("-_") != std::string_view::npos;
  size_t n = text.size();
  // Padding is read only when the text is a whole number of quads, as protojson does.
  if (n % 4 == 0) {
    for (int pad = 0; pad < 2 && n > 0 && text[n - 1] == '='; ++pad) --n;
  }
  std::string_view body = text.substr(0, n);
  if (body.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(body.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : body) {
    int v = Sextet(c, url);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xff));
    }
  }
  // Left-over bits of the last character must be zero (one text per byte string).
  if (nbits > 0 && (bits & ((1u << nbits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<size_t> CountCodePoints(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xe0) == 0xc0) {
      len = 2;
      cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      len = 3;
      cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return std::nullopt;
    }
    i += len;
  }
  return count;
}

Status CheckKey(std::string_view key) {
  auto chars = CountCodePoints(key);
  if (!chars)
    return WithCode(Status::InvalidArgument("Key must be valid UTF-8"), "MERIDIAN-keyutf");
  if (*chars == 0 || *chars > kMaxKeyChars) {
    return WithCode(Status::InvalidArgument("Key must be 1 to 200 characters"), kIdInvalid);
  }
  if (key.size() > kMaxKeyBytes) {
    return WithCode(Status::InvalidArgument("Key must be at most 400 bytes of UTF-8"), kIdInvalid);
  }
  return Status::Ok();
}

Result<std::string> CheckValue(std::string_view base64_text) {
  if (base64_text.empty()) {
    return WithCode(Status::InvalidArgument("Value must not be empty"), kIdInvalid);
  }
  if (base64_text.size() > kMaxValueChars) {
    return WithCode(Status::InvalidArgument("Value must be at most 500000 characters of base64"),
                    kIdInvalid);
  }
  auto bytes = DecodeBase64(base64_text);
  if (!bytes) {
    return WithCode(Status::InvalidArgument("Value must be valid base64"), "MERIDIAN-b64");
  }
  return EncodeBase64(*bytes);
}

std::string EncodeEntry(const StoredEntry& entry) {
  return "{\"value\":" + JsonQuote(entry.value) +
         ",\"sequence\":" + std::to_string(entry.sequence) +
         ",\"created_ms\":" + std::to_string(entry.created_ms) +
         ",\"changed_ms\":" + std::to_string(entry.changed_ms) + "}";
}

std::optional<StoredEntry> DecodeEntry(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const json::object& obj = doc.as_object();
  auto value = StringField(obj, "value");
  auto sequence = Int64Field(obj, "sequence");
  auto created = Int64Field(obj, "created_ms");
  auto changed = Int64Field(obj, "changed_ms");
  if (!value || !sequence || !created || !changed || *sequence < 0) return std::nullopt;
  return StoredEntry{std::move(*value), static_cast<uint64_t>(*sequence), *created, *changed};
}

std::string EncodeSequence(uint64_t sequence) { return std::to_string(sequence); }

std::optional<uint64_t> DecodeSequence(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string DetailsJson(const Details& details) {
  std::string out = "{\"sequence\":\"" + std::to_string(details.sequence) + "\"";
  if (details.created_ms > 0) out += ",\"creationDate\":\"" + Rfc3339(details.created_ms) + "\"";
  out += ",\"changeDate\":\"" + Rfc3339(details.changed_ms) + "\"";
  out += ",\"resourceOwner\":" + JsonQuote(details.resource_owner) + "}";
  return out;
}

}  // namespace meridian::api::zitadel
