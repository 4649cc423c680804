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
#include <cstring>
#include <memory>

#include "storage/replica.h"

namespace meridian::storage {
namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Errno("backup write");
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
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

// Hashes the data file and appends it to `out_fd`, in 1 MiB chunks.
Status HashAndAppend(int data_fd, int out_fd, BackupManifest& m, bool append) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) {
    return Status::Internal("SHA-256 unavailable");
  }
  if (::lseek(data_fd, 0, SEEK_SET) < 0) return Errno("backup seek");
  std::string buf(1 << 20, '\0');
  m.data_bytes = 0;
  for (;;) {
    ssize_t r = ::read(data_fd, buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Errno("backup read");
    if (r == 0) break;
    EVP_DigestUpdate(md.get(), buf.data(), static_cast<size_t>(r));
    m.data_bytes += static_cast<uint64_t>(r);
    if (append) MERIDIAN_RETURN_IF_ERROR(WriteAll(out_fd, buf.data(), static_cast<size_t>(r)));
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

Result<BackupManifest> WriteBackupFile(const Store& store, const std::string& node_id,
                                       const std::string& path) {
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
  const std::string data_path = path + ".data";
  FdCloser data{::open(data_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (data.fd < 0) return Errno("backup scratch file " + data_path);
  ::unlink(data_path.c_str());  // the open fd keeps it until we are done
  if (int rc = mdb_env_copyfd2(store.env().raw(), data.fd, MDB_CP_COMPACT); rc != MDB_SUCCESS) {
    return Status::Internal(std::string("mdb_env_copyfd2: ") + mdb_strerror(rc));
  }
  MERIDIAN_RETURN_IF_ERROR(HashAndAppend(data.fd, -1, m, false));
  FdCloser out{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (out.fd < 0) return Errno("backup file " + path);
  const std::string head = std::string(kBackupMagic) + ManifestJson(m) + "\n";
  MERIDIAN_RETURN_IF_ERROR(WriteAll(out.fd, head.data(), head.size()));
  BackupManifest again = m;
  MERIDIAN_RETURN_IF_ERROR(HashAndAppend(data.fd, out.fd, again, true));
  if (again.sha256 != m.sha256) return Status::Internal("backup data changed while copying");
  if (::fsync(out.fd) != 0) return Errno("backup fsync");
  return m;
}

}  // namespace meridian::storage
