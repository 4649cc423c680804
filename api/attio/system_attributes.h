// The system attributes every object and list has (Attio's standard attributes, a subset): they
// are not stored but derived per organization, with ids from DerivedUuid, so they are the same
// on every node and cannot be edited (PATCH: 400 system_edit_unauthorized).
//   people:    record_id, name, email_addresses, description, company, job_title,
//              phone_numbers, primary_location, created_at, created_by
//   companies: record_id, name, domains, description, team, categories, primary_location,
//              created_at, created_by          (people.company <-> companies.team relationship)
//   other objects: record_id, created_at, created_by;  lists: entry_id, created_at, created_by
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "api/attio/attribute_model.h"
#include "api/attio/registry.h"

namespace meridian::api::attio {

// The system attributes of `parent` in `org_id`, in listing order.
std::vector<AttributeDef> SystemAttributes(const std::string& org_id, const Parent& parent);

// The id of the system attribute `slug` of the parent `parent_id`.
std::string SystemAttributeId(const std::string& org_id, std::string_view parent_id,
                              std::string_view slug);

}  // namespace meridian::api::attio
