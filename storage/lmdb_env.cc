// LMDB environment and transactions (see lmdb_env.h).
#include "storage/lmdb_env.h"

#include <cerrno>
#include <filesystem>
#include <string>

#include "storage/failpoint.h"

namespace meridian::storage {
namespace {

constexpr const char* kDbNames[kDbCount] = {"data", "log", "meta", "tombstones"};

MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

}  // namespace

Status FromMdb(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string message = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(message);
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
      return Status::ResourceExhausted(message);
    case ENOSPC:
    case EDQUOT:
      return Status::ResourceExhausted(std::string(what) + ": disk full (" + mdb_strerror(rc) +
                                       ")");
    case MDB_BAD_VALSIZE:
      return Status::InvalidArgument(message);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::Corruption(message);
    case MDB_READERS_FULL:
      return Status::Unavailable(message);
    default:
      return Status::IOError(message);
  }
}

size_t MaxKeyBytes() {
  // A property of the build (MDB_MAXKEYSIZE); any env answers the same.
  static const size_t bytes = [] {
    MDB_env* env = nullptr;
    if (mdb_env_create(&env) != MDB_SUCCESS) return size_t{511};
    size_t n = static_cast<size_t>(mdb_env_get_maxkeysize(env));
    mdb_env_close(env);
    return n;
  }();
  return bytes;
}

Status CheckKey(std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("empty storage key");
  if (key.size() > MaxKeyBytes()) {
    return Status::InvalidArgument("storage key of " + std::to_string(key.size()) +
                                   " bytes exceeds the limit of " + std::to_string(MaxKeyBytes()));
  }
  return Status::Ok();
}

Status CheckValue(std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return Status::InvalidArgument("storage value of " + std::to_string(value.size()) +
                                   " bytes exceeds the limit of " + std::to_string(kMaxValueBytes));
  }
  return Status::Ok();
}

Result<std::optional<std::string_view>> Txn::Get(Db db, std::string_view key) const {
  if (!CheckKey(key).ok()) return std::optional<std::string_view>();  // cannot exist
  MDB_val k = ToVal(key), v{};
  int rc = mdb_get(txn_, dbis_[static_cast<int>(db)], &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != MDB_SUCCESS) return FromMdb(rc, "mdb_get");
  return std::optional<std::string_view>(FromVal(v));
}

namespace {
// RAII cursor scoped inside its transaction.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) { rc_ = mdb_cursor_open(txn, dbi, &cursor_); }
  ~Cursor() {
    if (cursor_) mdb_cursor_close(cursor_);
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  int open_rc() const { return rc_; }
  int Get(MDB_val* k, MDB_val* v, MDB_cursor_op op) { return mdb_cursor_get(cursor_, k, v, op); }

 private:
  MDB_cursor* cursor_ = nullptr;
  int rc_;
};
}  // namespace

Status Txn::ScanFrom(Db db, std::string_view start,
                     const std::function<bool(std::string_view, std::string_view)>& fn) const {
  Cursor cursor(txn_, dbis_[static_cast<int>(db)]);
  if (cursor.open_rc() != MDB_SUCCESS) return FromMdb(cursor.open_rc(), "mdb_cursor_open");
  // LMDB cannot seek to a key longer than its limit; seek to its longest prefix instead and
  // skip the keys below `start`.
  MDB_val k = ToVal(start.substr(0, MaxKeyBytes())), v{};
  int rc = cursor.Get(&k, &v, start.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == MDB_SUCCESS) {
    if (FromVal(k) < start) {
      rc = cursor.Get(&k, &v, MDB_NEXT);
      continue;
    }
    if (!fn(FromVal(k), FromVal(v))) return Status::Ok();
    rc = cursor.Get(&k, &v, MDB_NEXT);
  }
  return rc == MDB_NOTFOUND ? Status::Ok() : FromMdb(rc, "mdb_cursor_get");
}

Status Txn::Scan(Db db, std::string_view prefix,
                 const std::function<bool(std::string_view, std::string_view)>& fn) const {
  return ScanFrom(db, prefix, [&](std::string_view key, std::string_view value) {
    return key.starts_with(prefix) && fn(key, value);
  });
}

Result<std::optional<std::string>> Txn::LastKey(Db db) const {
  Cursor cursor(txn_, dbis_[static_cast<int>(db)]);
  if (cursor.open_rc() != MDB_SUCCESS) return FromMdb(cursor.open_rc(), "mdb_cursor_open");
  MDB_val k{}, v{};
  int rc = cursor.Get(&k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != MDB_SUCCESS) return FromMdb(rc, "mdb_cursor_get");
  return std::optional<std::string>(std::string(FromVal(k)));
}

ReadTxn::~ReadTxn() {
  if (txn_) mdb_txn_abort(txn_);
}

WriteTxn::~WriteTxn() {
  if (txn_) mdb_txn_abort(txn_);
}

Status WriteTxn::Put(Db db, std::string_view key, std::string_view value) {
  MERIDIAN_RETURN_IF_ERROR(CheckKey(key));
  MERIDIAN_RETURN_IF_ERROR(CheckValue(value));
  MDB_val k = ToVal(key), v = ToVal(value);
  int rc = mdb_put(txn_, dbis_[static_cast<int>(db)], &k, &v, 0);
  if (rc == MDB_MAP_FULL) full_->store(true, std::memory_order_release);
  return FromMdb(rc, "mdb_put");
}

Status WriteTxn::Delete(Db db, std::string_view key) {
  if (!CheckKey(key).ok()) return Status::Ok();  // cannot exist
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, dbis_[static_cast<int>(db)], &k, nullptr);
  return rc == MDB_NOTFOUND ? Status::Ok() : FromMdb(rc, "mdb_del");
}

Status WriteTxn::Commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;  // mdb_txn_commit frees the txn even when it fails
  if (Status injected = failpoint::Hit(failpoint::kCommit); !injected.ok()) {
    mdb_txn_abort(txn);
    return injected;
  }
  int rc = mdb_txn_commit(txn);
  full_->store(rc == ENOSPC || rc == EDQUOT || rc == MDB_MAP_FULL, std::memory_order_release);
  return FromMdb(rc, "mdb_txn_commit");
}

Result<std::unique_ptr<Env>> Env::Open(const EnvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::IOError("create " + options.dir + ": " + ec.message());
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != MDB_SUCCESS) return FromMdb(rc, "mdb_env_create");
  std::unique_ptr<Env> env(new Env(raw, options.map_size_bytes));
  if ((rc = mdb_env_set_maxdbs(raw, kDbCount)) != MDB_SUCCESS ||
      (rc = mdb_env_set_mapsize(raw, options.map_size_bytes)) != MDB_SUCCESS ||
      (rc = mdb_env_set_maxreaders(raw, 1024)) != MDB_SUCCESS) {
    return FromMdb(rc, "mdb_env_set");
  }
  // MDB_NOTLS: read txns are tied to the txn object, not the thread. No MDB_NOSYNC, no
  // MDB_NOMETASYNC: every commit is durable when it returns.
  rc = mdb_env_open(raw, options.dir.c_str(), MDB_NOTLS, 0644);
  if (rc != MDB_SUCCESS) return FromMdb(rc, "mdb_env_open " + options.dir);
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(raw, nullptr, 0, &txn)) != MDB_SUCCESS) return FromMdb(rc, "txn_begin");
  for (int i = 0; i < kDbCount; ++i) {
    if ((rc = mdb_dbi_open(txn, kDbNames[i], MDB_CREATE, &env->dbis_[i])) != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return FromMdb(rc, std::string("mdb_dbi_open ") + kDbNames[i]);
    }
  }
  if ((rc = mdb_txn_commit(txn)) != MDB_SUCCESS) return FromMdb(rc, "mdb_txn_commit(open)");
  return env;
}

Env::~Env() { mdb_env_close(env_); }

Result<ReadTxn> Env::BeginRead() const {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != MDB_SUCCESS) return FromMdb(rc, "mdb_txn_begin(read)");
  return ReadTxn(txn, dbis_);
}

Result<WriteTxn> Env::BeginWrite() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != MDB_SUCCESS) return FromMdb(rc, "mdb_txn_begin(write)");
  return WriteTxn(txn, dbis_, &full_);
}

uint64_t Env::UsedBytes() const {
  MDB_envinfo info{};
  MDB_stat stat{};
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  return (info.me_last_pgno + 1) * uint64_t{stat.ms_psize};
}

}  // namespace meridian::storage
