// Create and update requests of attributes (see attribute_request.h).
#include "api/attio/attribute_request.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>

#include "api/attio/default_values.h"
#include "api/attio/errors.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace {

template <typename Range>
bool Contains(const Range& fields, std::string_view key) {
  return std::find(std::begin(fields), std::end(fields), key) != std::end(fields);
}
bool In(std::initializer_list<std::string_view> fields, std::string_view key) {
  return Contains(fields, key);
}

// The object under "data" of a request body.
Result<const json::object*> DataObject(const json::value& body) {
  if (!body.is_object()) return Invalid("request body must be a JSON object {\"data\": {...}}");
  for (const auto& [key, v] : body.as_object()) {
    if (key != "data") return Invalid("unknown field \"" + std::string(key) + "\" in the body");
  }
  const json::value* data = body.as_object().if_contains("data");
  if (data == nullptr || !data->is_object()) return Invalid("\"data\" must be a JSON object");
  return &data->as_object();
}

Result<std::string> Text(const json::value& v, std::string_view name, size_t max,
                         bool allow_empty) {
  if (!v.is_string()) return Invalid(std::string(name) + " must be a string");
  std::string s(v.as_string());
  if (!allow_empty && s.empty()) return Invalid(std::string(name) + " must not be empty");
  if (s.size() > max) {
    return Invalid(std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  }
  return s;
}

Result<std::optional<std::string>> NullableText(const json::value& v, std::string_view name) {
  if (v.is_null()) return std::optional<std::string>();
  auto s = Text(v, name, kMaxDescriptionBytes, true);
  if (!s.ok()) return s.status();
  return std::optional<std::string>(std::move(*s));
}

Result<std::string> Slug(const json::value& v, std::string_view name) {
  if (!v.is_string() || !IsValidSlug(v.as_string())) {
    return Invalid(std::string(name) +
                   " must be a snake_case slug ([a-z][a-z0-9]*(_[a-z0-9]+)*, "
                   "at most 128 bytes)");
  }
  return std::string(v.as_string());
}

Result<bool> Bool(const json::value& v, std::string_view name) {
  if (!v.is_bool()) return Invalid(std::string(name) + " must be true or false");
  return v.as_bool();
}

// config: {"currency": {...} | null, "record_reference": {...} | null}.
struct ConfigInput {
  std::optional<std::optional<std::string>> currency_code;
  std::optional<std::optional<std::string>> display_type;
  std::optional<std::vector<std::string>> allowed_objects;
};

Result<std::optional<std::string>> CurrencyField(const json::object& c, std::string_view key) {
  const json::value& v = c.at(key);
  if (v.is_null()) return std::optional<std::string>();
  bool ok = v.is_string() &&
            (key == "display_type" ? IsDisplayType(v.as_string()) : IsCurrencyCode(v.as_string()));
  if (!ok) {
    return Invalid(key == "display_type"
                       ? "config.currency.display_type must be code, name, narrowSymbol or symbol"
                       : "config.currency.default_currency_code must be one of the ISO 4217 codes "
                         "Attio supports (docs/attio.md)");
  }
  return std::optional<std::string>(std::string(v.as_string()));
}

Result<ConfigInput> ParseConfig(const json::value& v) {
  if (!v.is_object()) return Invalid("config must be an object");
  ConfigInput in;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "currency") {
      if (value.is_null()) {
        in.currency_code.emplace();
        in.display_type.emplace();
        continue;
      }
      if (!value.is_object()) return Invalid("config.currency must be an object or null");
      for (const auto& [ck, cv] : value.as_object()) {
        if (ck != "default_currency_code" && ck != "display_type") {
          return Invalid("unknown field \"" + std::string(ck) + "\" in config.currency");
        }
        auto field = CurrencyField(value.as_object(), ck);
        if (!field.ok()) return field.status();
        (ck == "display_type" ? in.display_type : in.currency_code) = std::move(*field);
      }
    } else if (key == "record_reference") {
      in.allowed_objects.emplace();
      if (value.is_null()) continue;
      if (!value.is_object()) return Invalid("config.record_reference must be an object or null");
      for (const auto& [rk, rv] : value.as_object()) {
        if (rk != "allowed_objects" && rk != "allowed_object_ids") {
          return Invalid("unknown field \"" + std::string(rk) + "\" in config.record_reference");
        }
        if (rv.is_null()) continue;
        if (!rv.is_array())
          return Invalid("config.record_reference." + std::string(rk) +
                         " must be an array of object slugs or UUIDs");
        for (const auto& item : rv.as_array()) {
          if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 128) {
            return Invalid("config.record_reference." + std::string(rk) +
                           " must hold object slugs or UUIDs");
          }
          in.allowed_objects->emplace_back(item.as_string());
        }
      }
      if (in.allowed_objects->size() > kMaxAllowedObjects) {
        return Invalid("config.record_reference names more than 100 objects");
      }
    } else {
      return Invalid("unknown field \"" + std::string(key) + "\" in config");
    }
  }
  return in;
}

Result<RelationshipSpec> ParseRelationship(const json::value& v) {
  if (!v.is_object()) return Invalid("relationship must be an object or null");
  const json::object& obj = v.as_object();
  for (const auto& [key, value] : obj) {
    if (!In({"object", "title", "api_slug", "is_multiselect"}, key)) {
      return Invalid("unknown field \"" + std::string(key) + "\" in relationship");
    }
  }
  for (std::string_view key : {"object", "title", "api_slug", "is_multiselect"}) {
    if (!obj.contains(key)) return Invalid("relationship." + std::string(key) + " is required");
  }
  RelationshipSpec spec;
  auto object = Text(obj.at("object"), "relationship.object", kMaxSlugBytes, false);
  if (!object.ok()) return object.status();
  auto title = Text(obj.at("title"), "relationship.title", kMaxTitleBytes, false);
  if (!title.ok()) return title.status();
  auto slug = Slug(obj.at("api_slug"), "relationship.api_slug");
  if (!slug.ok()) return slug.status();
  auto multi = Bool(obj.at("is_multiselect"), "relationship.is_multiselect");
  if (!multi.ok()) return multi.status();
  return RelationshipSpec{std::move(*object), std::move(*title), std::move(*slug), *multi};
}

}  // namespace

Result<AttributeDraft> ParseCreateBody(const json::value& body, Target target) {
  auto data = DataObject(body);
  if (!data.ok()) return data.status();
  const json::object& o = **data;
  static constexpr std::string_view kRequired[] = {"title",          "description", "api_slug",
                                                   "type",           "is_required", "is_unique",
                                                   "is_multiselect", "config"};
  for (const auto& [key, v] : o) {
    if (!Contains(kRequired, key) && key != "default_value" && key != "relationship") {
      return Invalid("unknown field \"" + std::string(key) + "\" in data");
    }
  }
  for (std::string_view key : kRequired) {
    if (!o.contains(key)) return Invalid("data." + std::string(key) + " is required");
  }
  AttributeDraft draft;
  AttributeDef& d = draft.def;
  d.target = target;
  auto title = Text(o.at("title"), "title", kMaxTitleBytes, false);
  if (!title.ok()) return title.status();
  d.title = std::move(*title);
  auto description = NullableText(o.at("description"), "description");
  if (!description.ok()) return description.status();
  d.description = std::move(*description);
  auto slug = Slug(o.at("api_slug"), "api_slug");
  if (!slug.ok()) return slug.status();
  d.api_slug = std::move(*slug);
  const TypeInfo* type = o.at("type").is_string() ? FindType(o.at("type").as_string()) : nullptr;
  if (type == nullptr) return Invalid("type must be one of the 17 attribute types");
  if (!type->creatable) {
    return Invalid("attributes of type " + std::string(type->name) +
                   " are system attributes only and cannot be created");
  }
  d.type = type->name;
  for (auto [key, field] :
       {std::pair{"is_required", &d.is_required}, std::pair{"is_unique", &d.is_unique},
        std::pair{"is_multiselect", &d.is_multiselect}}) {
    auto flag = Bool(o.at(key), key);
    if (!flag.ok()) return flag.status();
    *field = *flag;
  }
  auto config = ParseConfig(o.at("config"));
  if (!config.ok()) return config.status();
  if (config->currency_code) d.currency_code = *config->currency_code;
  if (config->display_type) d.display_type = *config->display_type;
  if (config->allowed_objects) draft.allowed_objects = std::move(*config->allowed_objects);
  if (!draft.allowed_objects.empty() && d.type != "record-reference") {
    return Invalid("config.record_reference applies only to record-reference attributes");
  }
  if (const json::value* dv = o.if_contains("default_value")) d.default_value = *dv;
  if (const json::value* rel = o.if_contains("relationship"); rel && !rel->is_null()) {
    if (d.type != "record-reference") {
      return Invalid("relationship is only available for record-reference attributes");
    }
    if (target != Target::kObjects) return Invalid("relationships can only link objects");
    auto spec = ParseRelationship(*rel);
    if (!spec.ok()) return spec.status();
    if (draft.allowed_objects.size() > 1) {
      return Invalid(
          "with a relationship, config.record_reference.allowed_objects must contain "
          "only the relationship object");
    }
    draft.relationship = std::move(*spec);
  }
  MERIDIAN_RETURN_IF_ERROR(CheckRules(d));
  return draft;
}

Result<AttributePatch> ParsePatchBody(const json::value& body) {
  auto data = DataObject(body);
  if (!data.ok()) return data.status();
  AttributePatch p;
  for (const auto& [key, v] : **data) {
    if (key == "title") {
      auto s = Text(v, "title", kMaxTitleBytes, false);
      if (!s.ok()) return s.status();
      p.title = std::move(*s);
    } else if (key == "description") {
      auto s = NullableText(v, "description");
      if (!s.ok()) return s.status();
      p.description = std::move(*s);
    } else if (key == "api_slug") {
      auto s = Slug(v, "api_slug");
      if (!s.ok()) return s.status();
      p.api_slug = std::move(*s);
    } else if (key == "type") {
      if (!v.is_string()) return Invalid("type must be a string");
      p.type = std::string(v.as_string());
    } else if (In({"is_multiselect", "is_required", "is_unique", "is_archived"}, key)) {
      auto flag = Bool(v, key);
      if (!flag.ok()) return flag.status();
      (key == "is_multiselect" ? p.is_multiselect
       : key == "is_required"  ? p.is_required
       : key == "is_unique"    ? p.is_unique
                               : p.is_archived) = *flag;
    } else if (key == "default_value") {
      p.default_value = v;
    } else if (key == "config") {
      auto config = ParseConfig(v);
      if (!config.ok()) return config.status();
      p.currency_code = std::move(config->currency_code);
      p.display_type = std::move(config->display_type);
      p.allowed_objects = std::move(config->allowed_objects);
    } else if (In({"id", "is_system_attribute", "is_writable", "is_default_value_enabled",
                   "relationship", "created_at"},
                  key)) {
      return Invalid(std::string(key) + " cannot be updated");
    } else {
      return Invalid("unknown field \"" + std::string(key) + "\" in data");
    }
  }
  return p;
}

Status CheckPatchAllowed(const AttributeDef& current, const AttributePatch& patch) {
  if (current.is_system) {
    return Coded(Status::Code::kInvalidArgument, kCodeSystemEdit,
                 "system attribute \"" + current.api_slug + "\" cannot be edited");
  }
  if (patch.type && *patch.type != current.type) {
    return Coded(Status::Code::kInvalidArgument, kCodeImmutable,
                 "the type of an attribute cannot be changed after creation");
  }
  if (patch.is_multiselect && *patch.is_multiselect != current.is_multiselect) {
    return Coded(Status::Code::kInvalidArgument, kCodeImmutable,
                 "is_multiselect cannot be changed after creation");
  }
  if (patch.allowed_objects && !patch.allowed_objects->empty() &&
      current.type != "record-reference") {
    return Invalid("config.record_reference applies only to record-reference attributes");
  }
  return Status::Ok();
}

Result<AttributeDef> ApplyPatch(const AttributeDef& current, const AttributePatch& patch,
                                const std::optional<std::vector<std::string>>& allowed_ids) {
  AttributeDef d = current;
  if (patch.title) d.title = *patch.title;
  if (patch.description) d.description = *patch.description;
  if (patch.api_slug) d.api_slug = *patch.api_slug;
  if (patch.is_required) d.is_required = *patch.is_required;
  if (patch.is_unique) d.is_unique = *patch.is_unique;
  if (patch.is_archived) d.is_archived = *patch.is_archived;
  if (patch.default_value) d.default_value = *patch.default_value;
  if (patch.currency_code) d.currency_code = *patch.currency_code;
  if (patch.display_type) d.display_type = *patch.display_type;
  if (allowed_ids) d.allowed_object_ids = *allowed_ids;
  MERIDIAN_RETURN_IF_ERROR(CheckRules(d));
  return d;
}

}  // namespace meridian::api::attio
