// System attributes of objects and lists (see system_attributes.h).
#include "api/attio/system_attributes.h"

namespace meridian::api::attio {
namespace {

struct Spec {
  std::string_view slug;
  std::string_view title;
  std::string_view type;
  bool writable;
  bool unique;
  bool multiselect;
};

constexpr Spec kRecordId = {"record_id", "Record ID", "text", false, true, false};
constexpr Spec kCreatedAt = {"created_at", "Created at", "timestamp", false, false, false};
constexpr Spec kCreatedBy = {"created_by", "Created by", "actor-reference", false, false, false};

constexpr Spec kPeople[] = {
    kRecordId,
    {"name", "Name", "personal-name", true, false, false},
    {"email_addresses", "Email addresses", "email-address", true, true, true},
    {"description", "Description", "text", true, false, false},
    {"company", "Company", "record-reference", true, false, false},
    {"job_title", "Job title", "text", true, false, false},
    {"phone_numbers", "Phone numbers", "phone-number", true, false, true},
    {"primary_location", "Primary location", "location", true, false, false},
    kCreatedAt,
    kCreatedBy,
};

constexpr Spec kCompanies[] = {
    kRecordId,
    {"name", "Name", "text", true, false, false},
    {"domains", "Domains", "domain", true, true, true},
    {"description", "Description", "text", true, false, false},
    {"team", "Team", "record-reference", true, false, true},
    {"categories", "Categories", "select", true, false, true},
    {"primary_location", "Primary location", "location", true, false, false},
    kCreatedAt,
    kCreatedBy,
};

constexpr Spec kCustomObject[] = {kRecordId, kCreatedAt, kCreatedBy};
constexpr Spec kList[] = {
    {"entry_id", "Entry ID", "text", false, true, false},
    kCreatedAt,
    kCreatedBy,
};

}  // namespace

std::string SystemAttributeId(const std::string& org_id, std::string_view parent_id,
                              std::string_view slug) {
  return DerivedUuid(org_id + "/attributes/" + std::string(parent_id) + "/" + std::string(slug));
}

std::vector<AttributeDef> SystemAttributes(const std::string& org_id, const Parent& parent) {
  std::span<const Spec> specs = kCustomObject;
  if (parent.target == Target::kLists) {
    specs = kList;
  } else if (parent.builtin && parent.api_slug == "people") {
    specs = kPeople;
  } else if (parent.builtin && parent.api_slug == "companies") {
    specs = kCompanies;
  }
  const std::string people = BuiltinObjectId(org_id, "people");
  const std::string companies = BuiltinObjectId(org_id, "companies");
  std::vector<AttributeDef> out;
  out.reserve(specs.size());
  for (const Spec& s : specs) {
    AttributeDef d;
    d.id = SystemAttributeId(org_id, parent.id, s.slug);
    d.parent_id = parent.id;
    d.target = parent.target;
    d.title = s.title;
    d.api_slug = s.slug;
    d.type = s.type;
    d.is_system = true;
    d.is_writable = s.writable;
    d.is_unique = s.unique;
    d.is_multiselect = s.multiselect;
    d.created_at = parent.created_at;
    // The two sides of the standard people <-> companies relationship.
    if (parent.builtin && s.slug == "company") {
      d.allowed_object_ids = {companies};
      d.relationship = RelationshipRef{companies, SystemAttributeId(org_id, companies, "team")};
    } else if (parent.builtin && s.slug == "team") {
      d.allowed_object_ids = {people};
      d.relationship = RelationshipRef{people, SystemAttributeId(org_id, people, "company")};
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace meridian::api::attio
