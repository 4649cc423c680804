// Backup file check and restore (see backup_file.h).
#include "backup_file.h"

#include <fcntl.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace meridian::ctl {
namespace json = boost::json;
namespace {

constexpr std::string_view kMagic = "MERIDIAN-BACKUP 1\n";

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string LmdbError(const char* what, int rc) {
  return std::string(what) + ": " + mdb_strerror(rc);
}

// Drops what names the old incarnation (docs/replication.md, Logs and incarnations).
std::string NewIncarnation(const std::string& dir, uint64_t data_bytes) {
  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != MDB_SUCCESS) return LmdbError("mdb_env_create", rc);
  std::unique_ptr<MDB_env, decltype(&mdb_env_close)> env(raw, mdb_env_close);
  const size_t map = std::max<uint64_t>(data_bytes * 2, uint64_t{1} << 30);
  mdb_env_set_mapsize(raw, map);
  mdb_env_set_maxdbs(raw, 3);
  if (int rc = mdb_env_open(raw, dir.c_str(), MDB_NOTLS, 0644); rc != MDB_SUCCESS) {
    return LmdbError("opening the restored data", rc);
  }
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(raw, nullptr, 0, &txn); rc != MDB_SUCCESS) {
    return LmdbError("mdb_txn_begin", rc);
  }
  MDB_dbi meta, log;
  int rc = mdb_dbi_open(txn, "meta", 0, &meta);
  if (rc == MDB_SUCCESS) rc = mdb_dbi_open(txn, "log", 0, &log);
  for (const char* key : {"origin_id", "last_seq"}) {
    if (rc != MDB_SUCCESS) break;
    MDB_val k{std::strlen(key), const_cast<char*>(key)};
    rc = mdb_del(txn, meta, &k, nullptr);
    if (rc == MDB_NOTFOUND) rc = MDB_SUCCESS;
  }
  if (rc == MDB_SUCCESS) rc = mdb_drop(txn, log, 0);
  if (rc != MDB_SUCCESS) {
    mdb_txn_abort(txn);
    return LmdbError("resetting the restored node's incarnation", rc);
  }
  if (rc = mdb_txn_commit(txn); rc != MDB_SUCCESS) return LmdbError("mdb_txn_commit", rc);
  return "";
}

}  // namespace

std::unique_ptr<MappedFile> MappedFile::Open(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  void* data = nullptr;
  std::string why;
  if (::fstat(fd, &st) != 0) {
    why = "cannot read " + path + ": " + std::strerror(errno);
  } else if (st.st_size > 0) {
    data = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      why = "cannot map " + path + ": " + std::strerror(errno);
      data = nullptr;
    }
  }
  ::close(fd);  // the mapping keeps the file
  if (!why.empty()) {
    *error = why;
    return nullptr;
  }
  return std::unique_ptr<MappedFile>(new MappedFile(data, static_cast<size_t>(st.st_size)));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

std::optional<BackupParts> CheckBackup(std::string_view bytes, std::string* error) {
  if (!bytes.starts_with(kMagic)) {
    *error = "not a Meridian backup (the first line is not MERIDIAN-BACKUP 1)";
    return std::nullopt;
  }
  bytes.remove_prefix(kMagic.size());
  const size_t eol = bytes.find('\n');
  boost::system::error_code ec;
  json::value manifest =
      eol == std::string_view::npos ? json::value() : json::parse(bytes.substr(0, eol), ec);
  const json::object* m = manifest.if_object();
  const json::value* size = m ? m->if_contains("data_bytes") : nullptr;
  const json::value* sum = m ? m->if_contains("sha256") : nullptr;
  uint64_t want = 0;
  if (!ec && size) want = size->to_number<uint64_t>(ec);  // fails for negatives and fractions
  if (ec || !m || !size || !sum || !sum->is_string()) {
    *error = "the backup's manifest is damaged";
    return std::nullopt;
  }
  BackupParts parts{*m, bytes.substr(eol + 1)};
  if (parts.data.size() != want) {
    *error = "the backup is truncated or padded: " + std::to_string(parts.data.size()) +
             " data bytes, the manifest says " + std::to_string(want);
    return std::nullopt;
  }
  if (Sha256Hex(parts.data) != sum->as_string()) {
    *error = "the backup is corrupt: the data's SHA-256 does not match the manifest";
    return std::nullopt;
  }
  return parts;
}

std::string RestoreInto(const BackupParts& parts, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return "--data-dir " + dir + " is not empty; restore only into a new or wiped folder";
  }
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  {
    std::ofstream out(fs::path(dir) / "data.mdb", std::ios::binary);
    out.write(parts.data.data(), static_cast<std::streamsize>(parts.data.size()));
    out.flush();
    if (!out) return "cannot write " + dir + "/data.mdb";
  }
  return NewIncarnation(dir, parts.data.size());
}

}  // namespace meridian::ctl
