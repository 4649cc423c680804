// Merkle-style range digests (see digest.h).
#include "storage/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "storage/records.h"

namespace meridian::storage {
namespace {

// Hashes leaves with one reused OpenSSL context.
class LeafHasher {
 public:
  LeafHasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {}
  bool ok() const { return ctx_ != nullptr; }

  // SHA-256 of the length-prefixed fields, truncated: a key never collides with another's
  // fields, and equal records hash equally on every node.
  Digest Leaf(std::string_view key, uint64_t hlc, std::string_view origin, std::string_view value) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
    AddField(key);
    unsigned char h[8];
    for (int i = 7; i >= 0; --i, hlc >>= 8) h[i] = static_cast<unsigned char>(hlc & 0xff);
    EVP_DigestUpdate(ctx_.get(), h, sizeof h);
    AddField(origin);
    AddField(value);
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), full, &len);
    Digest d;
    std::copy_n(full, d.size(), d.begin());
    return d;
  }

 private:
  void AddField(std::string_view s) {
    unsigned char n[4];
    uint32_t size = static_cast<uint32_t>(s.size());
    for (int i = 3; i >= 0; --i, size >>= 8) n[i] = static_cast<unsigned char>(size & 0xff);
    EVP_DigestUpdate(ctx_.get(), n, sizeof n);
    EVP_DigestUpdate(ctx_.get(), s.data(), s.size());
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

void XorInto(Digest& into, const Digest& d) {
  for (size_t i = 0; i < into.size(); ++i) into[i] ^= d[i];
}

}  // namespace

std::string ChildPrefix(std::string_view key, std::string_view prefix) {
  const auto nuls = std::count(prefix.begin(), prefix.end(), '\0');
  if (key.size() == prefix.size()) return std::string(key);
  if (nuls < 2) {  // tenant or namespace level: up to and including the next NUL
    const size_t nul = key.find('\0', prefix.size());
    return std::string(key.substr(0, nul == std::string_view::npos ? key.size() : nul + 1));
  }
  return std::string(key.substr(0, prefix.size() + 1));
}

Result<DigestNode> DigestPrefix(const Txn& txn, std::string_view prefix, size_t leaf_max) {
  LeafHasher hasher;
  if (!hasher.ok()) return Status::Internal("SHA-256 unavailable");
  DigestNode node;
  node.prefix = std::string(prefix);
  Record record;
  Status inner;
  Status scan = txn.Scan(Db::kData, prefix, [&](std::string_view key, std::string_view value) {
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = Status::Corruption("undecodable record");
      return false;
    }
    if (record.tombstone()) return true;
    const Digest leaf = hasher.Leaf(key, record.hlc(), record.origin(), record.value());
    ++node.count;
    XorInto(node.digest, leaf);
    // Keys arrive in order, so a child's keys are contiguous: extend the last child or open one.
    std::string child_prefix = ChildPrefix(key, prefix);
    if (node.children.empty() || node.children.back().prefix != child_prefix) {
      node.children.push_back({std::move(child_prefix), 0, {}, std::nullopt});
    }
    DigestChild& child = node.children.back();
    ++child.count;
    XorInto(child.digest, leaf);
    KeyVersion version{std::string(key), record.hlc(), record.origin(), leaf};
    if (child.count == 1) {
      child.only = version;
    } else {
      child.only.reset();
    }
    if (node.count <= leaf_max) node.keys.push_back(std::move(version));
    return true;
  });
  MERIDIAN_RETURN_IF_ERROR(scan);
  MERIDIAN_RETURN_IF_ERROR(inner);
  if (node.count > leaf_max) node.keys.clear();
  return node;
}

std::string HexOf(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool BytesOfHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

}  // namespace meridian::storage
