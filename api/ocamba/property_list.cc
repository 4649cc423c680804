// Loading and listing profile properties (see property_list.h).
#include "api/ocamba/property_list.h"

#include <algorithm>
#include <charconv>

#include "api/auth.h"
#include "api/http.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::ocamba {
namespace json = boost::json;
namespace {

int64_t OrgCreatedMs(const storage::Txn& txn, const std::string& org_id) {
  auto org = storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id));
  return org.ok() && org->has_value() ? (*org)->created_at_ms() : 0;
}

std::optional<size_t> Number(std::string_view s, size_t min, size_t max) {
  size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return v;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The text fields `q` searches (Ocamba's searchable fields of a profile property).
const std::string* SearchableField(const Property& p, std::string_view name) {
  if (name == "target") return &p.target;
  if (name == "label") return &p.label;
  if (name == "description") return &p.description;
  return nullptr;
}

// Ocamba's filterable fields of a profile property; the flags among them are 0 or 1.
constexpr std::string_view kFilterable[] = {"id",         "target",      "label",      "data_type",
                                            "example",    "pi_data",     "system",     "importable",
                                            "exportable", "create_time", "update_time"};
constexpr std::string_view kFlags[] = {"pi_data", "system", "importable", "exportable"};

// The text a filter on `field` compares with: the field as the answer shows it.
std::string FilterText(std::string_view field, const Property& p) {
  if (field == "id") return p.id;
  if (field == "target") return p.target;
  if (field == "label") return p.label;
  if (field == "data_type") return p.data_type;
  if (field == "example") return p.example;
  if (field == "pi_data") return std::to_string(p.pi_data);
  if (field == "system") return p.system ? "1" : "0";
  if (field == "importable") return std::to_string(p.importable);
  if (field == "exportable") return std::to_string(p.exportable);
  if (field == "create_time") return FormatTime(p.create_ms);
  return FormatTime(p.update_ms);
}

bool Matches(const Property& p, const ListQuery& q) {
  for (const auto& [field, value] : q.filters) {
    if (FilterText(field, p) != value) return false;
  }
  if (q.q.empty()) return true;
  for (const std::string& name : q.q_fields) {
    const std::string* field = SearchableField(p, name);
    if (field != nullptr && Lower(*field).find(q.q) != std::string::npos) return true;
  }
  return false;
}

// -1, 0 or 1 as `a` sorts before, with or after `b` on `field`; nullopt for a field that
// cannot be sorted on. Ids compare as numbers, times as instants.
std::optional<int> CompareOn(std::string_view field, const Property& a, const Property& b) {
  auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (field == "id") {
    return a.id.size() != b.id.size() ? cmp(a.id.size(), b.id.size()) : cmp(a.id, b.id);
  }
  if (field == "target") return cmp(a.target, b.target);
  if (field == "label") return cmp(a.label, b.label);
  if (field == "data_type") return cmp(a.data_type, b.data_type);
  if (field == "example") return cmp(a.example, b.example);
  if (field == "description") return cmp(a.description, b.description);
  if (field == "export_alias") return cmp(a.export_alias, b.export_alias);
  if (field == "pi_data") return cmp(a.pi_data, b.pi_data);
  if (field == "system") return cmp(a.system, b.system);
  if (field == "importable") return cmp(a.importable, b.importable);
  if (field == "exportable") return cmp(a.exportable, b.exportable);
  if (field == "create_time") return cmp(a.create_ms, b.create_ms);
  if (field == "update_time") return cmp(a.update_ms, b.update_ms);
  return std::nullopt;
}

Result<std::vector<SortKey>> ParseSort(std::string_view list) {
  std::vector<SortKey> keys;
  for (std::string& item : SplitCommaList(list)) {
    SortKey key;
    if (!item.empty() && (item[0] == '-' || item[0] == '+')) {
      key.descending = item[0] == '-';
      item.erase(0, 1);
    }
    Property probe;
    if (!CompareOn(item, probe, probe)) {
      return Status::InvalidArgument("sort: " + item.substr(0, 64) + " is not a sortable field");
    }
    key.field = std::move(item);
    keys.push_back(std::move(key));
  }
  return keys;
}

Property WithTimes(Property p, const storage::Record& record) {
  p.create_ms = record.created_at_ms();
  p.update_ms = record.updated_at_ms();
  return p;
}

}  // namespace

Result<ListQuery> ParseListQuery(std::string_view query) {
  ListQuery out;
  if (query.find("%") != std::string_view::npos && !PercentDecode(query, true)) {
    return Status::InvalidArgument("The query string is not valid");
  }
  if (auto page = QueryParam(query, "page")) {
    size_t comma = page->find(',');
    auto n = Number(std::string_view(*page).substr(0, comma), 1, 1000000);
    std::optional<size_t> m = size_t{100};
    if (comma != std::string::npos) m = Number(std::string_view(*page).substr(comma + 1), 1, 1000);
    if (!n || !m) {
      return Status::InvalidArgument(
          "page must be N or N,M (page N from 1, M from 1 to 1000 per page)");
    }
    out.page = *n;
    out.per_page = *m;
  }
  if (auto sort = QueryParam(query, "sort")) {
    auto keys = ParseSort(*sort);
    if (!keys.ok()) return keys.status();
    out.sort = std::move(*keys);
  }
  if (auto q = QueryParam(query, "q")) {
    if (q->size() > 255) return Status::InvalidArgument("q must be at most 255 bytes");
    out.q = Lower(*q);
  }
  if (auto fields = QueryParam(query, "q_fields")) {
    out.q_fields = SplitCommaList(*fields);
    if (out.q_fields.empty()) return Status::InvalidArgument("q_fields names no field");
    const Property probe;
    for (const std::string& name : out.q_fields) {
      if (SearchableField(probe, name) == nullptr) {
        return Status::InvalidArgument("q_fields: " + name.substr(0, 64) +
                                       " is not searchable (target, label, description)");
      }
    }
  }
  for (std::string_view field : kFilterable) {
    auto value = QueryParam(query, field);
    if (!value) continue;
    const bool flag = std::find(std::begin(kFlags), std::end(kFlags), field) != std::end(kFlags);
    if (flag && *value != "0" && *value != "1") {
      return Status::InvalidArgument(std::string(field) + " must be 0 or 1");
    }
    if (value->size() > 255) {
      return Status::InvalidArgument(std::string(field) + " must be at most 255 bytes");
    }
    out.filters.emplace_back(field, std::move(*value));
  }
  return out;
}

Result<std::vector<Property>> LoadAll(const storage::Txn& txn, const std::string& org_id) {
  std::vector<Property> out = SystemProperties(OrgCreatedMs(txn, org_id));
  const size_t system_count = out.size();
  Status decode_error;
  MERIDIAN_RETURN_IF_ERROR(
      storage::ScanLive(txn, storage::NamespacePrefix(org_id, kPropsNamespace),
                        [&](std::string_view id, const storage::Record& record) {
                          auto prop = DecodeStored(id, record.value());
                          if (!prop.ok()) {
                            decode_error = prop.status();
                            return false;
                          }
                          out.push_back(WithTimes(std::move(*prop), record));
                          return true;
                        }));
  MERIDIAN_RETURN_IF_ERROR(decode_error);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(system_count), out.end(),
            [](const Property& a, const Property& b) {
              return a.create_ms != b.create_ms ? a.create_ms < b.create_ms : a.id < b.id;
            });
  return out;
}

Result<Property> LoadOne(const storage::Txn& txn, const std::string& org_id,
                         const std::string& id) {
  if (IsSystemId(id)) {
    for (auto& p : SystemProperties(OrgCreatedMs(txn, org_id))) {
      if (p.id == id) return p;
    }
  }
  auto record = storage::GetLiveRecord(txn, storage::DataKey(org_id, kPropsNamespace, id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return Status::NotFound("profile property " + id + " not found");
  auto prop = DecodeStored(id, (*record)->value());
  if (!prop.ok()) return prop.status();
  return WithTimes(std::move(*prop), **record);
}

json::object ListBody(const std::vector<Property>& all, const ListQuery& query) {
  std::vector<const Property*> matches;
  for (const Property& p : all) {
    if (Matches(p, query)) matches.push_back(&p);
  }
  if (!query.sort.empty()) {
    std::stable_sort(matches.begin(), matches.end(), [&](const Property* a, const Property* b) {
      for (const SortKey& key : query.sort) {
        const int c = CompareOn(key.field, *a, *b).value_or(0);
        if (c != 0) return key.descending ? c > 0 : c < 0;
      }
      return false;
    });
  }
  json::array items;
  const size_t first = query.per_page ? (query.page - 1) * *query.per_page : 0;
  const size_t end = query.per_page ? first + *query.per_page : matches.size();
  for (size_t i = first; i < matches.size() && i < end; ++i) items.push_back(ToJson(*matches[i]));
  return json::object{{"total", matches.size()}, {"items", std::move(items)}};
}

Status CheckCreate(const storage::Txn& txn, const std::string& prefix, const std::string& key,
                   const std::string& target) {
  size_t count = 0;
  bool taken = false;
  Status st = storage::ScanLive(txn, prefix, [&](std::string_view id, const storage::Record& r) {
    ++count;
    auto prop = DecodeStored(id, r.value());
    if (prop.ok() && prop->target == target) taken = true;
    return !taken;
  });
  MERIDIAN_RETURN_IF_ERROR(st);
  if (taken) return Status::Conflict("a profile property with the target " + target + " exists");
  if (count >= kMaxPropertiesPerOrg) {
    return Status::InvalidArgument("an organization has at most 500 profile properties");
  }
  auto existing = storage::GetLiveRecord(txn, key);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return Status::Conflict("property id collision; retry the request");
  return Status::Ok();
}

}  // namespace meridian::api::ocamba
