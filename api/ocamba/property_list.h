// Reading profile properties out of the store for the Ocamba handlers: one property (system or
// stored), every property of an organization, the list query (page, sort, q, q_fields, filters:
// Ocamba's list conventions) and its answer, and the create precondition run inside the writer.
// Stateless; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/ocamba/property.h"
#include "storage/lmdb_env.h"

namespace meridian::api::ocamba {

// One key of `sort=a,-b`: a property field, ascending unless written with a leading '-'.
struct SortKey {
  std::string field;
  bool descending = false;
};

struct ListQuery {
  size_t page = 1;                 // `page=N,M`: page N (from 1) of M items
  std::optional<size_t> per_page;  // none: every item
  std::vector<SortKey> sort;       // applied in order, over the default order (stable)
  std::string q;                   // case-insensitive substring of the q_fields
  // `q_fields=a,b`: the fields q searches.
  std::vector<std::string> q_fields = {"target", "label", "description"};
  // `field=value` for each filterable field sent: the answer's text of the field must equal
  // value (flags: 0 or 1; times: "YYYY-MM-DD HH:MM:SS").
  std::vector<std::pair<std::string, std::string>> filters;
};

// InvalidArgument for a malformed page, sort, q, q_fields or filter (a field that cannot be
// sorted or searched included, a flag other than 0 or 1); other parameters are ignored.
Result<ListQuery> ParseListQuery(std::string_view query);

// The system properties first (in id order), then the stored ones by creation time and id.
Result<std::vector<Property>> LoadAll(const storage::Txn& txn, const std::string& org_id);
// NotFound if `id` is neither a system property nor stored in the organization.
Result<Property> LoadOne(const storage::Txn& txn, const std::string& org_id, const std::string& id);

// {"total": <matches>, "items": [<the requested page of matches>]}.
boost::json::object ListBody(const std::vector<Property>& all, const ListQuery& query);

// The create precondition: Conflict if another property of the organization (under `prefix`)
// has `target` or `key` is taken; InvalidArgument at kMaxPropertiesPerOrg.
Status CheckCreate(const storage::Txn& txn, const std::string& prefix, const std::string& key,
                   const std::string& target);

}  // namespace meridian::api::ocamba
