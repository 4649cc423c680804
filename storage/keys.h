// Key layout of the data database: `<tenant> \0 <namespace> \0 <name>`. Tenant and namespace are
// validated by the caller to contain no NUL, so a namespace is one contiguous key range and a
// name may hold any bytes. The system tenant "_" holds organizations and API keys, so they
// replicate like any other data. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace meridian::storage {

inline constexpr std::string_view kSystemTenant = "_";

// The budget every dialect composes its keys within, so that a key it accepts always fits
// LMDB's key limit (511 bytes in Debian's liblmdb; Store::Open refuses a smaller build).
// Tenants are organization ids (UUIDs, 36 bytes) or "_". Each dialect states its name limits in
// bytes and checks them with KeyFits at compile time; the writer refuses anything larger with
// InvalidArgument regardless (storage/lmdb_env.h CheckKey).
inline constexpr size_t kMaxStorageKeyBytes = 511;
inline constexpr size_t kMaxTenantBytes = 64;
inline constexpr bool KeyFits(size_t namespace_bytes, size_t name_bytes) {
  return kMaxTenantBytes + 1 + namespace_bytes + 1 + name_bytes <= kMaxStorageKeyBytes;
}

inline std::string NamespacePrefix(std::string_view tenant, std::string_view ns) {
  std::string key;
  key.reserve(tenant.size() + ns.size() + 2);
  key.append(tenant).push_back('\0');
  key.append(ns).push_back('\0');
  return key;
}

inline std::string TenantPrefix(std::string_view tenant) {
  std::string key(tenant);
  key.push_back('\0');
  return key;
}

inline std::string DataKey(std::string_view tenant, std::string_view ns, std::string_view name) {
  std::string key = NamespacePrefix(tenant, ns);
  key.append(name);
  return key;
}

// The name part of a data key under `prefix` (REQUIRES: key starts with prefix).
inline std::string_view NameOf(std::string_view key, std::string_view prefix) {
  return key.substr(prefix.size());
}

// Log keys are big-endian sequence numbers, so key order is sequence order.
inline std::string LogKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) key[i] = static_cast<char>(seq & 0xff);
  return key;
}

inline uint64_t DecodeFixed64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

}  // namespace meridian::storage
