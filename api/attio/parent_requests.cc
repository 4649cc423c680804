// Creation of objects and lists (see parent_requests.h).
#include "api/attio/parent_requests.h"

#include "api/attio/errors.h"
#include "api/http.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace {

Result<const json::object*> Data(const json::value& body) {
  if (!body.is_object()) return Invalid("request body must be a JSON object {\"data\": {...}}");
  for (const auto& [key, v] : body.as_object()) {
    if (key != "data") return Invalid("unknown field \"" + std::string(key) + "\" in the body");
  }
  const json::value* data = body.as_object().if_contains("data");
  if (data == nullptr || !data->is_object()) return Invalid("\"data\" must be a JSON object");
  return &data->as_object();
}

Result<std::string> RequiredText(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Invalid("data." + std::string(key) + " is required");
  if (!v->is_string() || v->as_string().empty() || v->as_string().size() > kMaxTitleBytes) {
    return Invalid(std::string(key) + " must be a string of 1 to 256 bytes");
  }
  return std::string(v->as_string());
}

bool IsAccessLevel(const json::value& v) {
  return v.is_string() && (v.as_string() == "full-access" || v.as_string() == "read-and-write" ||
                           v.as_string() == "read-only");
}

Status SlugFree(const storage::Txn& txn, const std::string& org_id, Target target,
                const std::string& slug) {
  if (target == Target::kObjects) {
    for (std::string_view builtin : kBuiltinObjects) {
      if (builtin == slug) return SlugConflict(slug, "by another object");
    }
  }
  auto taken = storage::GetLiveRecord(txn, storage::DataKey(org_id, SlugsNs(target), slug));
  if (!taken.ok()) return taken.status();
  if (taken->has_value()) {
    return SlugConflict(slug, target == Target::kObjects ? "by another object" : "by another list");
  }
  return Status::Ok();
}

}  // namespace

Result<ObjectSpec> ParseObjectBody(const json::value& body) {
  auto data = Data(body);
  if (!data.ok()) return data.status();
  for (const auto& [key, v] : **data) {
    if (key != "api_slug" && key != "singular_noun" && key != "plural_noun") {
      return Invalid("unknown field \"" + std::string(key) + "\" in data");
    }
  }
  ObjectSpec spec;
  auto slug = RequiredText(**data, "api_slug");
  if (!slug.ok()) return slug.status();
  if (!IsValidSlug(*slug)) {
    return Invalid("api_slug must be a snake_case slug ([a-z][a-z0-9]*(_[a-z0-9]+)*)");
  }
  auto singular = RequiredText(**data, "singular_noun");
  if (!singular.ok()) return singular.status();
  auto plural = RequiredText(**data, "plural_noun");
  if (!plural.ok()) return plural.status();
  return ObjectSpec{std::move(*slug), std::move(*singular), std::move(*plural)};
}

std::string SlugFromName(std::string_view name) {
  std::string slug;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (alnum) {
      slug.push_back(c);
    } else if (!slug.empty() && slug.back() != '_') {
      slug.push_back('_');
    }
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  while (!slug.empty() && !(slug[0] >= 'a' && slug[0] <= 'z')) slug.erase(0, 1);
  if (slug.size() > kMaxSlugBytes) slug.resize(kMaxSlugBytes);
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return slug;
}

Result<ListSpec> ParseListBody(const json::value& body) {
  auto data = Data(body);
  if (!data.ok()) return data.status();
  const json::object& o = **data;
  for (const auto& [key, v] : o) {
    if (key != "name" && key != "api_slug" && key != "parent_object" && key != "workspace_access" &&
        key != "workspace_member_access") {
      return Invalid("unknown field \"" + std::string(key) + "\" in data");
    }
  }
  ListSpec spec;
  auto name = RequiredText(o, "name");
  if (!name.ok()) return name.status();
  spec.name = std::move(*name);
  if (const json::value* slug = o.if_contains("api_slug"); slug && !slug->is_null()) {
    if (!slug->is_string() || !IsValidSlug(slug->as_string())) {
      return Invalid("api_slug must be a snake_case slug ([a-z][a-z0-9]*(_[a-z0-9]+)*)");
    }
    spec.api_slug = std::string(slug->as_string());
  } else {
    spec.api_slug = SlugFromName(spec.name);
    if (!IsValidSlug(spec.api_slug)) {
      return Invalid("no api_slug given and none can be derived from the name");
    }
  }
  auto parent = RequiredText(o, "parent_object");
  if (!parent.ok()) return parent.status();
  spec.parent_object = std::move(*parent);
  if (const json::value* access = o.if_contains("workspace_access")) {
    if (!access->is_null() && !IsAccessLevel(*access)) {
      return Invalid("workspace_access must be full-access, read-and-write, read-only or null");
    }
    spec.workspace_access = *access;
  }
  if (const json::value* members = o.if_contains("workspace_member_access")) {
    if (!members->is_array() || members->as_array().size() > 1000) {
      return Invalid("workspace_member_access must be an array of at most 1000 entries");
    }
    for (const auto& m : members->as_array()) {
      const json::object* entry = m.if_object();
      const json::value* id = entry ? entry->if_contains("workspace_member_id") : nullptr;
      const json::value* level = entry ? entry->if_contains("level") : nullptr;
      if (entry == nullptr || entry->size() != 2 || id == nullptr || !id->is_string() ||
          !IsUuid(id->as_string()) || level == nullptr || !IsAccessLevel(*level)) {
        return Invalid(
            "each workspace_member_access entry must be {\"workspace_member_id\": "
            "<uuid>, \"level\": full-access|read-and-write|read-only}");
      }
      spec.workspace_member_access.push_back(m);
    }
  }
  return spec;
}

storage::WriteBatch CreateObjectBatch(std::string org_id, ObjectSpec spec, std::string id,
                                      std::string created_at,
                                      std::shared_ptr<CreateOutcome> outcome) {
  Parent p;
  p.target = Target::kObjects;
  p.id = std::move(id);
  p.api_slug = spec.api_slug;
  p.created_at = std::move(created_at);
  p.singular_noun = std::move(spec.singular_noun);
  p.plural_noun = std::move(spec.plural_noun);
  storage::WriteBatch batch;
  batch.prepare = [org_id = std::move(org_id), p = std::move(p), outcome](
                      const storage::Txn& txn, std::vector<storage::Mutation>& extra) -> Status {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    MERIDIAN_RETURN_IF_ERROR(SlugFree(txn, org_id, Target::kObjects, p.api_slug));
    using K = storage::Mutation::Kind;
    extra.push_back({K::kPut, storage::DataKey(org_id, kObjectsNs, p.id), EncodeParent(p)});
    extra.push_back({K::kPut, storage::DataKey(org_id, kObjectSlugsNs, p.api_slug), p.id});
    auto body = RenderParent(txn, org_id, p);
    if (!body.ok()) return body.status();
    outcome->body = std::move(*body);
    return Status::Ok();
  };
  return batch;
}

storage::WriteBatch CreateListBatch(std::string org_id, ListSpec spec, std::string id,
                                    std::string created_at, json::value created_by_actor,
                                    std::shared_ptr<CreateOutcome> outcome) {
  Parent p;
  p.target = Target::kLists;
  p.id = std::move(id);
  p.api_slug = spec.api_slug;
  p.created_at = std::move(created_at);
  p.name = std::move(spec.name);
  p.workspace_access = std::move(spec.workspace_access);
  p.workspace_member_access = std::move(spec.workspace_member_access);
  p.created_by_actor = std::move(created_by_actor);
  storage::WriteBatch batch;
  batch.prepare =
      [org_id = std::move(org_id), p = std::move(p), parent_object = std::move(spec.parent_object),
       outcome](const storage::Txn& txn, std::vector<storage::Mutation>& extra) mutable -> Status {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    auto object = FindParent(txn, org_id, Target::kObjects, parent_object);
    if (!object.ok()) return object.status();
    if (!object->has_value()) {
      return Invalid("parent_object \"" + parent_object + "\" is not an object of this workspace");
    }
    p.parent_object_id = (*object)->id;
    MERIDIAN_RETURN_IF_ERROR(SlugFree(txn, org_id, Target::kLists, p.api_slug));
    using K = storage::Mutation::Kind;
    extra.push_back({K::kPut, storage::DataKey(org_id, kListsNs, p.id), EncodeParent(p)});
    extra.push_back({K::kPut, storage::DataKey(org_id, kListSlugsNs, p.api_slug), p.id});
    auto body = RenderParent(txn, org_id, p);
    if (!body.ok()) return body.status();
    outcome->body = std::move(*body);
    return Status::Ok();
  };
  return batch;
}

}  // namespace meridian::api::attio
