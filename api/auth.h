// Authentication and authorization: API keys (stored only as SHA-256 hashes, in the system
// tenant so they replicate like data), scopes, organizations, and the operator's admin key.
// Thread-safe after construction; lookups run on the caller's read transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "storage/lmdb_env.h"
#include "storage/store.h"

namespace meridian::api {

enum Scope : uint8_t { kScopeRead = 1, kScopeWrite = 2, kScopeSchema = 4, kScopeAdmin = 8 };

// Parses a scope name ("read", ...); 0 if unknown.
uint8_t ScopeFromName(std::string_view name);
std::vector<std::string> ScopeNames(uint8_t scopes);

struct Principal {
  bool operator_admin = false;  // the operator's key: every organization, every scope
  std::string org_id;           // empty for the operator
  std::string key_id;
  uint8_t scopes = 0;
};

// System-tenant namespaces.
inline constexpr std::string_view kOrgsNs = "orgs";
inline constexpr std::string_view kKeysNs = "apikeys";       // name: hex sha256 of the secret
inline constexpr std::string_view kKeyIdsNs = "apikey_ids";  // name: key id -> hex sha256
inline constexpr std::string_view kOperatorNs = "operator";  // "admin_key_sha256"

std::string Sha256Hex(std::string_view data);
// A new secret: `prefix` + 40 hex characters from the OS's CSPRNG (OpenSSL RAND_bytes).
std::string NewSecret(std::string_view prefix);

class Authenticator {
 public:
  // `admin_token`: MERIDIAN_ADMIN_TOKEN or the config's admin_token, if any.
  Authenticator(storage::Store* store, std::optional<std::string> admin_token);

  // Without a configured admin token, makes sure an admin key exists: generates one on first
  // start (storing only its hash) and returns it so it can be printed once; nullopt otherwise.
  Result<std::optional<std::string>> EnsureAdminKey();

  // Unauthenticated if no key is sent or the key is unknown.
  Result<Principal> Authenticate(const Request& req, const storage::Txn& txn) const;
  // The same for a key known only by its hex SHA-256 (a Swift token's key): Unauthenticated
  // once the key is revoked.
  Result<Principal> AuthenticateHash(const std::string& hash, const storage::Txn& txn) const;
  // OK if `who` may act with `scope` on `org_id`: PermissionDenied for a foreign organization or
  // a missing scope; NotFound if the operator names an organization that does not exist.
  Status Authorize(const Principal& who, const std::string& org_id, uint8_t scope,
                   const storage::Txn& txn) const;
  // True if the organization exists.
  Result<bool> OrgExists(const std::string& org_id, const storage::Txn& txn) const;

 private:
  storage::Store* store_;
  std::string admin_hash_;  // hex sha256 of the configured token; empty: use the stored one
};

}  // namespace meridian::api
