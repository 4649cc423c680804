// Objects and lists of an organization (the parents of attributes) and the key layout of the
// Attio dialect. `people` and `companies` exist in every organization without being stored:
// their ids are derived from the organization id (DerivedUuid), so every node agrees on them.
// Layout (tenant = organization id):
//   attio:objects / <object_id>   -> object JSON      attio:object_slugs / <slug> -> object_id
//   attio:lists / <list_id>       -> list JSON        attio:list_slugs / <slug>   -> list_id
//   attio:attrs:<parent_id> / <attribute_id> -> attribute (attribute_model.h EncodeAttribute)
//   attio:attr_slugs:<parent_id> / <api_slug> -> attribute_id
// Stateless functions over a caller's transaction; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/attio/attribute_model.h"
#include "storage/lmdb_env.h"

namespace meridian::api::attio {

inline constexpr std::string_view kObjectsNs = "attio:objects";
inline constexpr std::string_view kObjectSlugsNs = "attio:object_slugs";
inline constexpr std::string_view kListsNs = "attio:lists";
inline constexpr std::string_view kListSlugsNs = "attio:list_slugs";
std::string RecordsNs(Target target);  // kObjectsNs | kListsNs
std::string SlugsNs(Target target);    // kObjectSlugsNs | kListSlugsNs
std::string AttributesNs(std::string_view parent_id);
std::string AttributeSlugsNs(std::string_view parent_id);

// A UUID (version-5 layout) from the SHA-1 of `name`: stable across nodes and restarts.
std::string DerivedUuid(std::string_view name);
// The id of a built-in object (`people`, `companies`) in `org_id`.
std::string BuiltinObjectId(std::string_view org_id, std::string_view slug);
// The built-in object slugs, in listing order.
inline constexpr std::string_view kBuiltinObjects[] = {"people", "companies"};

// An object or a list: what attributes belong to.
struct Parent {
  Target target = Target::kObjects;
  std::string id;
  std::string api_slug;
  bool builtin = false;
  std::string created_at;
  // Objects.
  std::string singular_noun;
  std::string plural_noun;
  // Lists.
  std::string name;
  std::string parent_object_id;
  boost::json::value workspace_access;  // null or a level
  boost::json::array workspace_member_access;
  boost::json::value created_by_actor;
};

std::string EncodeParent(const Parent& parent);
Result<Parent> DecodeParent(Target target, std::string_view text);

// NotFound (not_found) unless the organization exists: preconditions of every write, so a
// write racing an organization's deletion does not bring its data back.
Status OrgMustExist(const storage::Txn& txn, const std::string& org_id);

// The object or list named by `identifier` (UUID or slug), or nullopt.
Result<std::optional<Parent>> FindParent(const storage::Txn& txn, const std::string& org_id,
                                         Target target, std::string_view identifier);
// Every object (built-ins first) or list, oldest first.
Result<std::vector<Parent>> ListParents(const storage::Txn& txn, const std::string& org_id,
                                        Target target);
// The API object of an object or a list.
Result<boost::json::object> RenderParent(const storage::Txn& txn, const std::string& org_id,
                                         const Parent& parent);

}  // namespace meridian::api::attio
