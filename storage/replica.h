// What the store does for replication, inside a transaction it is handed: merging other nodes'
// log entries and snapshot records with last-writer-wins on (hlc, origin), recording applied
// positions exactly once, reading and truncating this node's own log. Stateless functions;
// the writer thread calls the mutating ones, any thread may call the readers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/base/hlc.h"
#include "storage/lmdb_env.h"
#include "storage/write_batch.h"

namespace meridian::storage {

// Meta key holding how far `origin`'s log is applied here.
std::string AppliedMetaKey(std::string_view origin);
// Every origin's applied position recorded in the meta database.
Result<std::map<std::string, uint64_t>> AppliedPositions(const Txn& txn);
// This node's durable log end (meta last_seq).
Result<uint64_t> DurableLastSeq(const Txn& txn);
// The oldest retained own-log sequence (last_seq + 1 when the log is empty).
Result<uint64_t> FirstLogSeq(const Txn& txn);

struct LogRecord {
  uint64_t seq;
  std::string payload;  // serialized pb::LogEntry
};
// Own-log entries from `from_seq`, at most `max_entries`, stopping once `max_bytes` is passed
// (at least one entry if any exists).
Result<std::vector<LogRecord>> ReadLog(const Txn& txn, uint64_t from_seq, size_t max_entries,
                                       size_t max_bytes);

// Applies consecutive entries of `remote.origin` after its recorded applied position (earlier
// ones are skipped: exactly once). Advances `clock` past every entry's HLC. Sets `applied` to
// the origin's new applied position. A batch that does not decode, names another origin,
// leaves a gap, or holds a key or value beyond LMDB's limits is refused with InvalidArgument
// before anything is written: it is a bad message
Status ApplyRemoteEntries(WriteTxn& txn, const RemoteEntries& remote, Hlc& clock, uint64_t now_ms,
                          uint64_t& applied);
// Merges a snapshot chunk; with `applied_seq`, raises the origin's applied position to it.
// InvalidArgument, before anything is written, if a record does not decode or does not fit LMDB.
Status ApplySnapshotChunk(WriteTxn& txn, const SnapshotChunk& chunk, Hlc& clock, uint64_t& applied);
// The highest HLC applied here from `origin`'s log (its frontier), from the meta database.
Result<std::map<std::string, uint64_t>> Frontiers(const Txn& txn);
// What one collection pass did: tombstone index entries visited (live records are never
// visited), tombstones purged, and whether the pass stopped at its bound (the next resumes).
struct TombstoneCollection {
  size_t visited = 0;
  size_t purged = 0;
  bool resumes = false;
};
// Purges tombstones that `horizon` allows; `self` is this node's origin (its own writes are all
// applied here). Walks the tombstone index (Db::kTombstones), never the data: at most
// `horizon.max_visited` entries per pass, resuming where the last pass stopped (meta
// `gc_cursor`), wrapping to the start after the last. Index entries whose key is no longer a
// tombstone are dropped.
Status CollectTombstones(WriteTxn& txn, const TombstoneHorizon& horizon, const std::string& self,
                         TombstoneCollection& out);
// Deletes own-log entries with seq <= upto.
Status TruncateLog(WriteTxn& txn, uint64_t upto);

}  // namespace meridian::storage
