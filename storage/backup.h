// Hot backup of a node's LMDB environment (docs/operations.md, Backups).
//
// The backup file is one header line, one manifest line (JSON), then the compacted data.mdb:
//   MERIDIAN-BACKUP 1\n
//   {"node_id":..,"origin_id":..,"last_seq":..,"applied":{origin:seq},"time_ms":..,
//    "data_bytes":N,"sha256":"<hex of the N data bytes>"}\n
//   <N bytes: a compacted copy of data.mdb>
// The copy is made by mdb_env_copyfd2(MDB_CP_COMPACT) inside LMDB's own read transaction, so
// it is one consistent snapshot and never blocks the writer. The manifest's positions are read
// before the copy starts, so the copy holds at least everything they name.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "storage/base/status.h"
#include "storage/store.h"

namespace meridian::storage {

inline constexpr std::string_view kBackupMagic = "MERIDIAN-BACKUP 1\n";

struct BackupManifest {
  std::string node_id;
  std::string origin_id;
  uint64_t last_seq = 0;                    // the origin's durable log end at backup start
  std::map<std::string, uint64_t> applied;  // per origin (its own included)
  uint64_t time_ms = 0;                     // wall clock at backup start
  uint64_t data_bytes = 0;
  std::string sha256;  // lowercase hex of the data bytes
};

std::string ManifestJson(const BackupManifest& m);

// Writes a whole backup file (header, manifest, data) to `path`, which must not exist.
// Blocking for as long as the copy takes: call it off the I/O threads. Uses a scratch file
// `path`.data beside it, removed before returning.
Result<BackupManifest> WriteBackupFile(const Store& store, const std::string& node_id,
                                       const std::string& path);

}  // namespace meridian::storage
