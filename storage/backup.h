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
#include <memory>
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

// A finished backup: the compacted copy in an unlinked scratch file (its space is freed when
// the object goes, also on a crash) and its manifest. The backup file's bytes are Head() then
// the data, which is read piece by piece, so no caller holds the whole copy in memory.
// Thread-compatible; ReadData may run on any one thread at a time.
class BackupCopy {
 public:
  BackupCopy(int fd, BackupManifest manifest);
  ~BackupCopy();
  BackupCopy(const BackupCopy&) = delete;
  BackupCopy& operator=(const BackupCopy&) = delete;

  const BackupManifest& manifest() const { return manifest_; }
  // The header and manifest lines.
  std::string Head() const;
  // Reads up to `n` data bytes at `offset` into `out`; 0 at the end. Blocking (a file read).
  Result<size_t> ReadData(uint64_t offset, char* out, size_t n) const;

 private:
  friend Result<std::shared_ptr<BackupCopy>> MakeBackupCopy(const Store&, const std::string&,
                                                            const std::string&);
  int fd_;
  BackupManifest manifest_;
};

// Copies and hashes `store` into a scratch file in `scratch_dir` (which needs room for a
// compacted copy of the store). Blocking for as long as the copy takes: call it off the I/O
// threads. Memory use is bounded (LMDB's copy buffers, one 1 MiB hash buffer).
Result<std::shared_ptr<BackupCopy>> MakeBackupCopy(const Store& store, const std::string& node_id,
                                                   const std::string& scratch_dir);

}  // namespace meridian::storage
