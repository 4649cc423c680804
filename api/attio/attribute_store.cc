// Attribute definitions on the store (see attribute_store.h).
#include "api/attio/attribute_store.h"

#include <algorithm>
#include <tuple>

#include "api/attio/errors.h"
#include "api/attio/system_attributes.h"
#include "api/http.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::attio {
namespace json = boost::json;
using K = storage::Mutation::Kind;
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Describe(const Parent& parent) {
  return std::string(parent.target == Target::kLists ? "list" : "object") + " \"" +
         parent.api_slug + "\"";
}

Result<std::optional<AttributeDef>> StoredAttribute(const storage::Txn& txn,
                                                    const std::string& org_id, const Parent& parent,
                                                    const std::string& id) {
  auto record = storage::GetLiveRecord(txn, storage::DataKey(org_id, AttributesNs(parent.id), id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return std::optional<AttributeDef>();
  auto def = DecodeAttribute((*record)->value());
  if (!def.ok()) return def.status();
  return std::optional<AttributeDef>(std::move(*def));
}

// 409 unless `slug` is free on `parent` (system attributes included).
Status SlugFree(const storage::Txn& txn, const std::string& org_id, const Parent& parent,
                const std::string& slug) {
  const std::string where = "on the " + Describe(parent);
  for (const auto& system : SystemAttributes(org_id, parent)) {
    if (system.api_slug == slug) return SlugConflict(slug, where);
  }
  auto taken =
      storage::GetLiveRecord(txn, storage::DataKey(org_id, AttributeSlugsNs(parent.id), slug));
  if (!taken.ok()) return taken.status();
  return taken->has_value() ? SlugConflict(slug, where) : Status::Ok();
}

// Object slugs or UUIDs to object ids (deduplicated, in order); 400 for an unknown object.
Result<std::vector<std::string>> ResolveObjects(const storage::Txn& txn, const std::string& org_id,
                                                const std::vector<std::string>& identifiers) {
  std::vector<std::string> ids;
  for (const auto& identifier : identifiers) {
    auto object = FindParent(txn, org_id, Target::kObjects, identifier);
    if (!object.ok()) return object.status();
    if (!object->has_value()) {
      return Invalid("config.record_reference.allowed_objects: \"" + identifier +
                     "\" is not an object of this workspace");
    }
    if (std::find(ids.begin(), ids.end(), (*object)->id) == ids.end()) {
      ids.push_back((*object)->id);
    }
  }
  return ids;
}

RelationshipView ViewOf(const Parent& object, const AttributeDef& related) {
  return {object.id,     object.api_slug,  related.id,
          related.title, related.api_slug, related.is_multiselect};
}

Result<Parent> ParentOrNotFound(const storage::Txn& txn, const std::string& org_id, Target target,
                                const std::string& identifier) {
  auto parent = FindParent(txn, org_id, target, identifier);
  if (!parent.ok()) return parent.status();
  if (!parent->has_value()) {
    return NotFoundError(std::string(target == Target::kLists ? "list" : "object") + " \"" +
                         identifier + "\" not found");
  }
  return std::move(**parent);
}

// Attio: "Default values are not currently supported on people or company objects." With the
// rule that a required attribute needs a default value, attributes there cannot be required.
Status DefaultAllowedOn(const Parent& parent, const AttributeDef& def) {
  if (!parent.builtin || def.default_value.is_null()) return Status::Ok();
  return Invalid(
      "default values are not supported on the people and companies objects (so "
      "attributes there cannot be required either)");
}

void AddPuts(const std::string& org_id, const AttributeDef& def,
             std::vector<storage::Mutation>& extra) {
  extra.push_back({K::kPut, storage::DataKey(org_id, AttributesNs(def.parent_id), def.id),
                   EncodeAttribute(def)});
  extra.push_back(
      {K::kPut, storage::DataKey(org_id, AttributeSlugsNs(def.parent_id), def.api_slug), def.id});
}

}  // namespace

Result<std::vector<AttributeDef>> ListAttributes(const storage::Txn& txn, const std::string& org_id,
                                                 const Parent& parent) {
  std::vector<AttributeDef> out = SystemAttributes(org_id, parent);
  const size_t system = out.size();
  Status decode_error;
  MERIDIAN_RETURN_IF_ERROR(
      storage::ScanLive(txn, storage::NamespacePrefix(org_id, AttributesNs(parent.id)),
                        [&](auto, const auto& record) {
                          auto def = DecodeAttribute(record.value());
                          if (!def.ok()) {
                            decode_error = def.status();
                            return false;
                          }
                          out.push_back(std::move(*def));
                          return true;
                        }));
  MERIDIAN_RETURN_IF_ERROR(decode_error);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(system), out.end(),
            [](const AttributeDef& a, const AttributeDef& b) {
              return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
            });
  return out;
}

Result<std::optional<AttributeDef>> FindAttribute(const storage::Txn& txn,
                                                  const std::string& org_id, const Parent& parent,
                                                  std::string_view identifier) {
  const bool by_id = IsUuid(identifier);
  const std::string key = by_id ? Lower(identifier) : std::string(identifier);
  for (auto& system : SystemAttributes(org_id, parent)) {
    if ((by_id ? system.id : system.api_slug) == key) return std::optional(std::move(system));
  }
  if (by_id) return StoredAttribute(txn, org_id, parent, key);
  if (!IsValidSlug(key)) return std::optional<AttributeDef>();
  auto index =
      storage::GetLiveRecord(txn, storage::DataKey(org_id, AttributeSlugsNs(parent.id), key));
  if (!index.ok()) return index.status();
  if (!index->has_value()) return std::optional<AttributeDef>();
  return StoredAttribute(txn, org_id, parent, (*index)->value());
}

Result<json::object> RenderStored(const storage::Txn& txn, const std::string& org_id,
                                  const AttributeDef& def) {
  std::optional<RelationshipView> view;
  if (def.relationship) {
    auto object = FindParent(txn, org_id, Target::kObjects, def.relationship->object_id);
    if (!object.ok()) return object.status();
    if (object->has_value()) {
      auto related = FindAttribute(txn, org_id, **object, def.relationship->attribute_id);
      if (!related.ok()) return related.status();
      if (related->has_value()) view = ViewOf(**object, **related);
    }
  }
  return RenderAttribute(org_id, def, view);
}

storage::WriteBatch CreateAttributeBatch(std::string org_id, Target target,
                                         std::string parent_identifier, AttributeDraft draft,
                                         NewAttributeIds ids,
                                         std::shared_ptr<AttributeOutcome> outcome) {
  storage::WriteBatch batch;
  batch.prepare = [org_id = std::move(org_id), target,
                   parent_identifier = std::move(parent_identifier), draft = std::move(draft),
                   ids = std::move(ids),
                   outcome](const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    auto parent = ParentOrNotFound(txn, org_id, target, parent_identifier);
    if (!parent.ok()) return parent.status();
    AttributeDef def = draft.def;
    def.id = ids.id;
    def.parent_id = parent->id;
    def.created_at = ids.created_at;
    MERIDIAN_RETURN_IF_ERROR(DefaultAllowedOn(*parent, def));
    MERIDIAN_RETURN_IF_ERROR(SlugFree(txn, org_id, *parent, def.api_slug));
    auto allowed = ResolveObjects(txn, org_id, draft.allowed_objects);
    if (!allowed.ok()) return allowed.status();
    def.allowed_object_ids = std::move(*allowed);
    std::optional<RelationshipView> view;
    if (draft.relationship) {
      const RelationshipSpec& spec = *draft.relationship;
      auto partner = FindParent(txn, org_id, Target::kObjects, spec.object);
      if (!partner.ok()) return partner.status();
      if (!partner->has_value()) {
        return Invalid("relationship.object \"" + spec.object +
                       "\" is not an object of this workspace");
      }
      const Parent& other = **partner;
      if (!def.allowed_object_ids.empty() &&
          def.allowed_object_ids != std::vector<std::string>{other.id}) {
        return Invalid(
            "with a relationship, config.record_reference.allowed_objects must "
            "contain only the relationship object");
      }
      def.allowed_object_ids = {other.id};
      AttributeDef reverse;
      reverse.id = ids.reverse_id;
      reverse.parent_id = other.id;
      reverse.target = Target::kObjects;
      reverse.title = spec.title;
      reverse.api_slug = spec.api_slug;
      reverse.type = "record-reference";
      reverse.is_multiselect = spec.is_multiselect;
      reverse.allowed_object_ids = {parent->id};
      reverse.relationship = RelationshipRef{parent->id, def.id};
      reverse.created_at = ids.created_at;
      def.relationship = RelationshipRef{other.id, reverse.id};
      if (other.id == parent->id && reverse.api_slug == def.api_slug) {
        return SlugConflict(reverse.api_slug, "by the attribute itself");
      }
      MERIDIAN_RETURN_IF_ERROR(SlugFree(txn, org_id, other, reverse.api_slug));
      MERIDIAN_RETURN_IF_ERROR(CheckRules(reverse));
      AddPuts(org_id, reverse, extra);
      view = ViewOf(other, reverse);
    }
    MERIDIAN_RETURN_IF_ERROR(CheckRules(def));
    AddPuts(org_id, def, extra);
    outcome->body = RenderAttribute(org_id, def, view);
    return Status::Ok();
  };
  return batch;
}

storage::WriteBatch UpdateAttributeBatch(std::string org_id, Target target,
                                         std::string parent_identifier,
                                         std::string attribute_identifier, AttributePatch patch,
                                         std::shared_ptr<AttributeOutcome> outcome) {
  storage::WriteBatch batch;
  batch.prepare = [org_id = std::move(org_id), target,
                   parent_identifier = std::move(parent_identifier),
                   attribute_identifier = std::move(attribute_identifier), patch = std::move(patch),
                   outcome](const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    auto parent = ParentOrNotFound(txn, org_id, target, parent_identifier);
    if (!parent.ok()) return parent.status();
    auto current = FindAttribute(txn, org_id, *parent, attribute_identifier);
    if (!current.ok()) return current.status();
    if (!current->has_value()) {
      return NotFoundError("attribute \"" + attribute_identifier + "\" not found on the " +
                           Describe(*parent));
    }
    const AttributeDef& before = **current;
    MERIDIAN_RETURN_IF_ERROR(CheckPatchAllowed(before, patch));
    std::optional<std::vector<std::string>> allowed;
    if (patch.allowed_objects) {
      auto resolved = ResolveObjects(txn, org_id, *patch.allowed_objects);
      if (!resolved.ok()) return resolved.status();
      allowed = std::move(*resolved);
    }
    auto after = ApplyPatch(before, patch, allowed);
    if (!after.ok()) return after.status();
    MERIDIAN_RETURN_IF_ERROR(DefaultAllowedOn(*parent, *after));
    if (after->api_slug != before.api_slug) {
      MERIDIAN_RETURN_IF_ERROR(SlugFree(txn, org_id, *parent, after->api_slug));
      extra.push_back(
          {K::kDelete,
           storage::DataKey(org_id, AttributeSlugsNs(before.parent_id), before.api_slug),
           {}});
    }
    // An update that changes nothing writes nothing (and is not logged); its answer still rests
    // on the stored attribute, which the consistency wait then covers.
    if (EncodeAttribute(*after) != EncodeAttribute(before)) {
      AddPuts(org_id, *after, extra);
    } else {
      extra.push_back(
          {K::kObserve, storage::DataKey(org_id, AttributesNs(before.parent_id), before.id), {}});
    }
    auto body = RenderStored(txn, org_id, *after);
    if (!body.ok()) return body.status();
    outcome->body = std::move(*body);
    return Status::Ok();
  };
  return batch;
}

}  // namespace meridian::api::attio
