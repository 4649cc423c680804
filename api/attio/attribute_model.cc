// Attribute definitions: stored form, API form and rules (see attribute_model.h).
#include "api/attio/attribute_model.h"

#include <algorithm>

#include "api/attio/default_values.h"
#include "api/attio/errors.h"
#include "api/http.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace {

json::value OptionalString(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

}  // namespace

std::string_view TargetName(Target target) {
  return target == Target::kLists ? "lists" : "objects";
}

std::optional<Target> ParseTarget(std::string_view name) {
  if (name == "objects") return Target::kObjects;
  if (name == "lists") return Target::kLists;
  return std::nullopt;
}

bool IsValidSlug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxSlugBytes || slug[0] < 'a' || slug[0] > 'z') return false;
  // Separators ('_' or '-') only between letters and digits, never two in a row.
  for (size_t i = 1; i < slug.size(); ++i) {
    const char c = slug[i];
    const bool separator = c == '_' || c == '-';
    if (separator && (i + 1 == slug.size() || slug[i - 1] == '_' || slug[i - 1] == '-')) {
      return false;
    }
    if (!separator && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return !IsUuid(slug);  // identifiers are UUID or slug: a slug never reads as a UUID
}

std::string EncodeAttribute(const AttributeDef& d) {
  json::array allowed(d.allowed_object_ids.begin(), d.allowed_object_ids.end());
  json::value rel = nullptr;
  if (d.relationship) {
    rel = json::object{{"object_id", d.relationship->object_id},
                       {"attribute_id", d.relationship->attribute_id}};
  }
  return json::serialize(json::object{{"id", d.id},
                                      {"parent_id", d.parent_id},
                                      {"target", TargetName(d.target)},
                                      {"title", d.title},
                                      {"description", OptionalString(d.description)},
                                      {"api_slug", d.api_slug},
                                      {"type", d.type},
                                      {"is_system", d.is_system},
                                      {"is_writable", d.is_writable},
                                      {"is_required", d.is_required},
                                      {"is_unique", d.is_unique},
                                      {"is_multiselect", d.is_multiselect},
                                      {"is_archived", d.is_archived},
                                      {"default_value", d.default_value},
                                      {"currency_code", OptionalString(d.currency_code)},
                                      {"display_type", OptionalString(d.display_type)},
                                      {"allowed_object_ids", allowed},
                                      {"relationship", rel},
                                      {"created_at", d.created_at}});
}

Result<AttributeDef> DecodeAttribute(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::Corruption("undecodable attribute record");
  const json::object& o = v.as_object();
  AttributeDef d;
  try {
    d.id = o.at("id").as_string();
    d.parent_id = o.at("parent_id").as_string();
    d.target = o.at("target").as_string() == "lists" ? Target::kLists : Target::kObjects;
    d.title = o.at("title").as_string();
    if (o.at("description").is_string())
      d.description = std::string(o.at("description").as_string());
    d.api_slug = o.at("api_slug").as_string();
    d.type = o.at("type").as_string();
    d.is_system = o.at("is_system").as_bool();
    d.is_writable = o.at("is_writable").as_bool();
    d.is_required = o.at("is_required").as_bool();
    d.is_unique = o.at("is_unique").as_bool();
    d.is_multiselect = o.at("is_multiselect").as_bool();
    d.is_archived = o.at("is_archived").as_bool();
    d.default_value = o.at("default_value");
    if (o.at("currency_code").is_string())
      d.currency_code = std::string(o.at("currency_code").as_string());
    if (o.at("display_type").is_string())
      d.display_type = std::string(o.at("display_type").as_string());
    for (const auto& id : o.at("allowed_object_ids").as_array()) {
      d.allowed_object_ids.emplace_back(id.as_string());
    }
    if (const auto& rel = o.at("relationship"); rel.is_object()) {
      d.relationship = RelationshipRef{std::string(rel.at("object_id").as_string()),
                                       std::string(rel.at("attribute_id").as_string())};
    }
    d.created_at = o.at("created_at").as_string();
  } catch (const std::exception&) {
    return Status::Corruption("undecodable attribute record");
  }
  return d;
}

json::object RenderAttribute(const std::string& org_id, const AttributeDef& d,
                             const std::optional<RelationshipView>& rel) {
  json::value relationship = nullptr;
  if (rel) {
    relationship = json::object{{"id", json::object{{"workspace_id", org_id},
                                                    {"object_id", rel->object_id},
                                                    {"attribute_id", rel->attribute_id}}},
                                {"object_slug", rel->object_slug},
                                {"title", rel->title},
                                {"api_slug", rel->api_slug},
                                {"is_multiselect", rel->is_multiselect}};
  }
  json::value allowed = nullptr;
  if (d.type == "record-reference") {
    allowed = json::array(d.allowed_object_ids.begin(), d.allowed_object_ids.end());
  }
  return json::object{
      {"id",
       // Attio names the parent `object_id` for objects and lists alike.
       json::object{{"workspace_id", org_id}, {"object_id", d.parent_id}, {"attribute_id", d.id}}},
      {"title", d.title},
      {"description", OptionalString(d.description)},
      {"api_slug", d.api_slug},
      {"type", d.type},
      {"is_system_attribute", d.is_system},
      {"is_writable", d.is_writable},
      {"is_required", d.is_required},
      {"is_unique", d.is_unique},
      {"is_multiselect", d.is_multiselect},
      {"is_default_value_enabled", !d.default_value.is_null()},
      {"is_archived", d.is_archived},
      {"default_value", RenderDefaultValue(d.type, d.currency_code, d.default_value)},
      {"relationship", relationship},
      {"created_at", d.created_at},
      {"config",
       json::object{
           {"currency", json::object{{"default_currency_code", OptionalString(d.currency_code)},
                                     {"display_type", OptionalString(d.display_type)}}},
           {"record_reference", json::object{{"allowed_object_ids", allowed}}}}}};
}

Status CheckRules(const AttributeDef& d) {
  const TypeInfo* type = FindType(d.type);
  if (type == nullptr) return Invalid("unknown attribute type " + d.type);
  if (type->lists_only && d.target != Target::kLists) {
    return Invalid(d.type + " attributes can only be created on lists");
  }
  if (d.is_multiselect && !type->multiselect_ok) {
    return Invalid("attributes of type " + d.type + " cannot be multiselect");
  }
  if (d.type == "currency") {
    if (!d.currency_code || !d.display_type) {
      return Invalid(
          "currency attributes need config.currency.default_currency_code and "
          "config.currency.display_type");
    }
  } else if (d.currency_code || d.display_type) {
    return Invalid("config.currency applies only to currency attributes");
  }
  if (d.type != "record-reference" && !d.allowed_object_ids.empty()) {
    return Invalid("config.record_reference applies only to record-reference attributes");
  }
  if (d.relationship &&
      (d.allowed_object_ids.size() != 1 || d.allowed_object_ids[0] != d.relationship->object_id)) {
    return Invalid(
        "config.record_reference.allowed_objects of a relationship attribute must "
        "contain only the relationship object");
  }
  MERIDIAN_RETURN_IF_ERROR(CheckDefaultValue(d.type, d.is_multiselect, d.default_value));
  if (d.is_required && d.default_value.is_null()) {
    return Invalid(
        "is_default_value_enabled must be true when is_required is true: a required "
        "attribute needs a default_value");
  }
  return Status::Ok();
}

}  // namespace meridian::api::attio
