// The LMDB environment of one node and RAII transactions over it. LMDB return codes become Status
// here and nowhere else. Env is thread-safe; a ReadTxn/WriteTxn belongs to one thread at a time
// (the env is opened with MDB_NOTLS, so a read txn may move between threads but never be shared).
// Never hold a transaction across an asynchronous wait: long readers make the file grow.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/base/status.h"

namespace meridian::storage {

// Maps an LMDB return code to Status: MDB_MAP_FULL, MDB_TXN_FULL and a full disk (ENOSPC,
// EDQUOT) become ResourceExhausted; a key or value LMDB cannot hold (MDB_BAD_VALSIZE) becomes
// InvalidArgument; other failures are IOError or Corruption.
Status FromMdb(int rc, std::string_view what);

// LMDB's limits, checked before any write so that an oversized key is refused as the caller's
// error (InvalidArgument) rather than failing a transaction. The key limit is the build's
// mdb_env_get_maxkeysize (511 bytes with Debian's liblmdb); keys must not be empty. A value may
// hold up to kMaxValueBytes (far below LMDB's 4 GiB; dialects have much smaller limits).
size_t MaxKeyBytes();
inline constexpr size_t kMaxValueBytes = size_t{1} << 30;
Status CheckKey(std::string_view key);
Status CheckValue(std::string_view value);

// The named databases (DBIs) of the environment, opened once at startup. kTombstones indexes
// the data database's tombstones (storage/records.h PutRecord, docs/storage-format.md).
enum class Db { kData = 0, kLog = 1, kMeta = 2, kTombstones = 3 };
inline constexpr int kDbCount = 4;

struct EnvOptions {
  std::string dir;                               // created if missing; holds data.mdb
  uint64_t map_size_bytes = uint64_t{64} << 30;  // virtual reservation; the file grows as used
};

// Read access shared by read and write transactions.
class Txn {
 public:
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // The value of `key`, valid until the transaction ends; nullopt if absent.
  Result<std::optional<std::string_view>> Get(Db db, std::string_view key) const;
  // Calls `fn(key, value)` for each key starting with `prefix`, in key order, until it returns
  // false. Views are valid only during the call.
  Status Scan(Db db, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Calls `fn(key, value)` for each key >= `start`, in key order, until it returns false.
  Status ScanFrom(Db db, std::string_view start,
                  const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // The last key of `db` (nullopt when empty).
  Result<std::optional<std::string>> LastKey(Db db) const;

 protected:
  Txn(MDB_txn* txn, const MDB_dbi* dbis) : txn_(txn), dbis_(dbis) {}
  Txn(Txn&& other) noexcept : txn_(other.txn_), dbis_(other.dbis_) { other.txn_ = nullptr; }
  ~Txn() = default;
  MDB_txn* txn_;
  const MDB_dbi* dbis_;
};

// A read snapshot. Aborted (released) by the destructor.
class ReadTxn : public Txn {
 public:
  ReadTxn(ReadTxn&& other) noexcept = default;
  ~ReadTxn();

 private:
  friend class Env;
  using Txn::Txn;
};

// The one write transaction. The destructor aborts unless Commit() succeeded.
class WriteTxn : public Txn {
 public:
  WriteTxn(WriteTxn&& other) noexcept = default;
  ~WriteTxn();

  // Refuses a key or value beyond LMDB's limits with InvalidArgument before touching LMDB.
  Status Put(Db db, std::string_view key, std::string_view value);
  // Deleting an absent key is OK.
  Status Delete(Db db, std::string_view key);
  // Commits with fsync (the env is never opened with MDB_NOSYNC). Leaves the object empty.
  // A failure because the disk or map is full marks the env full (see Env::full()); a
  // successful commit clears it.
  Status Commit();

 private:
  friend class Env;
  WriteTxn(MDB_txn* txn, const MDB_dbi* dbis, std::atomic<bool>* full)
      : Txn(txn, dbis), full_(full) {}
  std::atomic<bool>* full_;
};

class Env {
 public:
  static Result<std::unique_ptr<Env>> Open(const EnvOptions& options);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  Result<ReadTxn> BeginRead() const;
  // REQUIRES: called only from the single writer thread (or before it starts).
  Result<WriteTxn> BeginWrite();

  uint64_t map_size_bytes() const { return map_size_; }
  // Bytes of the map in use (pages used x page size), for /metrics.
  uint64_t UsedBytes() const;
  // True while the last write transaction failed because the disk (or the map) was full:
  // writes are refused with ResourceExhausted until space is freed, then the next commit
  // succeeds and clears it. Nothing committed is lost meanwhile.
  bool full() const { return full_.load(std::memory_order_acquire); }
  // The raw environment, for mdb_env_copyfd2 (storage/backup.cc) only.
  MDB_env* raw() const { return env_; }

 private:
  Env(MDB_env* env, uint64_t map_size) : env_(env), map_size_(map_size) {}
  MDB_env* env_;
  uint64_t map_size_;
  MDB_dbi dbis_[kDbCount] = {};
  std::atomic<bool> full_{false};
};

}  // namespace meridian::storage
