// Typed access to the data database: live records (tombstones hidden) decoded from Protobuf.
// Stateless functions over a caller-owned transaction; thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "storage.pb.h"
#include "storage/base/status.h"
#include "storage/lmdb_env.h"

namespace meridian::storage {

using Record = pb::Record;

// The record under `key`, tombstones included; nullopt if the key was never written.
Result<std::optional<Record>> GetAnyRecord(const Txn& txn, std::string_view key);
// The live (non-tombstone) record under `key`, or nullopt.
Result<std::optional<Record>> GetLiveRecord(const Txn& txn, std::string_view key);
// Calls `fn(name, record)` for every live record under `prefix`, in name order, until it
// returns false. `name` is the key with the prefix removed.
Status ScanLive(const Txn& txn, std::string_view prefix,
                const std::function<bool(std::string_view, const Record&)>& fn);
// Only the live names under `prefix` (no value decode beyond the tombstone flag).
Result<std::vector<std::string>> LiveNames(const Txn& txn, std::string_view prefix);

// The one way a record is written to the data database: stores `record` under `key` and keeps
// the tombstone index (Db::kTombstones, key -> empty) in the same transaction, so tombstone
// collection visits tombstones only. `was_tombstone`: the record it replaces is a tombstone.
Status PutRecord(WriteTxn& txn, std::string_view key, const Record& record, bool was_tombstone,
                 std::string& scratch);
// Removes a collected tombstone and its index entry.
Status PurgeTombstone(WriteTxn& txn, std::string_view key);
// Indexes every tombstone of the data database (once, for a data directory written before the
// index existed; see docs/storage-format.md). Sets `indexed` to the count.
Status IndexAllTombstones(WriteTxn& txn, size_t& indexed);

}  // namespace meridian::storage
