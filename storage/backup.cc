// Hot backup (see backup.h).
#include "storage/backup.h"

#include <fcntl.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "storage/replica.h"

namespace meridian::storage {
namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

// Hashes the data file in 1 MiB pieces, filling the manifest's size and checksum.
Status Hash(int data_fd, BackupManifest& m) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) {
    return Status::Internal("SHA-256 unavailable");
  }
  std::string buf(1 << 20, '\0');
  m.data_bytes = 0;
  for (;;) {
    ssize_t r = ::pread(data_fd, buf.data(), buf.size(), static_cast<off_t>(m.data_bytes));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Errno("backup read");
    if (r == 0) break;
    EVP_DigestUpdate(md.get(), buf.data(), static_cast<size_t>(r));
    m.data_bytes += static_cast<uint64_t>(r);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md.get(), digest, &len);
  m.sha256 = Hex(digest, len);
  return Status::Ok();
}

}  // namespace

std::string ManifestJson(const BackupManifest& m) {
  boost::json::object applied;
  for (const auto& [origin, seq] : m.applied) applied[origin] = seq;
  boost::json::object o{{"node_id", m.node_id},   {"origin_id", m.origin_id},
                        {"last_seq", m.last_seq}, {"applied", std::move(applied)},
                        {"time_ms", m.time_ms},   {"data_bytes", m.data_bytes},
                        {"sha256", m.sha256}};
  return boost::json::serialize(o);
}

BackupCopy::BackupCopy(int fd, BackupManifest manifest) : fd_(fd), manifest_(std::move(manifest)) {}

BackupCopy::~BackupCopy() { ::close(fd_); }

std::string BackupCopy::Head() const {
  return std::string(kBackupMagic) + ManifestJson(manifest_) + "\n";
}

Result<size_t> BackupCopy::ReadData(uint64_t offset, char* out, size_t n) const {
  for (;;) {
    ssize_t r = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Errno("backup read");
    return static_cast<size_t>(r);
  }
}

Result<std::shared_ptr<BackupCopy>> MakeBackupCopy(const Store& store, const std::string& node_id,
                                                   const std::string& scratch_dir) {
  BackupManifest m;
  m.node_id = node_id;
  m.origin_id = store.origin_id();
  m.time_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  {
    auto txn = store.Read();
    if (!txn.ok()) return txn.status();
    auto last = DurableLastSeq(*txn);
    if (!last.ok()) return last.status();
    m.last_seq = *last;
    auto applied = AppliedPositions(*txn);
    if (!applied.ok()) return applied.status();
    m.applied = std::move(*applied);
  }
  std::string name = scratch_dir + "/meridian-backup-XXXXXX";
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Errno("backup scratch file in " + scratch_dir);
  ::unlink(name.c_str());  // the open descriptor keeps it until the copy goes
  auto copy = std::make_shared<BackupCopy>(fd, std::move(m));  // closes `fd` on every path
  if (int rc = mdb_env_copyfd2(store.env().raw(), fd, MDB_CP_COMPACT); rc != MDB_SUCCESS) {
    return Status::Internal(std::string("mdb_env_copyfd2: ") + mdb_strerror(rc));
  }
  MERIDIAN_RETURN_IF_ERROR(Hash(fd, copy->manifest_));
  return copy;
}

}  // namespace meridian::storage
