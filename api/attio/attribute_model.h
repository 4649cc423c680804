// The Attio attribute definition (docs/attio.md): its stored form, its API form,
// and the cross-field rules every definition obeys (CheckRules). Request bodies are parsed in
// attribute_request.h. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/status.h"
#include "storage/keys.h"

namespace meridian::api::attio {

enum class Target { kObjects, kLists };
std::string_view TargetName(Target target);  // "objects" | "lists"
std::optional<Target> ParseTarget(std::string_view name);

inline constexpr size_t kMaxSlugBytes = 128;
// `<org>\0attio:attr_slugs:<parent uuid>\0<slug>` always fits LMDB (storage/keys.h).
static_assert(storage::KeyFits(std::string_view("attio:attr_slugs:").size() + 36, kMaxSlugBytes));
inline constexpr size_t kMaxTitleBytes = 256;
inline constexpr size_t kMaxDescriptionBytes = 4096;
inline constexpr size_t kMaxAllowedObjects = 100;

// [a-z][a-z0-9]*([_-][a-z0-9]+)*, at most 128 bytes, and not a UUID. Attio says "snake case"
// but its own examples use `my-attribute`, so '-' separates words too.
bool IsValidSlug(std::string_view slug);

// The attribute a relationship attribute is entangled with.
struct RelationshipRef {
  std::string object_id;
  std::string attribute_id;
  bool operator==(const RelationshipRef&) const = default;
};

struct AttributeDef {
  std::string id;         // attribute_id
  std::string parent_id;  // object_id or list_id
  Target target = Target::kObjects;
  std::string title;
  std::optional<std::string> description;
  std::string api_slug;
  std::string type;
  bool is_system = false;
  bool is_writable = true;
  bool is_required = false;
  bool is_unique = false;
  bool is_multiselect = false;
  bool is_archived = false;
  boost::json::value default_value;          // null or {"type", "template"}
  std::optional<std::string> currency_code;  // config.currency (currency attributes only)
  std::optional<std::string> display_type;
  std::vector<std::string> allowed_object_ids;  // record-reference: object ids; empty: any
  std::optional<RelationshipRef> relationship;
  std::string created_at;  // RFC 3339
};

// The stored form (JSON text), and back: Corruption if `text` is not one.
std::string EncodeAttribute(const AttributeDef& def);
Result<AttributeDef> DecodeAttribute(std::string_view text);

// What the API shows of the related attribute.
struct RelationshipView {
  std::string object_id;
  std::string object_slug;
  std::string attribute_id;
  std::string title;
  std::string api_slug;
  bool is_multiselect = false;
};
// The API object of `def` in workspace `org_id`.
boost::json::object RenderAttribute(const std::string& org_id, const AttributeDef& def,
                                    const std::optional<RelationshipView>& relationship);

// The rules of a complete definition: type valid for its target, is_multiselect only where the
// type allows it, is_required only with a default value (is_default_value_enabled), the default
// value typed by the type, config.currency exactly for currency attributes, allowed objects only
// for record references (and only the related object for a relationship).
Status CheckRules(const AttributeDef& def);

}  // namespace meridian::api::attio
