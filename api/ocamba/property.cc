// Profile property model and validation (see property.h).
#include "api/ocamba/property.h"

#include <algorithm>
#include <ctime>
#include <random>

namespace meridian::api::ocamba {
namespace json = boost::json;
namespace {

struct SystemSpec {
  std::string_view id, target, label, data_type, example, description;
  int pi_data;
};

// Ids are short numbers: generated ids have 16 digits, so they never collide.
constexpr SystemSpec kSystem[] = {
    {"1", "email", "Email", "text", "jane@example.com", "The profile's email address.", 1},
    {"2", "phone", "Phone", "text", "+381601234567", "The profile's phone number.", 1},
    {"3", "first_name", "First name", "text", "Jane", "The profile's first name.", 1},
    {"4", "last_name", "Last name", "text", "Doe", "The profile's last name.", 1},
    {"5", "country", "Country", "text", "RS", "ISO 3166-1 alpha-2 country code.", 0},
    {"6", "city", "City", "text", "Belgrade", "The profile's city.", 0},
    {"7", "language", "Language", "text", "en", "ISO 639-1 language code.", 0},
    {"8", "timezone", "Timezone", "text", "Europe/Belgrade", "IANA time zone name.", 0},
};

constexpr std::string_view kDataTypes[] = {"text", "number", "boolean", "date", "datetime", "list"};
constexpr std::string_view kReadOnly[] = {"id", "system", "create_time", "update_time",
                                          "company_id"};

Status Invalid(const std::string& message) { return Status::InvalidArgument(message); }

bool IsTargetLike(std::string_view s) {
  if (s.empty() || s.size() > kMaxTargetBytes || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "Favourite Colour!" -> "favourite_colour"; "" when nothing usable is left.
std::string TargetFromLabel(std::string_view label) {
  std::string out;
  for (char c : label) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out = "p_" + out;
  if (out.size() > kMaxTargetBytes) out.resize(kMaxTargetBytes);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

Status StringValue(const json::object& obj, std::string_view field, size_t max_bytes,
                   bool allow_empty, std::string& out) {
  const json::value* v = obj.if_contains(field);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return Invalid(std::string(field) + " must be a string");
  std::string_view s = v->as_string();
  if (!allow_empty && s.empty()) return Invalid(std::string(field) + " must not be empty");
  if (s.size() > max_bytes) {
    return Invalid(std::string(field) + " must be at most " + std::to_string(max_bytes) + " bytes");
  }
  out = std::string(s);
  return Status::Ok();
}

Status FlagValue(const json::object& obj, std::string_view field, int& out) {
  const json::value* v = obj.if_contains(field);
  if (v == nullptr) return Status::Ok();
  if (!(v->is_int64() || v->is_uint64()) ||
      (v->to_number<int64_t>() != 0 && v->to_number<int64_t>() != 1)) {
    return Invalid(std::string(field) + " must be 0 or 1");
  }
  out = static_cast<int>(v->to_number<int64_t>());
  return Status::Ok();
}

Status AliasList(const json::object& obj, std::vector<std::string>& out) {
  const json::value* v = obj.if_contains("import_aliases");
  if (v == nullptr) return Status::Ok();
  if (!v->is_array()) return Invalid("import_aliases must be an array of strings");
  const json::array& a = v->as_array();
  if (a.size() > kMaxImportAliases) return Invalid("import_aliases holds at most 20 names");
  std::vector<std::string> names;
  for (const auto& item : a) {
    if (!item.is_string() || item.as_string().empty() ||
        item.as_string().size() > kMaxTargetBytes) {
      return Invalid("import_aliases must hold strings of 1 to 64 bytes");
    }
    names.emplace_back(item.as_string());
  }
  out = std::move(names);
  return Status::Ok();
}

// The label under any of its names; Invalid if more than one is sent.
Status LabelValue(const json::object& obj, std::optional<std::string>& out) {
  int seen = 0;
  for (std::string_view name : {"label", "name", "property"}) {
    if (!obj.contains(name)) continue;
    if (++seen > 1) return Invalid("send the label once (label, name and property are aliases)");
    std::string label;
    MERIDIAN_RETURN_IF_ERROR(StringValue(obj, name, kMaxLabelBytes, false, label));
    out = std::move(label);
  }
  return Status::Ok();
}

// Checks every field of `obj` is known; `updatable_only` refuses target and data_type too.
Status CheckFieldNames(const json::object& obj, bool updatable_only) {
  static constexpr std::string_view kKnown[] = {
      "label",   "name",       "property",    "target",       "data_type",
      "type",    "example",    "description", "export_alias", "import_aliases",
      "pi_data", "importable", "exportable"};
  for (const auto& [key, value] : obj) {
    if (std::find(std::begin(kReadOnly), std::end(kReadOnly), key) != std::end(kReadOnly)) {
      return Invalid(std::string(key) + " is read-only");
    }
    if (updatable_only && (key == "target" || key == "data_type" || key == "type")) {
      return Invalid(std::string(key) + " is not updatable");
    }
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Invalid("unknown field " + std::string(key).substr(0, 64));
    }
  }
  return Status::Ok();
}

// The fields create and PATCH share, applied onto `p`.
Status CommonFields(const json::object& obj, Property& p) {
  std::optional<std::string> label;
  MERIDIAN_RETURN_IF_ERROR(LabelValue(obj, label));
  if (label) p.label = std::move(*label);
  MERIDIAN_RETURN_IF_ERROR(StringValue(obj, "example", kMaxExampleBytes, true, p.example));
  MERIDIAN_RETURN_IF_ERROR(
      StringValue(obj, "description", kMaxDescriptionBytes, true, p.description));
  MERIDIAN_RETURN_IF_ERROR(StringValue(obj, "export_alias", kMaxTargetBytes, true, p.export_alias));
  if (!p.export_alias.empty() && !IsTargetLike(p.export_alias)) {
    return Invalid(
        "export_alias must be lowercase letters, digits and '_', starting with a letter");
  }
  MERIDIAN_RETURN_IF_ERROR(AliasList(obj, p.import_aliases));
  MERIDIAN_RETURN_IF_ERROR(FlagValue(obj, "pi_data", p.pi_data));
  MERIDIAN_RETURN_IF_ERROR(FlagValue(obj, "importable", p.importable));
  MERIDIAN_RETURN_IF_ERROR(FlagValue(obj, "exportable", p.exportable));
  return Status::Ok();
}

}  // namespace

bool IsPropertyId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxPropertyIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string NewPropertyId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  // 16 digits, the first not zero: 1e15 + [0, 9e15).
  const uint64_t n = uint64_t{1000000000000000} + rng() % uint64_t{9000000000000000};
  return std::to_string(n);
}

std::string FormatTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

Result<Property> ParseCreate(const json::value& body) {
  if (!body.is_object()) return Invalid("The request body is not valid: expected a JSON object");
  const json::object& obj = body.as_object();
  MERIDIAN_RETURN_IF_ERROR(CheckFieldNames(obj, false));
  Property p;
  MERIDIAN_RETURN_IF_ERROR(CommonFields(obj, p));
  if (p.label.empty()) return Invalid("label is required");
  if (obj.contains("data_type") && obj.contains("type")) {
    return Invalid("send the data type once (data_type and type are aliases)");
  }
  for (std::string_view name : {"data_type", "type"}) {
    MERIDIAN_RETURN_IF_ERROR(StringValue(obj, name, 32, false, p.data_type));
  }
  if (std::find(std::begin(kDataTypes), std::end(kDataTypes), p.data_type) ==
      std::end(kDataTypes)) {
    return Invalid("data_type must be one of text, number, boolean, date, datetime, list");
  }
  MERIDIAN_RETURN_IF_ERROR(StringValue(obj, "target", kMaxTargetBytes, false, p.target));
  if (obj.contains("target")) {
    if (!IsTargetLike(p.target)) {
      return Invalid(
          "target must be 1 to 64 lowercase letters, digits and '_', starting with a "
          "letter");
    }
  } else {
    p.target = TargetFromLabel(p.label);
    if (p.target.empty()) return Invalid("no target can be derived from the label; send target");
  }
  return p;
}

Result<json::object> ParsePatch(const json::value& body) {
  if (!body.is_object()) return Invalid("The request body is not valid: expected a JSON object");
  const json::object& obj = body.as_object();
  MERIDIAN_RETURN_IF_ERROR(CheckFieldNames(obj, true));
  if (obj.empty()) {
    return Invalid(
        "At least one of the updatable fields should be sent in order to change the "
        "current state of the Property");
  }
  Property scratch;  // validates every value the same way create does
  MERIDIAN_RETURN_IF_ERROR(CommonFields(obj, scratch));
  return obj;
}

void ApplyPatch(const json::object& patch, Property& p) {
  Status st = CommonFields(patch, p);  // validated by ParsePatch, so OK
  (void)st;
}

std::string EncodeStored(const Property& p) {
  json::array aliases;
  for (const auto& a : p.import_aliases) aliases.emplace_back(a);
  json::object o{{"target", p.target},           {"label", p.label},
                 {"data_type", p.data_type},     {"example", p.example},
                 {"description", p.description}, {"export_alias", p.export_alias},
                 {"import_aliases", aliases},    {"pi_data", p.pi_data},
                 {"importable", p.importable},   {"exportable", p.exportable}};
  return json::serialize(o);
}

Result<Property> DecodeStored(std::string_view id, std::string_view value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object()) return Status::Corruption("stored profile property is not JSON");
  const json::object& o = v.as_object();
  Property p;
  p.id = std::string(id);
  Status st = CommonFields(o, p);
  if (st.ok()) st = StringValue(o, "target", kMaxTargetBytes, false, p.target);
  if (st.ok()) st = StringValue(o, "data_type", 32, false, p.data_type);
  if (!st.ok()) return Status::Corruption("stored profile property: " + st.message());
  return p;
}

json::object ToJson(const Property& p) {
  json::array aliases;
  for (const auto& a : p.import_aliases) aliases.emplace_back(a);
  return json::object{{"id", p.id},
                      {"target", p.target},
                      {"label", p.label},
                      {"data_type", p.data_type},
                      {"example", p.example},
                      {"description", p.description},
                      {"export_alias", p.export_alias},
                      {"import_aliases", aliases},
                      {"pi_data", p.pi_data},
                      {"system", p.system ? 1 : 0},
                      {"importable", p.importable},
                      {"exportable", p.exportable},
                      {"create_time", FormatTime(p.create_ms)},
                      {"update_time", FormatTime(p.update_ms)}};
}

std::vector<Property> SystemProperties(int64_t org_created_ms) {
  std::vector<Property> out;
  for (const SystemSpec& s : kSystem) {
    Property p;
    p.id = std::string(s.id);
    p.target = std::string(s.target);
    p.label = std::string(s.label);
    p.data_type = std::string(s.data_type);
    p.example = std::string(s.example);
    p.description = std::string(s.description);
    p.pi_data = s.pi_data;
    p.system = true;
    p.create_ms = p.update_ms = org_created_ms;
    out.push_back(std::move(p));
  }
  return out;
}

bool IsSystemId(std::string_view id) {
  return std::any_of(std::begin(kSystem), std::end(kSystem),
                     [&](const SystemSpec& s) { return s.id == id; });
}

bool IsSystemTarget(std::string_view target) {
  return std::any_of(std::begin(kSystem), std::end(kSystem),
                     [&](const SystemSpec& s) { return s.target == target; });
}

}  // namespace meridian::api::ocamba
