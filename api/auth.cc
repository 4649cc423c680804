// API keys, scopes and the admin key (see auth.h).
#include "api/auth.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <boost/json.hpp>
#include <future>

#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api {
namespace json = boost::json;
namespace {

std::string ToHex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

std::string_view PresentedKey(const Request& req) {
  if (auto it = req.find(http::field::authorization); it != req.end()) {
    std::string_view v = it->value();
    // The scheme is case-insensitive (RFC 9110 11.1).
    if (v.size() > 7 && boost::beast::iequals(v.substr(0, 7), "Bearer ")) {
      return v.substr(7);
    }
  }
  if (auto it = req.find("SlashID-API-Key"); it != req.end()) return it->value();
  if (auto it = req.find("X-Auth-Token"); it != req.end()) return it->value();
  return {};
}

// Compares two hex digests without an early exit.
bool SameDigest(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

uint8_t ScopeFromName(std::string_view name) {
  if (name == "read") return kScopeRead;
  if (name == "write") return kScopeWrite;
  if (name == "schema") return kScopeSchema;
  if (name == "admin") return kScopeAdmin;
  return 0;
}

std::vector<std::string> ScopeNames(uint8_t scopes) {
  std::vector<std::string> names;
  for (auto [bit, name] : {std::pair{kScopeRead, "read"}, std::pair{kScopeWrite, "write"},
                           std::pair{kScopeSchema, "schema"}, std::pair{kScopeAdmin, "admin"}}) {
    if (scopes & bit) names.emplace_back(name);
  }
  return names;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return ToHex(digest, sizeof digest);
}

std::string NewSecret(std::string_view prefix) {
  unsigned char bytes[20];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: never issue weak keys
  return std::string(prefix) + ToHex(bytes, sizeof bytes);
}

Authenticator::Authenticator(storage::Store* store, std::optional<std::string> admin_token)
    : store_(store) {
  if (admin_token && !admin_token->empty()) admin_hash_ = Sha256Hex(*admin_token);
}

Result<std::optional<std::string>> Authenticator::EnsureAdminKey() {
  if (!admin_hash_.empty()) return std::optional<std::string>();
  const std::string key = storage::DataKey(storage::kSystemTenant, kOperatorNs, "admin_key_sha256");
  {
    auto txn = store_->Read();
    if (!txn.ok()) return txn.status();
    auto existing = storage::GetLiveRecord(*txn, key);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return std::optional<std::string>();
  }
  std::string secret = NewSecret("mrd_admin_");
  storage::WriteBatch batch;
  batch.Put(key, Sha256Hex(secret));
  std::promise<Status> committed;
  store_->Submit(std::move(batch), [&](Result<storage::CommitInfo> r) {
    committed.set_value(r.ok() ? Status::Ok() : r.status());
  });
  MERIDIAN_RETURN_IF_ERROR(committed.get_future().get());
  return std::optional<std::string>(std::move(secret));
}

Result<Principal> Authenticator::Authenticate(const Request& req, const storage::Txn& txn) const {
  std::string_view presented = PresentedKey(req);
  if (presented.empty()) return Status::Unauthenticated("missing API key");
  return AuthenticateHash(Sha256Hex(presented), txn);
}

Result<Principal> Authenticator::AuthenticateHash(const std::string& hash,
                                                  const storage::Txn& txn) const {
  std::string admin_hash = admin_hash_;
  if (admin_hash.empty()) {
    auto stored = storage::GetLiveRecord(
        txn, storage::DataKey(storage::kSystemTenant, kOperatorNs, "admin_key_sha256"));
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) admin_hash = (*stored)->value();
  }
  if (!admin_hash.empty() && SameDigest(hash, admin_hash)) {
    Principal admin;
    admin.operator_admin = true;
    admin.key_id = "operator";
    admin.scopes = kScopeRead | kScopeWrite | kScopeSchema | kScopeAdmin;
    return admin;
  }
  auto record =
      storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kKeysNs, hash));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return Status::Unauthenticated("invalid API key");
  boost::system::error_code ec;
  json::value doc = json::parse((*record)->value(), ec);
  if (ec || !doc.is_object()) return Status::Corruption("undecodable API key record");
  const json::object& obj = doc.as_object();
  Principal who;
  if (auto* v = obj.if_contains("organization_id"); v && v->is_string())
    who.org_id = v->as_string();
  if (auto* v = obj.if_contains("id"); v && v->is_string()) who.key_id = v->as_string();
  if (auto* v = obj.if_contains("scopes"); v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (s.is_string()) who.scopes |= ScopeFromName(s.as_string());
    }
  }
  return who;
}

Result<bool> Authenticator::OrgExists(const std::string& org_id, const storage::Txn& txn) const {
  auto record =
      storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) return record.status();
  return record->has_value();
}

Status Authenticator::Authorize(const Principal& who, const std::string& org_id, uint8_t scope,
                                const storage::Txn& txn) const {
  if (!who.operator_admin) {
    if (who.org_id != org_id)
      return Status::PermissionDenied("key may not access this organization");
    if ((who.scopes & scope) == 0) return Status::PermissionDenied("key lacks the required scope");
    return Status::Ok();
  }
  auto exists = OrgExists(org_id, txn);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::NotFound("organization not found");
  return Status::Ok();
}

}  // namespace meridian::api
