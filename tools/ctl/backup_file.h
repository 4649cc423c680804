// The backup file (format in storage/backup.h and docs/meridianctl.md): checking it and turning
// it into a data folder. meridianctl uses LMDB directly here, and only here, to give the
// restored folder a new incarnation (docs/operations.md, Backups and restores).
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace meridian::ctl {

// A file mapped read-only: a backup of any size is checked and restored without being read
// into memory (the kernel pages it in, and may drop the pages again).
class MappedFile {
 public:
  // nullptr, with `error` set, if `path` cannot be opened or mapped.
  static std::unique_ptr<MappedFile> Open(const std::string& path, std::string* error);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}
  void* data_;  // nullptr for an empty file
  size_t size_;
};

struct BackupParts {
  boost::json::object manifest;
  std::string_view data;  // the compacted data.mdb, a view into the checked bytes
};

// Checks the header, the manifest, the data's length and its SHA-256. On failure returns
// nullopt and sets `error` to why.
std::optional<BackupParts> CheckBackup(std::string_view bytes, std::string* error);

// Writes parts.data to DIR/data.mdb (DIR must not exist or be empty; it is created) and then
// drops the origin id, the log end and the log, so that the node started from DIR takes a new
// origin id and starts a new log at 1. Returns an error message, or "" on success.
std::string RestoreInto(const BackupParts& parts, const std::string& dir);

}  // namespace meridian::ctl
