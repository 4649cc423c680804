// Attribute definitions on the store: lookups (system attributes merged with the stored ones)
// and the create/update batches. Every check that depends on stored state (the parent and the
// related objects exist, api_slug is unique per object or list) runs in the batch's
// precondition, inside the writer's transaction, so concurrent writes cannot both pass it.
// Stateless functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/attio/attribute_request.h"
#include "api/attio/registry.h"
#include "storage/write_batch.h"

namespace meridian::api::attio {

// Every attribute of `parent`: its system attributes, then the stored ones, oldest first.
Result<std::vector<AttributeDef>> ListAttributes(const storage::Txn& txn, const std::string& org_id,
                                                 const Parent& parent);
// The attribute of `parent` named by `identifier` (UUID or api_slug), or nullopt.
Result<std::optional<AttributeDef>> FindAttribute(const storage::Txn& txn,
                                                  const std::string& org_id, const Parent& parent,
                                                  std::string_view identifier);
// The API object of `def`, with its relationship's related attribute looked up.
Result<boost::json::object> RenderStored(const storage::Txn& txn, const std::string& org_id,
                                         const AttributeDef& def);

// Filled by a batch's precondition on the writer thread; read after the commit callback.
struct AttributeOutcome {
  boost::json::object body;  // the API object of the created or updated attribute
};

// Fresh identities of a create request, chosen before the batch is submitted.
struct NewAttributeIds {
  std::string id;          // the attribute
  std::string reverse_id;  // the related attribute a `relationship` creates
  std::string created_at;
};

// Creates the attribute of `draft` on the object or list `parent_identifier`, and with a
// relationship its reverse attribute on the related object. Errors: 404 unknown parent,
// 409 slug_conflict, 400 unknown allowed/related object or a default value on people/companies.
storage::WriteBatch CreateAttributeBatch(std::string org_id, Target target,
                                         std::string parent_identifier, AttributeDraft draft,
                                         NewAttributeIds ids,
                                         std::shared_ptr<AttributeOutcome> outcome);

// Applies `patch` to the attribute `attribute_identifier` of `parent_identifier`; only the
// fields sent change, merged with the state current when the batch commits. Errors: 404,
// 400 system_edit_unauthorized / immutable_value / validation_type, 409 slug_conflict.
storage::WriteBatch UpdateAttributeBatch(std::string org_id, Target target,
                                         std::string parent_identifier,
                                         std::string attribute_identifier, AttributePatch patch,
                                         std::shared_ptr<AttributeOutcome> outcome);

}  // namespace meridian::api::attio
