// The account headers Swift gives a meaning beyond metadata, handled as Swift's middlewares do
// (docs/swift.md):
// - Quotas (swift/common/middleware/account_quotas.py): X-Account-Quota-Bytes,
//   X-Account-Quota-Count and the legacy X-Account-Meta-Quota-Bytes (with their X-Remove-*
//   forms) are set and removed by the reseller admin only, which is the operator's key here
//   (403 for any other key, 400 for a value that is not digits; an empty value removes). They are
//   never ordinary metadata; every reader of the account sees them as X-Account-Quota-*.
//   Meridian stores no objects, so a quota never refuses anything. An ordinary item named
//   quota-bytes stored before is never shown, and goes with the next quota change.
// - X-Account-Access-Control (TempAuth's account ACLs): its grantees are TempAuth users, which
//   Meridian does not have (access is its API keys and their scopes), so a POST carrying it is
//   refused with 400 rather than stored without effect.
// Pure functions over caller-owned requests and transactions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "api/http.h"
#include "storage/lmdb_env.h"
#include "storage/write_batch.h"

namespace meridian::api::swift {

// Tenant = organization id; names "quota-bytes", "quota-count"; value: the decimal digits.
inline constexpr std::string_view kQuotaNs = "swift:quota";

// True for the stored metadata names that are quotas, not metadata ("quota-bytes").
bool IsQuotaMetaName(std::string_view stored_name);

// The quota changes of a POST by name ("quota-bytes" | "quota-count"); "" removes.
struct QuotaUpdate {
  std::map<std::string, std::string> changes;
};
// `reseller`: the caller is the operator. PermissionDenied when a non-reseller names a quota,
// InvalidArgument for a value that is not digits or a storage-policy quota, and for
// X-Account-Access-Control.
Result<QuotaUpdate> ParseAccountControls(const Request& req, bool reseller);

// Adds the puts and deletes of `update` to `batch`.
void AddQuotaMutations(const std::string& org_id, const QuotaUpdate& update,
                       storage::WriteBatch& batch);

// The account's quotas, by stored name.
Result<std::map<std::string, std::string>> ReadQuotas(const storage::Txn& txn,
                                                      const std::string& org_id);

// How a quota is shown: "quota-bytes" -> "X-Account-Quota-Bytes".
std::string QuotaHeader(std::string_view stored_name);

}  // namespace meridian::api::swift
