// Attribute buckets of an organization: the three that exist everywhere plus those the operator
// API creates (stored in the organization's "buckets" namespace, so they replicate). Key layout
// of attributes: tenant = org id, namespace = "attr:" + bucket. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "storage/base/status.h"
#include "storage/lmdb_env.h"
#include "storage/write_batch.h"

namespace meridian::api::slashid {

inline constexpr const char* kDefaultBuckets[] = {"end_user_no_access", "end_user_read_only",
                                                  "end_user_read_write"};
inline constexpr std::string_view kBucketsNs = "buckets";
inline constexpr size_t kMaxBucketNameBytes = 64;

// True for 1..64 characters of [a-z0-9_-].
bool IsValidBucketName(std::string_view name);
std::string AttributeNamespace(std::string_view bucket);
// Whether `bucket` exists for `org_id`.
Result<bool> BucketExists(const storage::Txn& txn, const std::string& org_id,
                          std::string_view bucket);
// Every bucket of the organization, sorted by name.
Result<std::vector<std::string>> ListBuckets(const storage::Txn& txn, const std::string& org_id);
// The bucket object of the API: name, sharing_scope, owner_organization_id, end_user_permissions.
std::string BucketJson(const std::string& org_id, std::string_view bucket);
// A batch creating `bucket` (Conflict if it exists, evaluated in the writer).
storage::WriteBatch CreateBucketBatch(const std::string& org_id, const std::string& bucket);

}  // namespace meridian::api::slashid
