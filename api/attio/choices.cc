// Select options and statuses (see choices.h).
#include "api/attio/choices.h"

#include <algorithm>
#include <tuple>

#include "api/attio/attribute_store.h"
#include "api/attio/errors.h"
#include "api/http.h"
#include "storage/records.h"

namespace meridian::api::attio {
namespace json = boost::json;
using K = storage::Mutation::Kind;
namespace {

std::string RecordsNsOf(ChoiceKind kind, std::string_view attribute_id) {
  return std::string(kind == ChoiceKind::kOption ? "attio:options:" : "attio:statuses:") +
         std::string(attribute_id);
}
std::string TitlesNsOf(ChoiceKind kind, std::string_view attribute_id) {
  return std::string(kind == ChoiceKind::kOption ? "attio:option_titles:"
                                                 : "attio:status_titles:") +
         std::string(attribute_id);
}
std::string_view Noun(ChoiceKind kind) {
  return kind == ChoiceKind::kOption ? "select option" : "status";
}

std::string Encode(const Choice& c) {
  json::object o{{"id", c.id},
                 {"title", c.title},
                 {"is_archived", c.is_archived},
                 {"created_at", c.created_at}};
  o["celebration_enabled"] = c.celebration_enabled;
  o["target_time_in_status"] =
      c.target_time_in_status ? json::value(*c.target_time_in_status) : json::value(nullptr);
  return json::serialize(o);
}

Result<Choice> Decode(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::Corruption("undecodable select option or status");
  const json::object& o = v.as_object();
  Choice c;
  try {
    c.id = o.at("id").as_string();
    c.title = o.at("title").as_string();
    c.is_archived = o.at("is_archived").as_bool();
    c.created_at = o.at("created_at").as_string();
    c.celebration_enabled = o.at("celebration_enabled").as_bool();
    if (o.at("target_time_in_status").is_string()) {
      c.target_time_in_status = std::string(o.at("target_time_in_status").as_string());
    }
  } catch (const std::exception&) {
    return Status::Corruption("undecodable select option or status");
  }
  return c;
}

json::object Render(const std::string& org_id, const AttributeDef& attribute, ChoiceKind kind,
                    const Choice& c) {
  json::object o{
      {"id", json::object{{"workspace_id", org_id},
                          {"object_id", attribute.parent_id},
                          {"attribute_id", attribute.id},
                          {kind == ChoiceKind::kOption ? "option_id" : "status_id", c.id}}},
      {"title", c.title},
      {"is_archived", c.is_archived}};
  if (kind == ChoiceKind::kStatus) {
    o["celebration_enabled"] = c.celebration_enabled;
    o["target_time_in_status"] =
        c.target_time_in_status ? json::value(*c.target_time_in_status) : json::value(nullptr);
  }
  return o;
}

// The attribute the path names, of the kind's type: 404 not_found otherwise.
Result<AttributeDef> ScopeAttribute(const storage::Txn& txn, const ChoiceScope& s,
                                    ChoiceKind kind) {
  auto parent = FindParent(txn, s.org_id, s.target, s.parent_identifier);
  if (!parent.ok()) return parent.status();
  if (!parent->has_value()) {
    return NotFoundError(std::string(s.target == Target::kLists ? "list" : "object") + " \"" +
                         s.parent_identifier + "\" not found");
  }
  auto def = FindAttribute(txn, s.org_id, **parent, s.attribute_identifier);
  if (!def.ok()) return def.status();
  if (!def->has_value()) {
    return NotFoundError("attribute \"" + s.attribute_identifier + "\" not found");
  }
  if ((*def)->type != ChoiceType(kind)) {
    return NotFoundError("attribute \"" + s.attribute_identifier + "\" is not a " +
                         std::string(ChoiceType(kind)) + " attribute: it has no " +
                         std::string(Noun(kind)) + "s");
  }
  return std::move(**def);
}

Result<std::optional<Choice>> Stored(const storage::Txn& txn, const std::string& org_id,
                                     ChoiceKind kind, const std::string& attribute_id,
                                     const std::string& id) {
  auto record =
      storage::GetLiveRecord(txn, storage::DataKey(org_id, RecordsNsOf(kind, attribute_id), id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return std::optional<Choice>();
  auto c = Decode((*record)->value());
  if (!c.ok()) return c.status();
  return std::optional<Choice>(std::move(*c));
}

// The choice named by `identifier`: its UUID, else its title.
Result<std::optional<Choice>> FindChoice(const storage::Txn& txn, const std::string& org_id,
                                         ChoiceKind kind, const std::string& attribute_id,
                                         const std::string& identifier) {
  if (IsUuid(identifier)) {
    std::string id = identifier;
    for (char& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto by_id = Stored(txn, org_id, kind, attribute_id, id);
    if (!by_id.ok() || by_id->has_value()) return by_id;
  }
  if (identifier.empty() || identifier.size() > kMaxChoiceTitleBytes) {
    return std::optional<Choice>();
  }
  auto index = storage::GetLiveRecord(
      txn, storage::DataKey(org_id, TitlesNsOf(kind, attribute_id), identifier));
  if (!index.ok()) return index.status();
  if (!index->has_value()) return std::optional<Choice>();
  return Stored(txn, org_id, kind, attribute_id, std::string((*index)->value()));
}

Status TitleFree(const storage::Txn& txn, const std::string& org_id, ChoiceKind kind,
                 const AttributeDef& attribute, const std::string& title) {
  auto taken =
      storage::GetLiveRecord(txn, storage::DataKey(org_id, TitlesNsOf(kind, attribute.id), title));
  if (!taken.ok()) return taken.status();
  if (!taken->has_value()) return Status::Ok();
  return Coded(Status::Code::kConflict, kCodeSlugConflict,
               "the " + std::string(Noun(kind)) + " title \"" + title +
                   "\" is already in use on the attribute \"" + attribute.api_slug + "\"");
}

void AddPuts(const std::string& org_id, ChoiceKind kind, const AttributeDef& attribute,
             const Choice& c, std::vector<storage::Mutation>& extra) {
  extra.push_back(
      {K::kPut, storage::DataKey(org_id, RecordsNsOf(kind, attribute.id), c.id), Encode(c)});
  extra.push_back(
      {K::kPut, storage::DataKey(org_id, TitlesNsOf(kind, attribute.id), c.title), c.id});
}

// The object under "data", with only `allowed` members.
Result<const json::object*> Data(const json::value& body,
                                 std::initializer_list<std::string_view> allowed) {
  const json::object* root = body.if_object();
  const json::value* data = root != nullptr ? root->if_contains("data") : nullptr;
  if (data == nullptr || !data->is_object() || root->size() != 1) {
    return Invalid("request body must be a JSON object {\"data\": {...}}");
  }
  for (const auto& [key, v] : data->as_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Invalid("unknown field \"" + std::string(key) + "\" in data");
    }
  }
  return &data->as_object();
}

Result<std::string> Title(const json::value& v) {
  if (!v.is_string() || v.as_string().empty() || v.as_string().size() > kMaxChoiceTitleBytes) {
    return Invalid("title must be a string of 1 to 256 bytes");
  }
  return std::string(v.as_string());
}

Result<bool> Flag(const json::value& v, std::string_view name) {
  if (!v.is_bool()) return Invalid(std::string(name) + " must be true or false");
  return v.as_bool();
}

Result<std::optional<std::string>> Duration(const json::value& v) {
  if (v.is_null()) return std::optional<std::string>();
  if (!v.is_string() || !IsIsoDuration(v.as_string())) {
    return Invalid("target_time_in_status must be an ISO 8601 duration (e.g. P1DT12H) or null");
  }
  return std::optional<std::string>(std::string(v.as_string()));
}

}  // namespace

std::string_view ChoiceType(ChoiceKind kind) {
  return kind == ChoiceKind::kOption ? "select" : "status";
}

bool IsIsoDuration(std::string_view s) {
  if (s.size() < 3 || s.size() > 64 || s[0] != 'P') return false;
  bool time = false, any = false;
  std::string_view units = "YMWD";
  size_t i = 1;
  while (i < s.size()) {
    if (s[i] == 'T') {
      if (time || i + 1 == s.size()) return false;
      time = true;
      units = "HMS";
      ++i;
      continue;
    }
    size_t digits = 0, dot = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
      (s[i] == '.' ? dot : digits)++;
      ++i;
    }
    if (digits == 0 || dot > 1 || i == s.size()) return false;
    const size_t unit = units.find(s[i]);
    if (unit == std::string_view::npos || (dot == 1 && s[i] != 'S')) return false;
    units.remove_prefix(unit + 1);  // units in order, each at most once
    any = true;
    ++i;
  }
  return any;
}

Result<Choice> ParseChoiceCreate(const json::value& body, ChoiceKind kind) {
  auto data = kind == ChoiceKind::kOption
                  ? Data(body, {"title"})
                  : Data(body, {"title", "celebration_enabled", "target_time_in_status"});
  if (!data.ok()) return data.status();
  const json::object& o = **data;
  if (!o.contains("title")) return Invalid("data.title is required");
  Choice c;
  auto title = Title(o.at("title"));
  if (!title.ok()) return title.status();
  c.title = std::move(*title);
  if (const json::value* v = o.if_contains("celebration_enabled")) {
    auto flag = Flag(*v, "celebration_enabled");
    if (!flag.ok()) return flag.status();
    c.celebration_enabled = *flag;
  }
  if (const json::value* v = o.if_contains("target_time_in_status")) {
    auto duration = Duration(*v);
    if (!duration.ok()) return duration.status();
    c.target_time_in_status = std::move(*duration);
  }
  return c;
}

Result<ChoicePatch> ParseChoicePatch(const json::value& body, ChoiceKind kind) {
  auto data =
      kind == ChoiceKind::kOption
          ? Data(body, {"title", "is_archived"})
          : Data(body, {"title", "is_archived", "celebration_enabled", "target_time_in_status"});
  if (!data.ok()) return data.status();
  ChoicePatch p;
  for (const auto& [key, v] : **data) {
    if (key == "title") {
      auto title = Title(v);
      if (!title.ok()) return title.status();
      p.title = std::move(*title);
    } else if (key == "target_time_in_status") {
      auto duration = Duration(v);
      if (!duration.ok()) return duration.status();
      p.target_time_in_status = std::move(*duration);
    } else {
      auto flag = Flag(v, key);
      if (!flag.ok()) return flag.status();
      (key == "is_archived" ? p.is_archived : p.celebration_enabled) = *flag;
    }
  }
  return p;
}

Result<json::array> ListChoices(const storage::Txn& txn, const ChoiceScope& scope, ChoiceKind kind,
                                bool archived) {
  auto attribute = ScopeAttribute(txn, scope, kind);
  if (!attribute.ok()) return attribute.status();
  std::vector<Choice> all;
  Status decode_error;
  MERIDIAN_RETURN_IF_ERROR(storage::ScanLive(
      txn, storage::NamespacePrefix(scope.org_id, RecordsNsOf(kind, attribute->id)),
      [&](auto, const auto& record) {
        auto c = Decode(record.value());
        if (!c.ok()) {
          decode_error = c.status();
          return false;
        }
        if (archived || !c->is_archived) all.push_back(std::move(*c));
        return true;
      }));
  MERIDIAN_RETURN_IF_ERROR(decode_error);
  std::sort(all.begin(), all.end(), [](const Choice& a, const Choice& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  json::array out;
  for (const auto& c : all) out.emplace_back(Render(scope.org_id, *attribute, kind, c));
  return out;
}

storage::WriteBatch CreateChoiceBatch(ChoiceScope scope, ChoiceKind kind, Choice choice,
                                      std::shared_ptr<ChoiceOutcome> outcome) {
  storage::WriteBatch batch;
  batch.prepare = [scope = std::move(scope), kind, choice = std::move(choice), outcome](
                      const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, scope.org_id));
    auto attribute = ScopeAttribute(txn, scope, kind);
    if (!attribute.ok()) return attribute.status();
    MERIDIAN_RETURN_IF_ERROR(TitleFree(txn, scope.org_id, kind, *attribute, choice.title));
    AddPuts(scope.org_id, kind, *attribute, choice, extra);
    outcome->body = Render(scope.org_id, *attribute, kind, choice);
    return Status::Ok();
  };
  return batch;
}

storage::WriteBatch UpdateChoiceBatch(ChoiceScope scope, ChoiceKind kind, std::string identifier,
                                      ChoicePatch patch, std::shared_ptr<ChoiceOutcome> outcome) {
  storage::WriteBatch batch;
  batch.prepare = [scope = std::move(scope), kind, identifier = std::move(identifier),
                   patch = std::move(patch),
                   outcome](const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, scope.org_id));
    auto attribute = ScopeAttribute(txn, scope, kind);
    if (!attribute.ok()) return attribute.status();
    auto found = FindChoice(txn, scope.org_id, kind, attribute->id, identifier);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return Coded(Status::Code::kInvalidArgument, kCodeValueNotFound,
                   std::string(Noun(kind)) + " \"" + identifier +
                       "\" not found on the attribute \"" + attribute->api_slug + "\"");
    }
    const Choice& before = **found;
    Choice after = before;
    if (patch.title) after.title = *patch.title;
    if (patch.is_archived) after.is_archived = *patch.is_archived;
    if (patch.celebration_enabled) after.celebration_enabled = *patch.celebration_enabled;
    if (patch.target_time_in_status) after.target_time_in_status = *patch.target_time_in_status;
    if (after.title != before.title) {
      MERIDIAN_RETURN_IF_ERROR(TitleFree(txn, scope.org_id, kind, *attribute, after.title));
      extra.push_back(
          {K::kDelete,
           storage::DataKey(scope.org_id, TitlesNsOf(kind, attribute->id), before.title),
           {}});
    }
    // A patch that changes nothing writes nothing; its answer rests on the stored choice.
    if (Encode(after) != Encode(before)) {
      AddPuts(scope.org_id, kind, *attribute, after, extra);
    } else {
      extra.push_back({K::kObserve,
                       storage::DataKey(scope.org_id, RecordsNsOf(kind, attribute->id), before.id),
                       {}});
    }
    outcome->body = Render(scope.org_id, *attribute, kind, after);
    return Status::Ok();
  };
  return batch;
}

}  // namespace meridian::api::attio
