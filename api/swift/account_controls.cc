// Account quotas and the ACL refusal (see account_controls.h).
#include "api/swift/account_controls.h"

#include <algorithm>

#include "api/swift/account_meta.h"
#include "storage/keys.h"

namespace meridian::api::swift {
namespace {

constexpr std::string_view kQuotaNames[] = {"quota-bytes", "quota-count"};

// The value of header `name`, or nullopt when absent (an empty value is present).
std::optional<std::string_view> HeaderOf(const Request& req, std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value());
}

bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  return std::equal(lower_prefix.begin(), lower_prefix.end(), s.begin(), [](char p, char c) {
    return p == ((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  });
}

}  // namespace

bool IsQuotaMetaName(std::string_view stored_name) { return stored_name == "quota-bytes"; }

std::string QuotaHeader(std::string_view stored_name) {
  return "X-Account-" + TitleCase(stored_name);
}

Result<QuotaUpdate> ParseAccountControls(const Request& req, bool reseller) {
  if (HeaderOf(req, "X-Account-Access-Control")) {
    return Status::InvalidArgument(
        "X-Account-Access-Control is not supported: access to a Meridian account is granted by "
        "API keys and their scopes");
  }
  QuotaUpdate update;
  bool named = false;  // a quota header whose presence alone needs the reseller
  for (std::string_view name : kQuotaNames) {
    const std::string shown = TitleCase(name);
    std::optional<std::string_view> set = HeaderOf(req, "X-Account-" + shown);
    std::optional<std::string_view> remove = HeaderOf(req, "X-Remove-Account-" + shown);
    // The legacy X-Account-Meta-Quota-Bytes stands in for X-Account-Quota-Bytes when that is
    // absent or empty (account_quotas.py).
    if (IsQuotaMetaName(name)) {
      auto legacy = HeaderOf(req, "X-Account-Meta-" + shown);
      if (legacy && (!set || set->empty())) set = legacy;
      auto legacy_remove = HeaderOf(req, "X-Remove-Account-Meta-" + shown);
      if (legacy_remove && (!remove || remove->empty())) remove = legacy_remove;
    }
    std::optional<std::string> change;
    if (set) change = std::string(*set);
    if (remove && !remove->empty()) change = "";  // a remove dominates
    if (!change) continue;
    named = true;
    const bool digits =
        std::all_of(change->begin(), change->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (reseller && !digits) {
      return Status::InvalidArgument("Bad Request: " + QuotaHeader(name) +
                                     " must be a non-negative integer");
    }
    update.changes[std::string(name)] = std::move(*change);
  }
  for (const auto& field : req) {
    const std::string_view header = field.name_string();
    if (StartsWithNoCase(header, "x-account-quota-bytes-policy-") ||
        StartsWithNoCase(header, "x-account-quota-count-policy-") ||
        StartsWithNoCase(header, "x-remove-account-quota-bytes-policy-") ||
        StartsWithNoCase(header, "x-remove-account-quota-count-policy-")) {
      if (!reseller) {
        return Status::PermissionDenied("Forbidden: only the reseller admin may set quotas");
      }
      return Status::InvalidArgument("Bad Request: Meridian has no storage policies (" +
                                     std::string(header) + ")");
    }
  }
  if (named && !reseller) {
    return Status::PermissionDenied(
        "Forbidden: only the reseller admin (the operator's key) may set or remove account quotas");
  }
  return update;
}

void AddQuotaMutations(const std::string& org_id, const QuotaUpdate& update,
                       storage::WriteBatch& batch) {
  for (const auto& [name, value] : update.changes) {
    // An ordinary item of the legacy name (stored before quotas were told apart) goes too.
    if (IsQuotaMetaName(name)) batch.Delete(storage::DataKey(org_id, kMetaNs, name));
    std::string key = storage::DataKey(org_id, kQuotaNs, name);
    if (value.empty()) {
      batch.Delete(std::move(key));
    } else {
      batch.Put(std::move(key), value);
    }
  }
}

Result<std::map<std::string, std::string>> ReadQuotas(const storage::Txn& txn,
                                                      const std::string& org_id) {
  return ReadNamespace(txn, org_id, kQuotaNs);
}

}  // namespace meridian::api::swift
