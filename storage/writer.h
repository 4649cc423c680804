// The single writer: one thread owns every LMDB write transaction. Concurrent Submit()s queue up;
// the thread folds the queue (bounded by count and bytes) into one transaction that applies each
// batch, appends one log entry per batch and records the node's position, commits once with
// fsync, then answers every batch of the group (leveldb's DBImpl::Write, with a thread).
// Thread-safe. A batch whose keys or values exceed LMDB's limits (storage/lmdb_env.h) is refused
// alone with InvalidArgument before any transaction; a full disk or map fails the group's
// batches with ResourceExhausted and the next group tries again. Any other failure (I/O, fsync,
// corruption) is sticky: that group's batches fail with it, and every later write fails with
// Unavailable("storage failed: <it>") until restart (health() keeps the failure itself).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/applied_index.h"
#include "storage/base/hlc.h"
#include "storage/lmdb_env.h"
#include "storage/write_batch.h"

namespace meridian::storage {

struct WriterOptions {
  size_t max_group_batches = 4096;
  size_t max_group_bytes = size_t{32} << 20;
  // Local writes (batches with `mutations` only) waiting in the queue; one more is refused at
  // once with Unavailable("write queue full"), never sticky. Replication, snapshot and
  // maintenance batches are never refused: a peer's data must not be dropped for load.
  size_t max_queued_writes = 65536;
  // Wall clock in milliseconds since the epoch; replaceable in tests.
  std::function<uint64_t()> wall_ms;
  // Called on the writer thread after each commit with this node's new durable position,
  // before the group's callbacks run (the consistency gate listens here). Must not block.
  std::function<void(uint64_t seq)> on_durable;
  // Called on the writer thread after each commit with the group's batch count and the time
  // from the transaction's start to its fsync'd commit (/metrics). Must not block.
  std::function<void(size_t batches, std::chrono::steady_clock::duration took)> on_commit;
};

struct WriterStats {
  uint64_t commits = 0;   // fsync'd transactions
  uint64_t batches = 0;   // write batches committed
  uint64_t rejected = 0;  // batches refused by their precondition or by a full map
};

class Writer {
 public:
  // REQUIRES: env and applied outlive the writer. `origin` is this node's incarnation id (the
  // name of its log); `last_seq`/`last_hlc` its durable position, read at startup.
  Writer(Env* env, AppliedIndex* applied, std::string origin, uint64_t last_seq, Hlc last_hlc,
         WriterOptions options);
  ~Writer();  // Stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues `batch`; `done` runs once, on the writer thread, after the group's fsync or failure.
  // After Stop() or a sticky failure `done` gets Unavailable at once; so
  // does a local write over max_queued_writes (IsQueueFull). A batch beyond LMDB's limits gets
  // InvalidArgument at once, on the calling thread.
  void Submit(WriteBatch batch, CommitCallback done);
  // Commits everything already queued, then joins the thread. Idempotent.
  void Stop();

  // OK, or the sticky failure that stopped writes.
  Status health() const;
  uint64_t committed_seq() const { return committed_seq_.load(std::memory_order_acquire); }
  WriterStats stats() const;

 private:
  struct Pending {
    WriteBatch batch;
    CommitCallback done;
  };
  void Run();
  void CommitGroup(std::span<Pending> group);
  // One transaction for the whole group; on success fills `results` and the new position.
  // Remote batches add (origin, applied seq) to `remote_applied`.
  Status TryCommit(std::span<Pending> group, std::vector<Result<CommitInfo>>& results,
                   uint64_t& seq, Hlc& hlc,
                   std::vector<std::pair<std::string, uint64_t>>& remote_applied);
  // Applies one batch inside `txn`: resolves its mutations to a per-key final state, writes
  // records and the log entry. `info.logged` tells whether a sequence number was used;
  // `info.observed` gets the writers of the keys it left as they were.
  Status ApplyBatch(WriteTxn& txn, const std::vector<Mutation>& mutations,
                    const std::vector<Mutation>& extra, bool clock_entry, uint64_t seq, Hlc hlc,
                    uint64_t now_ms, CommitInfo& info);

  Env* const env_;
  AppliedIndex* const applied_;
  const std::string origin_;
  const WriterOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  size_t queued_writes_ = 0;   // GUARDED_BY(mu_); local writes in queue_
  bool stopping_ = false;      // GUARDED_BY(mu_)
  Status sticky_;              // GUARDED_BY(mu_)
  WriterStats stats_;          // GUARDED_BY(mu_)

  // Owned by the writer thread.
  uint64_t last_seq_;
  Hlc last_hlc_;
  std::atomic<uint64_t> committed_seq_;
  std::thread thread_;
};

// True for the Status a write gets when the writer's queue is full (retry later).
bool IsQueueFull(const Status& status);

// Meta keys holding the writer's durable position.
inline constexpr std::string_view kMetaLastSeq = "last_seq";
inline constexpr std::string_view kMetaHlc = "hlc";

}  // namespace meridian::storage
