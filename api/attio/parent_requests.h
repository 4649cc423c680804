// Creation of objects (POST /v2/objects) and lists (POST /v2/lists): body parsing, and the
// batches whose precondition decides slug uniqueness and the parent object's existence inside
// the writer's transaction (atomic against concurrent creates). Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "api/attio/registry.h"
#include "storage/write_batch.h"

namespace meridian::api::attio {

struct ObjectSpec {
  std::string api_slug;
  std::string singular_noun;
  std::string plural_noun;
};
// `{"data": {"api_slug", "singular_noun", "plural_noun"}}`; InvalidArgument otherwise.
Result<ObjectSpec> ParseObjectBody(const boost::json::value& body);

struct ListSpec {
  std::string name;
  std::string api_slug;                 // derived from the name when the body has none
  std::string parent_object;            // slug or UUID, resolved in the writer
  boost::json::value workspace_access;  // null | "full-access" | "read-and-write" | "read-only"
  boost::json::array workspace_member_access;
};
// `{"data": {"name", "api_slug"?, "parent_object", "workspace_access"?,
// "workspace_member_access"?}}`; InvalidArgument otherwise.
Result<ListSpec> ParseListBody(const boost::json::value& body);
// A slug from a display name ("Sales Pipeline" -> "sales_pipeline"); empty if none can be made.
std::string SlugFromName(std::string_view name);

// Filled by a create batch's precondition (on the writer thread); read by the handler after
// the commit callback, which runs after it.
struct CreateOutcome {
  boost::json::object body;  // the API object of what was created
};

// Creates an object: 409 slug_conflict if the slug is taken (built-ins included).
storage::WriteBatch CreateObjectBatch(std::string org_id, ObjectSpec spec, std::string id,
                                      std::string created_at,
                                      std::shared_ptr<CreateOutcome> outcome);
// Creates a list: 409 slug_conflict if the slug is taken, 400 if the parent object is unknown.
storage::WriteBatch CreateListBatch(std::string org_id, ListSpec spec, std::string id,
                                    std::string created_at, boost::json::value created_by_actor,
                                    std::shared_ptr<CreateOutcome> outcome);

}  // namespace meridian::api::attio
