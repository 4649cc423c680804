// Replication-side storage operations (see replica.h).
#include "storage/replica.h"

#include <algorithm>
#include <optional>

#include "storage.pb.h"
#include "storage/failpoint.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/writer.h"

namespace meridian::storage {
namespace {

constexpr std::string_view kAppliedPrefix = "applied/";
constexpr std::string_view kFrontierPrefix = "frontier/";
constexpr std::string_view kGcCursor = "gc_cursor";  // where the next collection pass resumes

// Last-writer-wins merge of one incoming record (value or tombstone) into `key`.
Status MergeRecord(WriteTxn& txn, const std::string& key, pb::Record incoming,
                   std::string& scratch) {
  auto existing = GetAnyRecord(txn, key);
  if (!existing.ok()) return existing.status();
  bool was_tombstone = false;
  if (existing->has_value()) {
    const Record& current = **existing;
    if (!LwwWins(Hlc(incoming.hlc()), incoming.origin(), Hlc(current.hlc()), current.origin())) {
      return Status::Ok();  // what we hold is newer (or the same write): keep it
    }
    if (!current.tombstone() && !incoming.tombstone()) {
      incoming.set_created_at_ms(current.created_at_ms());
    }
    was_tombstone = current.tombstone();
  }
  return PutRecord(txn, key, incoming, was_tombstone, scratch);
}

// Whether `horizon` allows purging `tombstone` (see TombstoneHorizon).
bool Collectable(const Record& tombstone, const TombstoneHorizon& horizon, const std::string& self,
                 const std::map<std::string, uint64_t>& frontiers) {
  auto stable = horizon.stable.find(tombstone.origin());
  if (stable == horizon.stable.end() || stable->second < tombstone.origin_seq()) return false;
  for (const auto& origin : horizon.origins) {
    if (origin == self || origin == tombstone.origin()) continue;
    auto f = frontiers.find(origin);
    if (f == frontiers.end() || f->second <= tombstone.hlc()) return false;
  }
  return true;
}

}  // namespace

std::string AppliedMetaKey(std::string_view origin) {
  return std::string(kAppliedPrefix) + std::string(origin);
}

Result<std::map<std::string, uint64_t>> AppliedPositions(const Txn& txn) {
  std::map<std::string, uint64_t> out;
  Status st = txn.Scan(Db::kMeta, kAppliedPrefix, [&](std::string_view key, std::string_view v) {
    out[std::string(key.substr(kAppliedPrefix.size()))] = DecodeFixed64(v);
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

Result<uint64_t> DurableLastSeq(const Txn& txn) {
  auto v = txn.Get(Db::kMeta, kMetaLastSeq);
  if (!v.ok()) return v.status();
  return v->has_value() ? DecodeFixed64(**v) : 0;
}

Result<uint64_t> FirstLogSeq(const Txn& txn) {
  uint64_t first = 0;
  Status st = txn.Scan(Db::kLog, "", [&](std::string_view key, std::string_view) {
    first = DecodeFixed64(key);
    return false;
  });
  if (!st.ok()) return st;
  if (first != 0) return first;
  auto last = DurableLastSeq(txn);
  if (!last.ok()) return last.status();
  return *last + 1;
}

Result<std::vector<LogRecord>> ReadLog(const Txn& txn, uint64_t from_seq, size_t max_entries,
                                       size_t max_bytes) {
  MERIDIAN_RETURN_IF_ERROR(failpoint::Hit(failpoint::kReadLog));
  std::vector<LogRecord> out;
  size_t bytes = 0;
  const std::string start = LogKey(from_seq);
  Status st = txn.ScanFrom(Db::kLog, start, [&](std::string_view key, std::string_view value) {
    out.push_back({DecodeFixed64(key), std::string(value)});
    bytes += value.size();
    return out.size() < max_entries && bytes < max_bytes;
  });
  if (!st.ok()) return st;
  return out;
}

Status ApplyRemoteEntries(WriteTxn& txn, const RemoteEntries& remote, Hlc& clock, uint64_t now_ms,
                          uint64_t& applied) {
  const std::string meta_key = AppliedMetaKey(remote.origin);
  MERIDIAN_RETURN_IF_ERROR(CheckKey(std::string(kFrontierPrefix) + remote.origin));
  MERIDIAN_RETURN_IF_ERROR(CheckKey(meta_key));
  auto current = txn.Get(Db::kMeta, meta_key);
  if (!current.ok()) return current.status();
  applied = current->has_value() ? DecodeFixed64(**current) : 0;
  // Decode and check the whole batch first, so a refused batch writes nothing.
  std::vector<pb::LogEntry> entries;
  entries.reserve(remote.payloads.size());
  uint64_t expect = applied;
  for (const auto& payload : remote.payloads) {
    pb::LogEntry entry;
    if (!entry.ParseFromString(payload) || entry.origin() != remote.origin) {
      return Status::InvalidArgument("undecodable log entry from " + remote.origin);
    }
    if (entry.seq() <= expect) continue;  // applied before: exactly once
    if (entry.seq() != expect + 1) {
      return Status::InvalidArgument("gap in the log of " + remote.origin);
    }
    for (const auto& m : entry.mutations()) {
      MERIDIAN_RETURN_IF_ERROR(CheckKey(m.key()));
      MERIDIAN_RETURN_IF_ERROR(CheckValue(m.value()));
    }
    expect = entry.seq();
    entries.push_back(std::move(entry));
  }
  std::string scratch;
  uint64_t frontier = 0;
  for (const auto& entry : entries) {
    clock = Hlc::Update(clock, Hlc(entry.hlc()), now_ms);
    for (const auto& m : entry.mutations()) {
      pb::Record record;
      record.set_version(1);
      record.set_hlc(entry.hlc());
      record.set_origin(entry.origin());
      record.set_origin_seq(entry.seq());
      record.set_created_at_ms(entry.wall_ms());
      record.set_updated_at_ms(entry.wall_ms());
      record.set_tombstone(m.tombstone());
      if (!m.tombstone()) record.set_value(m.value());
      MERIDIAN_RETURN_IF_ERROR(MergeRecord(txn, m.key(), std::move(record), scratch));
    }
    applied = entry.seq();
    frontier = std::max(frontier, entry.hlc());
  }
  if (frontier > 0) {
    MERIDIAN_RETURN_IF_ERROR(
        txn.Put(Db::kMeta, std::string(kFrontierPrefix) + remote.origin, LogKey(frontier)));
  }
  return txn.Put(Db::kMeta, meta_key, LogKey(applied));
}

Status ApplySnapshotChunk(WriteTxn& txn, const SnapshotChunk& chunk, Hlc& clock,
                          uint64_t& applied) {
  const std::string meta_key = AppliedMetaKey(chunk.origin);
  MERIDIAN_RETURN_IF_ERROR(CheckKey(meta_key));
  std::vector<pb::Record> records(chunk.records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    MERIDIAN_RETURN_IF_ERROR(CheckKey(chunk.records[i].first));
    if (!records[i].ParseFromString(chunk.records[i].second)) {
      return Status::InvalidArgument("undecodable snapshot record from " + chunk.origin);
    }
    MERIDIAN_RETURN_IF_ERROR(CheckValue(records[i].value()));
  }
  std::string scratch;
  for (size_t i = 0; i < records.size(); ++i) {
    if (Hlc(records[i].hlc()) > clock) clock = Hlc(records[i].hlc());
    MERIDIAN_RETURN_IF_ERROR(
        MergeRecord(txn, chunk.records[i].first, std::move(records[i]), scratch));
  }
  auto current = txn.Get(Db::kMeta, meta_key);
  if (!current.ok()) return current.status();
  applied = current->has_value() ? DecodeFixed64(**current) : 0;
  if (chunk.applied_seq && *chunk.applied_seq > applied) {
    applied = *chunk.applied_seq;
    MERIDIAN_RETURN_IF_ERROR(txn.Put(Db::kMeta, meta_key, LogKey(applied)));
  }
  return Status::Ok();
}

Result<std::map<std::string, uint64_t>> Frontiers(const Txn& txn) {
  std::map<std::string, uint64_t> out;
  Status st = txn.Scan(Db::kMeta, kFrontierPrefix, [&](std::string_view key, std::string_view v) {
    out[std::string(key.substr(kFrontierPrefix.size()))] = DecodeFixed64(v);
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

Status CollectTombstones(WriteTxn& txn, const TombstoneHorizon& horizon, const std::string& self,
                         TombstoneCollection& out) {
  out = {};
  auto frontiers = Frontiers(txn);
  if (!frontiers.ok()) return frontiers.status();
  auto cursor = txn.Get(Db::kMeta, kGcCursor);
  if (!cursor.ok()) return cursor.status();
  const std::string start = cursor->has_value() ? std::string(**cursor) : std::string();
  std::vector<std::string> doomed, stale;
  std::optional<std::string> resume;
  Status inner;
  pb::Record record;
  Status scan = txn.ScanFrom(Db::kTombstones, start, [&](std::string_view key, std::string_view) {
    if (out.visited >= std::max<size_t>(horizon.max_visited, 1)) {
      resume.emplace(key);
      return false;
    }
    out.visited++;
    auto raw = txn.Get(Db::kData, key);
    if (!raw.ok()) {
      inner = raw.status();
      return false;
    }
    const bool tombstone =
        raw->has_value() &&
        record.ParseFromArray((*raw)->data(), static_cast<int>((*raw)->size())) &&
        record.tombstone();
    if (!tombstone) {
      stale.emplace_back(key);  // left by a binary that did not keep the index
    } else if (Collectable(record, horizon, self, *frontiers)) {
      doomed.emplace_back(key);
    }
    return true;
  });
  MERIDIAN_RETURN_IF_ERROR(scan);
  MERIDIAN_RETURN_IF_ERROR(inner);
  for (const auto& key : doomed) MERIDIAN_RETURN_IF_ERROR(PurgeTombstone(txn, key));
  for (const auto& key : stale) MERIDIAN_RETURN_IF_ERROR(txn.Delete(Db::kTombstones, key));
  out.purged = doomed.size();
  out.resumes = resume.has_value();
  return resume ? txn.Put(Db::kMeta, kGcCursor, *resume) : txn.Delete(Db::kMeta, kGcCursor);
}

Status TruncateLog(WriteTxn& txn, uint64_t upto) {
  std::vector<std::string> doomed;
  const std::string end = LogKey(upto);
  MERIDIAN_RETURN_IF_ERROR(txn.Scan(Db::kLog, "", [&](std::string_view key, std::string_view) {
    if (key > end) return false;
    doomed.emplace_back(key);
    return true;
  }));
  for (const auto& key : doomed) MERIDIAN_RETURN_IF_ERROR(txn.Delete(Db::kLog, key));
  return Status::Ok();
}

}  // namespace meridian::storage
