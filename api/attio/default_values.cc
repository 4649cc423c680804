// Type-dependent value rules of attribute definitions (see default_values.h).
#include "api/attio/default_values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "api/attio/errors.h"
#include "api/http.h"
#include "api/json_util.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace {

constexpr std::array<TypeInfo, 17> kTypes = {{
    {"text", true, false, false},
    {"number", true, false, false},
    {"checkbox", true, false, false},
    {"currency", true, false, false},
    {"date", true, false, false},
    {"timestamp", true, false, false},
    {"rating", true, false, false},
    {"status", true, false, true},
    {"select", true, true, false},
    {"record-reference", true, true, false},
    {"actor-reference", true, true, false},
    {"location", true, false, false},
    {"domain", true, true, false},
    {"email-address", true, true, false},
    {"phone-number", true, true, false},
    {"interaction", false, true, false},
    {"personal-name", false, false, false},
}};

// Attio's published list (its OpenAPI document's enum for default_currency_code and
// currency_code, in its order). The one table: docs/attio.md and docs/openapi/attio.yaml copy it.
constexpr std::array<std::string_view, 43> kCurrencyCodes = {
    "ARS", "AUD", "BRL", "BGN", "CAD", "CLP", "CNY", "COP", "CZK", "DKK", "EUR",
    "FJD", "HKD", "HUF", "ISK", "INR", "IDR", "ILS", "JPY", "KES", "KRW", "MYR",
    "MXN", "NTD", "NZD", "NGN", "NOK", "XPF", "PEN", "PHP", "PLN", "GBP", "RWF",
    "SAR", "SGD", "ZAR", "SEK", "CHF", "THB", "TRY", "AED", "UYU", "USD"};

// What one key of a template value may hold.
enum class Kind {
  kText,    // non-empty string
  kNumber,  // any JSON number
  kBool,
  kRating,  // integer 0..5
  kDate,
  kTimestamp,
  kCurrencyCode,
  kUuid,
  kTargetObject,  // an object slug or UUID
  kEmail,
  kDomain,
  kPhone,
  kCountryCode,  // ISO 3166-1 alpha-2
  kActorType,
  kOptionalText,  // string or null
  kCoordinate,    // string, number or null
};

struct Field {
  std::string_view key;
  Kind kind;
};

struct Shape {
  std::vector<Field> fields;
  std::vector<std::string_view> one_of;  // exactly one of these keys must be present
  bool any_non_null = false;             // at least one field must be non-null
};

const Shape* ShapeOf(std::string_view type) {
  static const auto* shapes = new std::vector<std::pair<std::string_view, Shape>>{
      {"text", {{{"value", Kind::kText}}, {"value"}}},
      {"number", {{{"value", Kind::kNumber}}, {"value"}}},
      {"checkbox", {{{"value", Kind::kBool}}, {"value"}}},
      {"currency",
       {{{"currency_value", Kind::kNumber},
         {"value", Kind::kNumber},
         {"currency_code", Kind::kCurrencyCode}},
        {"currency_value", "value"}}},
      {"date", {{{"value", Kind::kDate}}, {"value"}}},
      {"timestamp", {{{"value", Kind::kTimestamp}}, {"value"}}},
      {"rating", {{{"value", Kind::kRating}}, {"value"}}},
      {"status", {{{"status", Kind::kText}}, {"status"}}},
      {"select", {{{"option", Kind::kText}}, {"option"}}},
      {"record-reference",
       {{{"target_object", Kind::kTargetObject}, {"target_record_id", Kind::kUuid}}, {}}},
      {"actor-reference",
       {{{"referenced_actor_type", Kind::kActorType}, {"referenced_actor_id", Kind::kUuid}}, {}}},
      {"location",
       {{{"line_1", Kind::kOptionalText},
         {"line_2", Kind::kOptionalText},
         {"line_3", Kind::kOptionalText},
         {"line_4", Kind::kOptionalText},
         {"locality", Kind::kOptionalText},
         {"region", Kind::kOptionalText},
         {"postcode", Kind::kOptionalText},
         {"country_code", Kind::kCountryCode},
         {"latitude", Kind::kCoordinate},
         {"longitude", Kind::kCoordinate}},
        {},
        true}},
      {"domain", {{{"domain", Kind::kDomain}}, {"domain"}}},
      {"email-address", {{{"email_address", Kind::kEmail}}, {"email_address"}}},
      {"phone-number",
       {{{"original_phone_number", Kind::kPhone}, {"country_code", Kind::kCountryCode}},
        {"original_phone_number"}}},
  };
  for (const auto& [name, shape] : *shapes) {
    if (name == type) return &shape;
  }
  return nullptr;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Num(std::string_view s) { return std::stoi(std::string(s)); }

bool IsSlugLike(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view domain = s.substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.') {
    return false;
  }
  return s.size() <= 320 && std::none_of(s.begin(), s.end(), [](char c) {
           return std::isspace(static_cast<unsigned char>(c)) || c < 0x20;
         });
}

bool IsDomain(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.find('.') == std::string_view::npos) return false;
  if (s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

bool IsPhone(std::string_view s) {
  if (s.size() < 2 || s.size() > 32 || s[0] != '+') return false;
  int digits = 0;
  for (char c : s.substr(1)) {
    if (c >= '0' && c <= '9') {
      digits++;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 4;
}

bool IsCountryCode(std::string_view s) {
  return s.size() == 2 && std::isupper(static_cast<unsigned char>(s[0])) &&
         std::isupper(static_cast<unsigned char>(s[1]));
}

// "" if `v` fits `kind`, else what was expected.
std::string_view Expectation(Kind kind, const json::value& v) {
  auto str = [&]() -> std::string_view {
    return v.is_string() ? std::string_view(v.as_string()) : std::string_view();
  };
  switch (kind) {
    case Kind::kText:
      return v.is_string() && !v.as_string().empty() ? "" : "a non-empty string";
    case Kind::kNumber:
      return v.is_number() ? "" : "a number";
    case Kind::kBool:
      return v.is_bool() ? "" : "true or false";
    case Kind::kRating: {
      bool ok = (v.is_int64() && v.as_int64() >= 0 && v.as_int64() <= 5) ||
                (v.is_uint64() && v.as_uint64() <= 5);
      return ok ? "" : "an integer from 0 to 5";
    }
    case Kind::kDate:
      return v.is_string() && IsIsoDate(str()) ? "" : "a date YYYY-MM-DD";
    case Kind::kTimestamp:
      return v.is_string() && IsIsoTimestamp(str()) ? "" : "an ISO 8601 timestamp";
    case Kind::kCurrencyCode:
      return v.is_string() && IsCurrencyCode(str()) ? "" : "a supported ISO 4217 currency code";
    case Kind::kUuid:
      return v.is_string() && IsUuid(str()) ? "" : "a UUID";
    case Kind::kTargetObject:
      return v.is_string() && (IsUuid(str()) || IsSlugLike(str())) ? "" : "an object slug or UUID";
    case Kind::kEmail:
      return v.is_string() && IsEmail(str()) ? "" : "an email address";
    case Kind::kDomain:
      return v.is_string() && IsDomain(str()) ? "" : "a domain name";
    case Kind::kPhone:
      return v.is_string() && IsPhone(str()) ? "" : "a phone number in international format";
    case Kind::kCountryCode:
      return v.is_null() || (v.is_string() && IsCountryCode(str())) ? ""
                                                                    : "an ISO 3166-1 alpha-2 code";
    case Kind::kActorType:
      return v.is_string() && str() == "workspace-member" ? "" : "\"workspace-member\"";
    case Kind::kOptionalText:
      return v.is_null() || v.is_string() ? "" : "a string or null";
    case Kind::kCoordinate:
      return v.is_null() || v.is_string() || v.is_number() ? "" : "a number, string or null";
  }
  return "a valid value";
}

Status CheckTemplateValue(std::string_view type, const Shape& shape, const json::value& item,
                          size_t index) {
  const std::string where = "default_value.template[" + std::to_string(index) + "]";
  if (!item.is_object()) return Invalid(where + " must be an object");
  const json::object& obj = item.as_object();
  bool any_non_null = false;
  for (const auto& [key, value] : obj) {
    // `name`: clang before 16 cannot capture the structured binding `key` in a lambda.
    const std::string_view name = key;
    // What a GET answers may be sent back: its attribute_type is accepted when it matches.
    if (name == "attribute_type" && value.is_string() && value.as_string() == type) continue;
    auto field = std::find_if(shape.fields.begin(), shape.fields.end(),
                              [&](const Field& f) { return f.key == name; });
    if (field == shape.fields.end()) {
      return Invalid(where + " has the unknown field \"" + std::string(key) + "\" for a " +
                     std::string(type) + " attribute");
    }
    std::string_view expected = Expectation(field->kind, value);
    if (!expected.empty()) {
      return Invalid(where + "." + std::string(key) + " must be " + std::string(expected));
    }
    any_non_null = any_non_null || !value.is_null();
  }
  if (!shape.one_of.empty()) {
    size_t present = std::count_if(shape.one_of.begin(), shape.one_of.end(),
                                   [&](std::string_view k) { return obj.contains(k); });
    if (present != 1) {
      return Invalid(where + " must have exactly one \"" + std::string(shape.one_of[0]) +
                     "\" field for a " + std::string(type) + " attribute");
    }
  } else {
    for (const auto& f : shape.fields) {
      if (!shape.any_non_null && !obj.contains(f.key)) {
        return Invalid(where + " must have the field \"" + std::string(f.key) + "\"");
      }
    }
  }
  if (shape.any_non_null && !any_non_null) {
    return Invalid(where + " must set at least one field");
  }
  return Status::Ok();
}

// "2023-01-02T13:00:00.5+02:00" -> "2023-01-02T11:00:00.500000000Z" (REQUIRES: IsIsoTimestamp).
std::string TimestampUtc(std::string_view s) {
  int y = Num(s.substr(0, 4)), mo = Num(s.substr(5, 2)), d = Num(s.substr(8, 2));
  // Days since 1970-01-01 (H. Hinnant's days_from_civil).
  y -= mo <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t days = int64_t{era} * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  int64_t secs =
      days * 86400 + Num(s.substr(11, 2)) * 3600 + Num(s.substr(14, 2)) * 60 + Num(s.substr(17, 2));
  std::string_view rest = s.substr(19);
  std::string fraction;
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') n++;
    fraction = std::string(rest.substr(1, n - 1));
    rest.remove_prefix(n);
  }
  fraction.resize(9, '0');
  if (rest.size() == 6) {
    const int64_t offset = Num(rest.substr(1, 2)) * 3600 + Num(rest.substr(4, 2)) * 60;
    secs += rest[0] == '+' ? -offset : offset;
  }
  int64_t z = (secs >= 0 ? secs : secs - 86399) / 86400;  // floor
  const int64_t tod = secs - z * 86400;
  z += 719468;  // civil_from_days
  const int64_t e = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - e * 146097;
  const int64_t yoe2 = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy2 = doe - (365 * yoe2 + yoe2 / 4 - yoe2 / 100);
  const int64_t mp = (5 * doy2 + 2) / 153;
  const int64_t day = doy2 - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe2 + e * 400 + (month <= 2 ? 1 : 0);
  char out[128];
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%sZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(tod / 3600),
                static_cast<long long>(tod / 60 % 60), static_cast<long long>(tod % 60),
                fraction.c_str());
  return out;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The registrable part of a domain, approximated as its last two labels.
std::string RootDomain(std::string_view domain) {
  const size_t last = domain.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::string(domain);
  const size_t before = domain.rfind('.', last - 1);
  return std::string(before == std::string_view::npos ? domain : domain.substr(before + 1));
}

json::value StringOf(const json::value& v) {
  if (v.is_null() || v.is_string()) return v;
  return json::value(v.is_double() ? CanonicalNumber(v.as_double())
                                   : json::serialize(v));  // a number coordinate, as written
}

const json::value& Member(const json::object& item, std::string_view key) {
  static const json::value kNull;
  const json::value* v = item.if_contains(key);
  return v != nullptr ? *v : kNull;
}

json::object RenderTemplateItem(std::string_view type,
                                const std::optional<std::string>& currency_code,
                                const json::object& item) {
  json::object out;
  if (type == "currency") {
    const json::value* amount = item.if_contains("currency_value");
    out["currency_value"] = amount != nullptr ? *amount : Member(item, "value");
    const json::value& code = Member(item, "currency_code");
    out["currency_code"] = !code.is_null()             ? code
                           : currency_code.has_value() ? json::value(*currency_code)
                                                       : json::value(nullptr);
  } else if (type == "timestamp") {
    out["value"] = TimestampUtc(Member(item, "value").as_string());
  } else if (type == "domain") {
    const std::string domain = LowerAscii(Member(item, "domain").as_string());
    out["domain"] = domain;
    out["root_domain"] = RootDomain(domain);
  } else if (type == "email-address") {
    const std::string_view original = Member(item, "email_address").as_string();
    const std::string email = LowerAscii(original);
    const size_t at = email.find('@');
    const std::string domain = email.substr(at + 1);
    out["original_email_address"] = original;
    out["email_address"] = email;
    out["email_domain"] = domain;
    out["email_root_domain"] = RootDomain(domain);
    out["email_local_specifier"] = email.substr(0, std::min(at, email.find('+')));
  } else if (type == "phone-number") {
    const std::string_view original = Member(item, "original_phone_number").as_string();
    std::string e164 = "+";
    for (char c : original) {
      if (c >= '0' && c <= '9') e164 += c;
    }
    out["original_phone_number"] = original;
    out["country_code"] = Member(item, "country_code");
    out["phone_number"] = e164;
  } else if (type == "location") {
    for (std::string_view key : {"line_1", "line_2", "line_3", "line_4", "locality", "region",
                                 "postcode", "country_code"}) {
      out[key] = Member(item, key);
    }
    out["latitude"] = StringOf(Member(item, "latitude"));
    out["longitude"] = StringOf(Member(item, "longitude"));
  } else {
    out = item;  // value, option, status, target_object/target_record_id, actor fields
  }
  out["attribute_type"] = type;
  return out;
}

}  // namespace

json::value RenderDefaultValue(std::string_view type,
                               const std::optional<std::string>& currency_code,
                               const json::value& stored) {
  if (!stored.is_object()) return stored;
  const json::value* kind = stored.as_object().if_contains("type");
  const json::value* tmpl = stored.as_object().if_contains("template");
  if (kind == nullptr || *kind != "static" || tmpl == nullptr || !tmpl->is_array()) return stored;
  json::array items;
  for (const auto& item : tmpl->as_array()) {
    items.emplace_back(RenderTemplateItem(type, currency_code, item.as_object()));
  }
  return json::object{{"type", "static"}, {"template", std::move(items)}};
}

std::span<const TypeInfo> AllTypes() { return kTypes; }

const TypeInfo* FindType(std::string_view name) {
  for (const auto& t : kTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::span<const std::string_view> CurrencyCodes() { return kCurrencyCodes; }

bool IsCurrencyCode(std::string_view code) {
  return std::find(kCurrencyCodes.begin(), kCurrencyCodes.end(), code) != kCurrencyCodes.end();
}

bool IsDisplayType(std::string_view d) {
  return d == "code" || d == "name" || d == "narrowSymbol" || d == "symbol";
}

bool IsIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  const int y = Num(s.substr(0, 4)), m = Num(s.substr(5, 2)), d = Num(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool IsIsoTimestamp(std::string_view s) {
  if (s.size() < 20 || !IsIsoDate(s.substr(0, 10)) || (s[10] != 'T' && s[10] != 't')) {
    return false;
  }
  std::string_view t = s.substr(11);
  if (t.size() < 9 || t[2] != ':' || t[5] != ':' || !AllDigits(t.substr(0, 2)) ||
      !AllDigits(t.substr(3, 2)) || !AllDigits(t.substr(6, 2))) {
    return false;
  }
  if (Num(t.substr(0, 2)) > 23 || Num(t.substr(3, 2)) > 59 || Num(t.substr(6, 2)) > 60)
    return false;
  t.remove_prefix(8);
  if (!t.empty() && t[0] == '.') {
    size_t n = 1;
    while (n < t.size() && t[n] >= '0' && t[n] <= '9') n++;
    if (n == 1 || n > 10) return false;
    t.remove_prefix(n);
  }
  if (t == "Z" || t == "z") return true;
  return t.size() == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':' &&
         AllDigits(t.substr(1, 2)) && AllDigits(t.substr(4, 2)) && Num(t.substr(1, 2)) <= 23 &&
         Num(t.substr(4, 2)) <= 59;
}

Status CheckDefaultValue(std::string_view type, bool multiselect, const json::value& value) {
  if (value.is_null()) return Status::Ok();
  if (!value.is_object()) return Invalid("default_value must be an object or null");
  const json::object& obj = value.as_object();
  for (const auto& [key, v] : obj) {
    if (key != "type" && key != "template") {
      return Invalid("default_value has the unknown field \"" + std::string(key) + "\"");
    }
  }
  const json::value* kind = obj.if_contains("type");
  const json::value* tmpl = obj.if_contains("template");
  if (kind == nullptr || !kind->is_string()) {
    return Invalid("default_value.type must be \"static\" or \"dynamic\"");
  }
  if (tmpl == nullptr) return Invalid("default_value.template is required");
  if (json::serialize(value).size() > kMaxDefaultValueBytes) {
    return Invalid("default_value is larger than 16 KiB");
  }
  if (kind->as_string() == "dynamic") {
    if (type != "actor-reference") {
      return Invalid("dynamic default values are only available for actor-reference attributes");
    }
    if (!tmpl->is_string() || tmpl->as_string() != "current-user") {
      return Invalid("the dynamic default_value.template must be \"current-user\"");
    }
    return Status::Ok();
  }
  if (kind->as_string() != "static") {
    return Invalid("default_value.type must be \"static\" or \"dynamic\"");
  }
  const Shape* shape = ShapeOf(type);
  if (shape == nullptr) {
    return Invalid(std::string(type) + " attributes do not support default values");
  }
  if (!tmpl->is_array() || tmpl->as_array().empty()) {
    return Invalid("default_value.template must be a non-empty array of values");
  }
  const json::array& values = tmpl->as_array();
  if (!multiselect && values.size() != 1) {
    return Invalid(
        "default_value.template must hold exactly one value unless the attribute is "
        "multiselect");
  }
  if (values.size() > kMaxTemplateValues) {
    return Invalid("default_value.template holds more than 100 values");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    MERIDIAN_RETURN_IF_ERROR(CheckTemplateValue(type, *shape, values[i], i));
  }
  return Status::Ok();
}

}  // namespace meridian::api::attio
