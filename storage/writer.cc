// The group-commit writer (see writer.h).
#include "storage/writer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "storage/base/log.h"
#include "storage/failpoint.h"
#include "storage/keys.h"
#include "storage/records.h"
#include "storage/replica.h"

namespace meridian::storage {
namespace {

uint64_t SystemWallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Failures that belong to a batch (too big for one transaction, a key LMDB cannot hold) or to
// a full disk, not to a broken one: split the group and answer each batch alone, never sticky.
// Everything else (I/O, fsync, corruption) stops writes until restart.
bool IsBatchFault(const Status& st) { return st.IsResourceExhausted() || st.IsInvalidArgument(); }

// Every key and value of `mutations` fits LMDB, so the batch cannot fail the transaction.
Status CheckLimits(const std::vector<Mutation>& mutations) {
  for (const auto& m : mutations) {
    if (m.kind == Mutation::Kind::kDeletePrefix) continue;  // a range, never stored as a key
    MERIDIAN_RETURN_IF_ERROR(CheckKey(m.key));
    MERIDIAN_RETURN_IF_ERROR(CheckValue(m.value));
  }
  return Status::Ok();
}

}  // namespace

Writer::Writer(Env* env, AppliedIndex* applied, std::string origin, uint64_t last_seq, Hlc last_hlc,
               WriterOptions options)
    : env_(env),
      applied_(applied),
      origin_(std::move(origin)),
      options_(std::move(options)),
      last_seq_(last_seq),
      last_hlc_(last_hlc),
      committed_seq_(last_seq) {
  applied_->Advance(origin_, last_seq);
  thread_ = std::thread([this] { Run(); });
}

Writer::~Writer() { Stop(); }

namespace {
constexpr std::string_view kQueueFull = "write queue full";

bool IsLocalWrite(const WriteBatch& batch) {
  return !batch.remote && !batch.snapshot && !batch.truncate_log_upto && !batch.collect &&
         !batch.clock_entry;
}

// What a write gets once a storage failure stopped the writer: Unavailable (503, the node is
// not fit to write until restarted), naming the failure.
Status StoppedBy(const Status& sticky) {
  return Status::Unavailable("storage failed: " + sticky.ToString());
}
}  // namespace

bool IsQueueFull(const Status& status) {
  return status.code() == Status::Code::kUnavailable && status.message() == kQueueFull;
}

void Writer::Submit(WriteBatch batch, CommitCallback done) {
  Status refused = CheckLimits(batch.mutations);
  if (!refused.ok()) {
    {
      std::lock_guard lock(mu_);
      stats_.rejected++;
    }
    done(refused);
    return;
  }
  {
    std::lock_guard lock(mu_);
    const bool local = IsLocalWrite(batch);
    if (stopping_) {
      refused = Status::Unavailable("node is shutting down");
    } else if (!sticky_.ok()) {
      refused = StoppedBy(sticky_);
    } else if (local && queued_writes_ >= options_.max_queued_writes) {
      refused = Status::Unavailable(kQueueFull);
    } else {
      queued_writes_ += local ? 1 : 0;
      queue_.push_back({std::move(batch), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(refused);
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Writer::health() const {
  std::lock_guard lock(mu_);
  return sticky_;
}

WriterStats Writer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Writer::Run() {
  std::vector<Pending> group;
  for (;;) {
    group.clear();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is committed
      size_t bytes = 0;
      while (!queue_.empty() && group.size() < options_.max_group_batches &&
             (group.empty() || bytes < options_.max_group_bytes)) {
        bytes += queue_.front().batch.ByteSize();
        queued_writes_ -= IsLocalWrite(queue_.front().batch) ? 1 : 0;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(group);
  }
}

void Writer::CommitGroup(std::span<Pending> group) {
  const Status sticky = health();
  std::vector<Result<CommitInfo>> results;
  std::vector<std::pair<std::string, uint64_t>> remote_applied;
  uint64_t seq = last_seq_;
  Hlc hlc = last_hlc_;
  const auto started = std::chrono::steady_clock::now();
  Status st = sticky.ok() ? TryCommit(group, results, seq, hlc, remote_applied) : StoppedBy(sticky);
  if (IsBatchFault(st) && group.size() > 1) {
    // One bad batch must not fail its neighbours: retry each alone.
    for (size_t i = 0; i < group.size(); ++i) CommitGroup(group.subspan(i, 1));
    return;
  }
  if (!st.ok()) {
    if (sticky.ok() && !IsBatchFault(st)) {
      log::Error("storage_failed", "status=\"" + st.ToString() + "\"");
      std::lock_guard lock(mu_);
      sticky_ = st;
    }
    {
      std::lock_guard lock(mu_);
      stats_.rejected += group.size();
    }
    for (auto& p : group) p.done(st);
    return;
  }
  last_seq_ = seq;
  last_hlc_ = hlc;
  committed_seq_.store(seq, std::memory_order_release);
  {
    std::lock_guard lock(mu_);
    stats_.commits++;
    for (auto& r : results) (r.ok() ? stats_.batches : stats_.rejected)++;
  }
  applied_->Advance(origin_, seq);
  for (const auto& [origin, applied] : remote_applied) applied_->Advance(origin, applied);
  if (options_.on_commit) {
    options_.on_commit(group.size(), std::chrono::steady_clock::now() - started);
  }
  if (options_.on_durable) options_.on_durable(seq);
  for (size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
}

Status Writer::TryCommit(std::span<Pending> group, std::vector<Result<CommitInfo>>& results,
                         uint64_t& seq, Hlc& hlc,
                         std::vector<std::pair<std::string, uint64_t>>& remote_applied) {
  auto txn = env_->BeginWrite();
  if (!txn.ok()) return txn.status();
  const uint64_t now_ms = options_.wall_ms ? options_.wall_ms() : SystemWallMs();
  results.clear();
  results.reserve(group.size());
  std::vector<Mutation> extra;
  bool holds_remote = false;
  for (auto& pending : group) {
    const WriteBatch& batch = pending.batch;
    if (batch.remote || batch.snapshot) {
      uint64_t applied = 0;
      Status st = batch.remote ? ApplyRemoteEntries(*txn, *batch.remote, hlc, now_ms, applied)
                               : ApplySnapshotChunk(*txn, *batch.snapshot, hlc, applied);
      if (st.IsInvalidArgument()) {  // a peer's bad batch, refused before it wrote anything
        results.emplace_back(std::move(st));
        continue;
      }
      MERIDIAN_RETURN_IF_ERROR(st);
      holds_remote = true;
      remote_applied.emplace_back(batch.remote ? batch.remote->origin : batch.snapshot->origin,
                                  applied);
      results.emplace_back(CommitInfo{applied, hlc, false, {}});
      continue;
    }
    if (batch.collect) {
      TombstoneCollection pass;
      MERIDIAN_RETURN_IF_ERROR(CollectTombstones(*txn, *batch.collect, origin_, pass));
      results.emplace_back(CommitInfo{pass.purged, hlc, false, {}});
      continue;
    }
    if (batch.truncate_log_upto) {
      MERIDIAN_RETURN_IF_ERROR(TruncateLog(*txn, std::min(*batch.truncate_log_upto, seq)));
      results.emplace_back(CommitInfo{seq, hlc, false, {}});
      continue;
    }
    extra.clear();
    if (pending.batch.prepare) {
      Status pre = pending.batch.prepare(*txn, extra);
      if (pre.ok()) pre = CheckLimits(extra);
      if (!pre.ok()) {
        results.emplace_back(pre);
        continue;
      }
    }
    Hlc batch_hlc = Hlc::Now(hlc, now_ms);
    CommitInfo info;
    MERIDIAN_RETURN_IF_ERROR(ApplyBatch(*txn, batch.mutations, extra, batch.clock_entry, seq + 1,
                                        batch_hlc, now_ms, info));
    if (info.logged) {
      seq++;
      hlc = batch_hlc;
    }
    info.seq = seq;
    info.hlc = hlc;
    results.emplace_back(std::move(info));
  }
  MERIDIAN_RETURN_IF_ERROR(txn->Put(Db::kMeta, kMetaLastSeq, LogKey(seq)));
  MERIDIAN_RETURN_IF_ERROR(txn->Put(Db::kMeta, kMetaHlc, LogKey(hlc.packed())));
  if (holds_remote) MERIDIAN_RETURN_IF_ERROR(failpoint::Hit(failpoint::kCommitRemote));
  return txn->Commit();
}

Status Writer::ApplyBatch(WriteTxn& txn, const std::vector<Mutation>& mutations,
                          const std::vector<Mutation>& extra, bool clock_entry, uint64_t seq,
                          Hlc hlc, uint64_t now_ms, CommitInfo& info) {
  // Resolve the ordered mutations to one final state per key (nullopt = delete), so the log
  // entry names each key once and replicas can apply it with a strict LWW comparison.
  // Values are copied, not moved: a group that fails as too big is retried batch by batch.
  std::map<std::string, std::optional<std::string>> final_state;
  std::vector<std::string_view> observe;
  auto note_writer = [&](const Record& r) {
    uint64_t& seen = info.observed[r.origin()];
    seen = std::max(seen, r.origin_seq());
  };
  auto resolve = [&](const Mutation& m) -> Status {
    switch (m.kind) {
      case Mutation::Kind::kObserve:
        observe.push_back(m.key);
        break;
      case Mutation::Kind::kPut:
        final_state[m.key] = m.value;
        break;
      case Mutation::Kind::kDelete:
        final_state[m.key] = std::nullopt;
        break;
      case Mutation::Kind::kDeletePrefix: {
        for (auto it = final_state.lower_bound(m.key);
             it != final_state.end() && it->first.starts_with(m.key); ++it) {
          it->second = std::nullopt;
        }
        Status st = txn.Scan(Db::kData, m.key, [&](std::string_view key, std::string_view) {
          final_state[std::string(key)] = std::nullopt;
          return true;
        });
        MERIDIAN_RETURN_IF_ERROR(st);
        break;
      }
    }
    return Status::Ok();
  };
  for (const auto& m : mutations) MERIDIAN_RETURN_IF_ERROR(resolve(m));
  for (const auto& m : extra) MERIDIAN_RETURN_IF_ERROR(resolve(m));
  pb::LogEntry entry;
  std::string encoded;
  for (auto& [key, value] : final_state) {
    auto existing = GetAnyRecord(txn, key);
    if (!existing.ok()) return existing.status();
    const bool live = existing->has_value() && !(*existing)->tombstone();
    if (!value && !live) {  // deleting what is not there changes nothing, but rests on it
      if (existing->has_value()) note_writer(**existing);
      continue;
    }
    Record record;
    record.set_version(1);
    record.set_hlc(hlc.packed());
    record.set_origin(origin_);
    record.set_origin_seq(seq);
    record.set_updated_at_ms(static_cast<int64_t>(now_ms));
    record.set_created_at_ms(live ? (*existing)->created_at_ms() : static_cast<int64_t>(now_ms));
    pb::Mutation* logged_mutation = entry.add_mutations();
    logged_mutation->set_key(key);
    if (value) {
      record.set_value(*value);
      logged_mutation->set_value(std::move(*value));
    } else {
      record.set_tombstone(true);
      logged_mutation->set_tombstone(true);
    }
    const bool was_tombstone = existing->has_value() && (*existing)->tombstone();
    MERIDIAN_RETURN_IF_ERROR(PutRecord(txn, key, record, was_tombstone, encoded));
  }
  for (std::string_view key : observe) {
    if (final_state.count(std::string(key))) continue;  // written by this very batch
    auto existing = GetAnyRecord(txn, key);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) note_writer(**existing);
  }
  if (entry.mutations_size() == 0 && !clock_entry) return Status::Ok();
  entry.set_version(1);
  entry.set_origin(origin_);
  entry.set_seq(seq);
  entry.set_hlc(hlc.packed());
  entry.set_wall_ms(static_cast<int64_t>(now_ms));
  entry.SerializeToString(&encoded);
  MERIDIAN_RETURN_IF_ERROR(txn.Put(Db::kLog, LogKey(seq), encoded));
  info.logged = true;
  return Status::Ok();
}

}  // namespace meridian::storage
