// Create and update requests of Attio attributes: body parsing (every rule that needs no
// store), and the merge of an update into a stored definition. References to other objects stay
// unresolved here; the batches of attribute_store.h resolve them inside the writer.
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/attio/attribute_model.h"

namespace meridian::api::attio {

// `relationship` of a create body: the reverse attribute to create on another object.
struct RelationshipSpec {
  std::string object;  // slug or UUID, resolved in the writer
  std::string title;
  std::string api_slug;
  bool is_multiselect = false;
};

// A parsed create body. `def` lacks id, parent_id, created_at and allowed_object_ids.
struct AttributeDraft {
  AttributeDef def;
  std::vector<std::string> allowed_objects;  // config.record_reference, unresolved
  std::optional<RelationshipSpec> relationship;
};
// Parses `{"data": {...}}` of POST .../attributes for `target` and checks every rule that needs
// no store. InvalidArgument (validation_type) naming the first problem.
Result<AttributeDraft> ParseCreateBody(const boost::json::value& body, Target target);

// A parsed update body: only the fields sent.
struct AttributePatch {
  std::optional<std::string> title;
  std::optional<std::optional<std::string>> description;
  std::optional<std::string> api_slug;
  std::optional<std::string> type;     // must equal the stored type
  std::optional<bool> is_multiselect;  // must equal the stored flag
  std::optional<bool> is_required;
  std::optional<bool> is_unique;
  std::optional<bool> is_archived;
  std::optional<boost::json::value> default_value;
  std::optional<std::optional<std::string>> currency_code;
  std::optional<std::optional<std::string>> display_type;
  std::optional<std::vector<std::string>> allowed_objects;  // unresolved
};
// Parses `{"data": {...}}` of PATCH .../attributes/{attribute}.
Result<AttributePatch> ParsePatchBody(const boost::json::value& body);

// Whether `patch` may touch `current` at all: 400 system_edit_unauthorized for system
// attributes, 400 immutable_value for a changed type or is_multiselect, 400 for
// config.record_reference on another type. Run before resolving the patch's references.
Status CheckPatchAllowed(const AttributeDef& current, const AttributePatch& patch);
// `current` with `patch` applied (`allowed_ids`: the patch's allowed_objects resolved to object
// ids), checked with CheckRules. REQUIRES: CheckPatchAllowed passed.
Result<AttributeDef> ApplyPatch(const AttributeDef& current, const AttributePatch& patch,
                                const std::optional<std::vector<std::string>>& allowed_ids);

}  // namespace meridian::api::attio
