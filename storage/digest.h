// Digests of the data database for cross-region verification (docs/operations.md, Verify and
// repair): a Merkle-style range tree over the key space, read from one LMDB read transaction.
//
// A tree node is a key prefix; its digest covers every live record under it (tombstones are
// left out: nodes purge them at different times). Children split the prefix by the next unit
// of the key layout (storage/keys.h): the root by tenant, a tenant by namespace (each unit up to
// and including its NUL), a namespace and every deeper node by the next byte of the name; a key
// equal to the prefix is a child of its own. So the tree's shape depends only on the keys, and
// two nodes holding the same records produce the same digests at every prefix.
//
// A record's leaf hash is SHA-256 over (key, hlc, origin, value), truncated to 128 bits; a
// node's digest is the XOR of its leaves' hashes, so any prefix is digested in one scan.
// Stateless functions; thread-safe with a caller-owned read transaction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/status.h"
#include "storage/lmdb_env.h"

namespace meridian::storage {

using Digest = std::array<uint8_t, 16>;

// One live record as the digest sees it.
struct KeyVersion {
  std::string key;
  uint64_t hlc = 0;
  std::string origin;
  Digest leaf{};
};

struct DigestChild {
  std::string prefix;  // the child's key prefix (starts with its parent's)
  uint64_t count = 0;  // live records under it
  Digest digest{};
  std::optional<KeyVersion> only;  // the record itself when count == 1
};

struct DigestNode {
  std::string prefix;
  uint64_t count = 0;
  Digest digest{};
  std::vector<DigestChild> children;  // in key order
  // Every record under the prefix, in key order, when count <= leaf_max (else empty).
  std::vector<KeyVersion> keys;
};

// The digest node of `prefix` and its children; lists the records themselves when there are at
// most `leaf_max` of them.
Result<DigestNode> DigestPrefix(const Txn& txn, std::string_view prefix, size_t leaf_max);

// The child prefix of `prefix` that `key` belongs to (REQUIRES: key starts with prefix).
std::string ChildPrefix(std::string_view key, std::string_view prefix);

std::string HexOf(std::string_view bytes);
// Lower- or upper-case hex to bytes; false if `hex` is not hex.
bool BytesOfHex(std::string_view hex, std::string* out);

}  // namespace meridian::storage
