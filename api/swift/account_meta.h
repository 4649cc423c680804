// Swift account metadata: parsing a POST's X-Account-Meta-* / X-Remove-Account-Meta-* headers
// with Swift's default constraints and messages, the merged-state check run in the writer, the
// key layout (tenant = organization id, namespace "swift:meta", name = lowercased metadata
// name with '_' as '-', value = the raw header value) and reading it back. Pure functions over
// caller-owned requests and transactions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"
#include "storage/keys.h"
#include "storage/lmdb_env.h"
#include "storage/write_batch.h"

namespace meridian::api::swift {

inline constexpr std::string_view kMetaNs = "swift:meta";
inline constexpr std::string_view kMetaPrefix = "x-account-meta-";
inline constexpr std::string_view kRemovePrefix = "x-remove-account-meta-";

// Swift's DEFAULT_CONSTRAINTS (swift/common/constraints.py).
inline constexpr size_t kMaxMetaNameLength = 128;
inline constexpr size_t kMaxMetaValueLength = 256;
inline constexpr size_t kMaxMetaCount = 90;
inline constexpr size_t kMaxMetaOverallSize = 4096;
inline constexpr size_t kMaxHeaderSize = 8192;
inline constexpr size_t kMaxAccountNameLength = 256;
inline constexpr size_t kAccountListingLimit = 10000;
// Names are bytes; `<org>\0swift:meta\0<name>` always fits LMDB (storage/keys.h).
static_assert(storage::KeyFits(kMetaNs.size(), kMaxMetaNameLength));

// One POST's changes, by stored name. An empty value removes the item.
struct MetaUpdate {
  std::map<std::string, std::string> changes;
};

// The stored form of a metadata name: ASCII lowercased, '_' turned into '-' (as Swift does).
std::string NormalizeName(std::string_view name);
// How Swift shows a name: Python's str.title() ("temp-url-key" -> "Temp-Url-Key").
std::string TitleCase(std::string_view name);
// True for the Temp-URL keys, which only the account's owner sees.
bool IsTempUrlKey(std::string_view stored_name);
// True if `s` is valid UTF-8 without NUL (Swift's check_utf8).
bool IsValidUtf8(std::string_view s);

// The metadata changes of `req`, checked as Swift's check_metadata does: the first violation
// is InvalidArgument with Swift's plain-text reason. Repeated headers of one name are joined
// with ", " (as a WSGI server does); a set beats a remove of the same name.
Result<MetaUpdate> ParseMetaUpdate(const Request& req);

// Checks the merged state `stored` + `update` against the count and overall-size limits
// (counting non-empty values, as Swift's account server does). A write that grows neither the
// count nor the size is accepted even when the stored state is already over them (possible
// after concurrent writes in two regions merged), so such an account can always be trimmed.
Status CheckMerged(const std::map<std::string, std::string>& stored, const MetaUpdate& update);

// The batch applying `update` to `org_id`'s account; its `prepare` runs CheckMerged on the
// writer's current state, so nothing is written when the merged result is refused.
storage::WriteBatch UpdateBatch(const std::string& org_id, const MetaUpdate& update);

// Every live record of namespace `ns` in `org_id`'s tenant, by name.
Result<std::map<std::string, std::string>> ReadNamespace(const storage::Txn& txn,
                                                         const std::string& org_id,
                                                         std::string_view ns);
// Every stored item of `org_id`'s account, by stored name.
Result<std::map<std::string, std::string>> ReadMeta(const storage::Txn& txn,
                                                    const std::string& org_id);

}  // namespace meridian::api::swift
