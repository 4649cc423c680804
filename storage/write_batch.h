// A write request to the store: an ordered list of mutations applied atomically with one log
// entry, optionally guarded by a precondition evaluated inside the write transaction. A value
// type, built on an I/O thread and consumed by the writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/base/hlc.h"
#include "storage/base/status.h"
#include "storage/lmdb_env.h"

namespace meridian::storage {

struct Mutation {
  enum class Kind {
    kPut,           // key := value
    kDelete,        // key removed (a tombstone, only if the key is live)
    kDeletePrefix,  // every live key under `key` removed; expanded by the writer into explicit
                    // tombstones of the keys it sees, so replicas merge per key
                    // (docs/replication.md)
    kObserve,       // nothing written: the batch's answer depends on the key's current state
                    // (reported in CommitInfo::observed, so a no-op can wait for it)
  };
  Kind kind;
  std::string key;
  std::string value;
};

// Entries of another node's log (consecutive sequence numbers), applied key by key with
// last-writer-wins on (hlc, origin) and recorded as applied in the same transaction, so each
// entry is applied exactly once.
struct RemoteEntries {
  std::string origin;
  std::vector<std::string> payloads;  // serialized pb::LogEntry
};

// A chunk of another node's snapshot: records merged with last-writer-wins. The last chunk
// carries `applied_seq`: the origin's log is then recorded as applied up to it.
struct SnapshotChunk {
  std::string origin;
  std::vector<std::pair<std::string, std::string>> records;  // key, serialized pb::Record
  std::optional<uint64_t> applied_seq;
};

// When a tombstone may be purged: its origin's log is applied everywhere up to the tombstone
// (`stable`), and this node has applied every other origin past the tombstone's HLC
// (`frontier`), so no older write to the key can still arrive and come back to life.
struct TombstoneHorizon {
  std::map<std::string, uint64_t> stable;  // origin id -> seq applied on every node
  std::vector<std::string> origins;        // every current origin of the cluster
  size_t max_visited = 10000;              // tombstones one pass looks at (>= 1)
};

struct WriteBatch {
  // A local write: applied and appended to this node's log. Exactly one of `mutations`,
  // `remote`, `snapshot`, `truncate_log_upto` is used.
  std::vector<Mutation> mutations;
  std::optional<RemoteEntries> remote;
  std::optional<SnapshotChunk> snapshot;
  std::optional<uint64_t> truncate_log_upto;  // delete own log entries <= this
  // A clock entry: logged even with no mutations, so peers learn this node's HLC frontier
  // (tombstone collection waits for every origin's frontier to pass a tombstone).
  bool clock_entry = false;
  // Purge tombstones every node has (see storage/replica.h CollectTombstones).
  std::optional<struct TombstoneHorizon> collect;

  // Optional. Runs on the writer thread inside the write transaction, before `mutations` are
  // applied, and sees every earlier batch of the same group. A non-OK Status rejects this batch
  // alone (nothing of it is written). It may add mutations computed from the current state to
  // `extra`; they apply after `mutations`. It may run more than once (a group that is retried
  // batch by batch), always on a fresh transaction. Must be quick and must not block.
  std::function<Status(const Txn&, std::vector<Mutation>& extra)> prepare;

  void Put(std::string key, std::string value) {
    mutations.push_back({Mutation::Kind::kPut, std::move(key), std::move(value)});
  }
  void Delete(std::string key) {
    mutations.push_back({Mutation::Kind::kDelete, std::move(key), {}});
  }
  void DeletePrefix(std::string prefix) {
    mutations.push_back({Mutation::Kind::kDeletePrefix, std::move(prefix), {}});
  }
  size_t ByteSize() const {
    size_t n = 0;
    for (const auto& m : mutations) n += m.key.size() + m.value.size() + 16;
    if (remote) {
      for (const auto& p : remote->payloads) n += p.size();
    }
    if (snapshot) {
      for (const auto& [k, v] : snapshot->records) n += k.size() + v.size();
    }
    return n;
  }
};

// What a committed batch is known by: its origin sequence (the commit token) and HLC.
// A batch that changed nothing is not logged; it reports the sequence already durable.
// For remote entries and snapshots, `seq` is the origin's applied position.
// `observed`: the writes (origin -> highest origin seq) that set the state of the keys the batch
// deleted without effect or observed (kObserve), read in the batch's own transaction. The answer
// to such a batch rests on them, so its consistency wait includes them.
struct CommitInfo {
  uint64_t seq = 0;
  Hlc hlc;
  bool logged = false;
  std::map<std::string, uint64_t> observed;
};

// Invoked exactly once on the writer thread, after the commit (fsync) or the failure.
// Must not block: post the result to the waiter's own executor.
using CommitCallback = std::function<void(Result<CommitInfo>)>;

}  // namespace meridian::storage
