// The backup file (format in storage/backup.h and docs/meridianctl.md): checking it and turning
// it into a data folder. meridianctl uses LMDB directly here, and only here, to give the
// restored folder a new incarnation (docs/operations.md, Backups and restores).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace meridian::ctl {

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
