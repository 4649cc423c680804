// Select options and statuses: the values a `select` or `status` attribute may take
// (Attio's /v2/{target}/{identifier}/attributes/{attribute}/options and /statuses). Stored
// beside the attribute, replicated like every other key. Layout (tenant = organization id):
//   attio:options:<attribute_id> / <option_id>       -> option JSON
//   attio:option_titles:<attribute_id> / <title>     -> option_id
//   attio:statuses:<attribute_id> / <status_id>      -> status JSON
//   attio:status_titles:<attribute_id> / <title>     -> status_id
// Titles are unique per attribute (409 slug_conflict, archived ones included). Every check that
// depends on stored state runs in the batch's precondition, inside the writer's transaction.
// Stateless functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/attio/attribute_model.h"
#include "storage/keys.h"
#include "storage/write_batch.h"

namespace meridian::api::attio {

enum class ChoiceKind { kOption, kStatus };

// The attribute type a kind belongs to ("select" | "status").
std::string_view ChoiceType(ChoiceKind kind);

inline constexpr size_t kMaxChoiceTitleBytes = 256;
// `<org>\0attio:status_titles:<attribute uuid>\0<title>` always fits LMDB (storage/keys.h).
static_assert(storage::KeyFits(std::string_view("attio:status_titles:").size() + 36,
                               kMaxChoiceTitleBytes));
// ISO 8601 duration of target_time_in_status: P[nY][nM][nW][nD][T[nH][nM][n[.n]S]], not "P"/"PT".
bool IsIsoDuration(std::string_view s);

struct Choice {
  std::string id;
  std::string title;
  bool is_archived = false;
  // Statuses only.
  bool celebration_enabled = false;
  std::optional<std::string> target_time_in_status;
  std::string created_at;  // listing order
};

// A parsed create body `{"data": {"title", ...}}`; a status also takes `celebration_enabled`
// and `target_time_in_status`. 400 validation_type naming the first problem.
Result<Choice> ParseChoiceCreate(const boost::json::value& body, ChoiceKind kind);

struct ChoicePatch {
  std::optional<std::string> title;
  std::optional<bool> is_archived;
  std::optional<bool> celebration_enabled;                          // statuses only
  std::optional<std::optional<std::string>> target_time_in_status;  // statuses only
};
// A parsed update body `{"data": {...}}`: only the fields sent.
Result<ChoicePatch> ParseChoicePatch(const boost::json::value& body, ChoiceKind kind);

// Where a choice lives: the attribute's path, resolved inside the reader or the writer.
struct ChoiceScope {
  std::string org_id;
  Target target = Target::kObjects;
  std::string parent_identifier;
  std::string attribute_identifier;
};

// Every choice of the attribute, oldest first (archived ones only with `archived`): 404
// not_found for an unknown parent or attribute or an attribute of another type.
Result<boost::json::array> ListChoices(const storage::Txn& txn, const ChoiceScope& scope,
                                       ChoiceKind kind, bool archived);

struct ChoiceOutcome {
  boost::json::object body;  // the API object of the created or updated choice
};

// Creates `choice` (its id and created_at set by the caller). 404 as ListChoices, 409
// slug_conflict for a title in use.
storage::WriteBatch CreateChoiceBatch(ChoiceScope scope, ChoiceKind kind, Choice choice,
                                      std::shared_ptr<ChoiceOutcome> outcome);
// Applies `patch` to the choice named by `identifier` (UUID or title): 404 as ListChoices,
// 400 value_not_found for an unknown choice, 409 slug_conflict for a title in use.
storage::WriteBatch UpdateChoiceBatch(ChoiceScope scope, ChoiceKind kind, std::string identifier,
                                      ChoicePatch patch, std::shared_ptr<ChoiceOutcome> outcome);

}  // namespace meridian::api::attio
