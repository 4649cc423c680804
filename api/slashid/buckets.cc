// Attribute bucket registry (see buckets.h).
#include "api/slashid/buckets.h"

#include <algorithm>

#include "api/json_util.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::slashid {

bool IsValidBucketName(std::string_view name) {
  if (name.empty() || name.size() > kMaxBucketNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string AttributeNamespace(std::string_view bucket) { return "attr:" + std::string(bucket); }

Result<bool> BucketExists(const storage::Txn& txn, const std::string& org_id,
                          std::string_view bucket) {
  for (const char* b : kDefaultBuckets) {
    if (bucket == b) return true;
  }
  if (!IsValidBucketName(bucket)) return false;
  auto record = storage::GetLiveRecord(txn, storage::DataKey(org_id, kBucketsNs, bucket));
  if (!record.ok()) return record.status();
  return record->has_value();
}

Result<std::vector<std::string>> ListBuckets(const storage::Txn& txn, const std::string& org_id) {
  auto names = storage::LiveNames(txn, storage::NamespacePrefix(org_id, kBucketsNs));
  if (!names.ok()) return names.status();
  std::vector<std::string> all(std::begin(kDefaultBuckets), std::end(kDefaultBuckets));
  all.insert(all.end(), names->begin(), names->end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

std::string BucketJson(const std::string& org_id, std::string_view bucket) {
  std::string_view permissions = bucket == "end_user_read_only"   ? "read_only"
                                 : bucket == "end_user_no_access" ? "no_access"
                                                                  : "read_write";
  return "{\"name\":" + JsonQuote(bucket) +
         ",\"sharing_scope\":\"organization\",\"owner_organization_id\":" + JsonQuote(org_id) +
         ",\"end_user_permissions\":\"" + std::string(permissions) + "\"}";
}

storage::WriteBatch CreateBucketBatch(const std::string& org_id, const std::string& bucket) {
  storage::WriteBatch batch;
  batch.Put(storage::DataKey(org_id, kBucketsNs, bucket), BucketJson(org_id, bucket));
  batch.prepare = [org_id, bucket](const storage::Txn& txn, std::vector<storage::Mutation>&) {
    auto exists = BucketExists(txn, org_id, bucket);
    if (!exists.ok()) return exists.status();
    if (*exists) return Status::Conflict("attribute bucket " + bucket + " already exists");
    return Status::Ok();
  };
  return batch;
}

}  // namespace meridian::api::slashid
