// Typed record access (see records.h).
#include "storage/records.h"

#include <vector>

namespace meridian::storage {

Result<std::optional<Record>> GetAnyRecord(const Txn& txn, std::string_view key) {
  auto raw = txn.Get(Db::kData, key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<Record>();
  Record record;
  if (!record.ParseFromArray((*raw)->data(), static_cast<int>((*raw)->size()))) {
    return Status::Corruption("undecodable record");
  }
  return std::optional<Record>(std::move(record));
}

Result<std::optional<Record>> GetLiveRecord(const Txn& txn, std::string_view key) {
  auto record = GetAnyRecord(txn, key);
  if (record.ok() && record->has_value() && (*record)->tombstone()) {
    return std::optional<Record>();
  }
  return record;
}

Status ScanLive(const Txn& txn, std::string_view prefix,
                const std::function<bool(std::string_view, const Record&)>& fn) {
  Status inner;
  Record record;
  Status scan = txn.Scan(Db::kData, prefix, [&](std::string_view key, std::string_view value) {
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      inner = Status::Corruption("undecodable record");
      return false;
    }
    if (record.tombstone()) return true;
    return fn(key.substr(prefix.size()), record);
  });
  return scan.ok() ? inner : scan;
}

Result<std::vector<std::string>> LiveNames(const Txn& txn, std::string_view prefix) {
  std::vector<std::string> names;
  Status st = ScanLive(txn, prefix, [&](std::string_view name, const Record&) {
    names.emplace_back(name);
    return true;
  });
  if (!st.ok()) return st;
  return names;
}

Status PutRecord(WriteTxn& txn, std::string_view key, const Record& record, bool was_tombstone,
                 std::string& scratch) {
  record.SerializeToString(&scratch);
  MERIDIAN_RETURN_IF_ERROR(txn.Put(Db::kData, key, scratch));
  if (record.tombstone()) return txn.Put(Db::kTombstones, key, {});
  return was_tombstone ? txn.Delete(Db::kTombstones, key) : Status::Ok();
}

Status PurgeTombstone(WriteTxn& txn, std::string_view key) {
  MERIDIAN_RETURN_IF_ERROR(txn.Delete(Db::kData, key));
  return txn.Delete(Db::kTombstones, key);
}

Status IndexAllTombstones(WriteTxn& txn, size_t& indexed) {
  indexed = 0;
  std::vector<std::string> tombstones;
  Record record;
  MERIDIAN_RETURN_IF_ERROR(
      txn.Scan(Db::kData, "", [&](std::string_view key, std::string_view value) {
        if (record.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
            record.tombstone()) {
          tombstones.emplace_back(key);
        }
        return true;
      }));
  for (const auto& key : tombstones) MERIDIAN_RETURN_IF_ERROR(txn.Put(Db::kTombstones, key, {}));
  indexed = tombstones.size();
  return Status::Ok();
}

}  // namespace meridian::storage
