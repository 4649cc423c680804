// Objects, lists and the dialect's key layout (see registry.h).
#include "api/attio/registry.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "api/attio/errors.h"
#include "api/auth.h"
#include "api/http.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The organization's creation time: the creation time of its built-in objects.
Result<std::string> OrgCreatedAt(const storage::Txn& txn, const std::string& org_id) {
  auto record =
      storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return NotFoundError("organization not found");
  boost::system::error_code ec;
  json::value org = json::parse((*record)->value(), ec);
  if (!ec && org.is_object()) {
    if (const json::value* at = org.as_object().if_contains("created_at"); at && at->is_string()) {
      return std::string(at->as_string());
    }
  }
  return Rfc3339((*record)->created_at_ms());
}

Result<Parent> Builtin(const storage::Txn& txn, const std::string& org_id, std::string_view slug) {
  auto created = OrgCreatedAt(txn, org_id);
  if (!created.ok()) return created.status();
  Parent p;
  p.target = Target::kObjects;
  p.id = BuiltinObjectId(org_id, slug);
  p.api_slug = std::string(slug);
  p.builtin = true;
  p.created_at = std::move(*created);
  p.singular_noun = slug == "people" ? "Person" : "Company";
  p.plural_noun = slug == "people" ? "People" : "Companies";
  return p;
}

Result<std::optional<Parent>> StoredById(const storage::Txn& txn, const std::string& org_id,
                                         Target target, const std::string& id) {
  auto record = storage::GetLiveRecord(txn, storage::DataKey(org_id, RecordsNs(target), id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return std::optional<Parent>();
  auto parent = DecodeParent(target, (*record)->value());
  if (!parent.ok()) return parent.status();
  return std::optional<Parent>(std::move(*parent));
}

}  // namespace

std::string RecordsNs(Target target) {
  return std::string(target == Target::kLists ? kListsNs : kObjectsNs);
}
std::string SlugsNs(Target target) {
  return std::string(target == Target::kLists ? kListSlugsNs : kObjectSlugsNs);
}
std::string AttributesNs(std::string_view parent_id) {
  return "attio:attrs:" + std::string(parent_id);
}
std::string AttributeSlugsNs(std::string_view parent_id) {
  return "attio:attr_slugs:" + std::string(parent_id);
}

std::string DerivedUuid(std::string_view name) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  const std::string input = "meridian/attio/" + std::string(name);
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(
      out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
      digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
  return out;
}

std::string BuiltinObjectId(std::string_view org_id, std::string_view slug) {
  return DerivedUuid(std::string(org_id) + "/objects/" + std::string(slug));
}

std::string EncodeParent(const Parent& p) {
  json::object o{{"id", p.id}, {"api_slug", p.api_slug}, {"created_at", p.created_at}};
  if (p.target == Target::kObjects) {
    o["singular_noun"] = p.singular_noun;
    o["plural_noun"] = p.plural_noun;
  } else {
    o["name"] = p.name;
    o["parent_object_id"] = p.parent_object_id;
    o["workspace_access"] = p.workspace_access;
    o["workspace_member_access"] = p.workspace_member_access;
    o["created_by_actor"] = p.created_by_actor;
  }
  return json::serialize(o);
}

Result<Parent> DecodeParent(Target target, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::Corruption("undecodable object or list record");
  const json::object& o = v.as_object();
  Parent p;
  p.target = target;
  try {
    p.id = o.at("id").as_string();
    p.api_slug = o.at("api_slug").as_string();
    p.created_at = o.at("created_at").as_string();
    if (target == Target::kObjects) {
      p.singular_noun = o.at("singular_noun").as_string();
      p.plural_noun = o.at("plural_noun").as_string();
    } else {
      p.name = o.at("name").as_string();
      p.parent_object_id = o.at("parent_object_id").as_string();
      p.workspace_access = o.at("workspace_access");
      p.workspace_member_access = o.at("workspace_member_access").as_array();
      p.created_by_actor = o.at("created_by_actor");
    }
  } catch (const std::exception&) {
    return Status::Corruption("undecodable object or list record");
  }
  return p;
}

Status OrgMustExist(const storage::Txn& txn, const std::string& org_id) {
  auto record =
      storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) return record.status();
  return record->has_value() ? Status::Ok() : NotFoundError("organization not found");
}

Result<std::optional<Parent>> FindParent(const storage::Txn& txn, const std::string& org_id,
                                         Target target, std::string_view identifier) {
  if (IsUuid(identifier)) {
    const std::string id = Lower(identifier);
    if (target == Target::kObjects) {
      for (std::string_view slug : kBuiltinObjects) {
        if (BuiltinObjectId(org_id, slug) != id) continue;
        auto p = Builtin(txn, org_id, slug);
        if (!p.ok()) return p.status();
        return std::optional<Parent>(std::move(*p));
      }
    }
    return StoredById(txn, org_id, target, id);
  }
  if (!IsValidSlug(identifier)) return std::optional<Parent>();
  if (target == Target::kObjects) {
    for (std::string_view slug : kBuiltinObjects) {
      if (slug != identifier) continue;
      auto p = Builtin(txn, org_id, slug);
      if (!p.ok()) return p.status();
      return std::optional<Parent>(std::move(*p));
    }
  }
  auto index = storage::GetLiveRecord(txn, storage::DataKey(org_id, SlugsNs(target), identifier));
  if (!index.ok()) return index.status();
  if (!index->has_value()) return std::optional<Parent>();
  return StoredById(txn, org_id, target, (*index)->value());
}

Result<std::vector<Parent>> ListParents(const storage::Txn& txn, const std::string& org_id,
                                        Target target) {
  std::vector<Parent> out;
  if (target == Target::kObjects) {
    for (std::string_view slug : kBuiltinObjects) {
      auto p = Builtin(txn, org_id, slug);
      if (!p.ok()) return p.status();
      out.push_back(std::move(*p));
    }
  }
  const size_t builtins = out.size();
  Status decode_error;
  MERIDIAN_RETURN_IF_ERROR(storage::ScanLive(
      txn, storage::NamespacePrefix(org_id, RecordsNs(target)), [&](auto, const auto& record) {
        auto p = DecodeParent(target, record.value());
        if (!p.ok()) {
          decode_error = p.status();
          return false;
        }
        out.push_back(std::move(*p));
        return true;
      }));
  MERIDIAN_RETURN_IF_ERROR(decode_error);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(builtins), out.end(),
            [](const Parent& a, const Parent& b) {
              return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
            });
  return out;
}

Result<json::object> RenderParent(const storage::Txn& txn, const std::string& org_id,
                                  const Parent& p) {
  if (p.target == Target::kObjects) {
    return json::object{{"id", json::object{{"workspace_id", org_id}, {"object_id", p.id}}},
                        {"api_slug", p.api_slug},
                        {"singular_noun", p.singular_noun},
                        {"plural_noun", p.plural_noun},
                        {"created_at", p.created_at}};
  }
  auto object = FindParent(txn, org_id, Target::kObjects, p.parent_object_id);
  if (!object.ok()) return object.status();
  json::array parent_object;
  if (object->has_value()) parent_object.emplace_back((*object)->api_slug);
  return json::object{{"id", json::object{{"workspace_id", org_id}, {"list_id", p.id}}},
                      {"api_slug", p.api_slug},
                      {"name", p.name},
                      {"parent_object", parent_object},
                      {"workspace_access", p.workspace_access},
                      {"workspace_member_access", p.workspace_member_access},
                      {"created_by_actor", p.created_by_actor},
                      {"created_at", p.created_at}};
}

}  // namespace meridian::api::attio
