// The replication state machine (see replicator.h and docs/replication.md).
#include "replication/core/replicator.h"

#include <algorithm>

namespace meridian::replication {

Replicator::Replicator(std::string self, std::vector<std::string> peers, PersistedState state,
                       LogReader* log, ReplicatorOptions options)
    : self_(std::move(self)), options_(options), log_(log), last_seq_(state.last_seq) {
  for (auto& p : peers) peers_[p];
  for (auto& [origin, seq] : state.applied) {
    origins_[origin] = OriginState{seq, seq, 0, seq};
  }
  uint64_t first = log_->FirstSeq();
  truncated_upto_ = first > 0 ? first - 1 : 0;
}

uint64_t Replicator::Stable() const {
  // Only what every peer acknowledged this run: never the truncation point, which retention
  // may push past a peer it cut loose (stable_seq releases no-op waits and purges tombstones).
  uint64_t stable = last_seq_;
  for (const auto& [id, st] : peers_) {
    if (!st.acked_known) return 0;
    stable = std::min(stable, st.acked);
  }
  return stable;
}

void Replicator::MaybeTruncate(uint64_t now_ms) {
  uint64_t target = Stable();
  if (last_seq_ > options_.max_log_entries) {
    target = std::max(target, last_seq_ - options_.max_log_entries);
  }
  target = std::min(target, last_seq_);
  if (target <= truncated_upto_) return;
  const bool batch_full = target - truncated_upto_ >= options_.truncate_every_entries;
  const bool flush_due = clocks_started_ && now_ms - truncate_ms_ >= options_.truncate_flush_ms;
  if (!batch_full && !flush_due) return;
  truncated_upto_ = target;
  truncate_ms_ = now_ms;
  ready_.truncate_upto = target;
}

void Replicator::MaybeCollect(uint64_t now_ms) {
  if (now_ms - gc_ms_ < options_.gc_interval_ms) return;
  gc_ms_ = now_ms;
  if (now_ms - local_ms_ >= options_.gc_interval_ms) ready_.clock_entry = true;
  GcHorizon horizon;
  horizon.origins.push_back(self_);
  horizon.stable[self_] = Stable();
  for (const auto& [peer, st] : peers_) {
    auto origin = origin_of_.find(peer);
    if (origin == origin_of_.end()) return;  // a peer not seen this run: nothing is safe yet
    horizon.origins.push_back(origin->second);
    horizon.stable[origin->second] = StableOf(origin->second);
  }
  ready_.collect = std::move(horizon);
}

void Replicator::SendEntries(const std::string& peer, PeerState& st, std::vector<WireEntry> entries,
                             uint64_t now_ms) {
  EntriesMsg msg;
  msg.prev_seq = st.next - 1;
  msg.last_seq = last_seq_;
  msg.stable_seq = Stable();
  if (!entries.empty()) {
    if (st.next - 1 <= st.acked) st.progress_ms = now_ms;  // the pipe was empty
    st.next = entries.back().seq + 1;
    msg.entries = std::move(entries);
  }
  st.sent_ms = now_ms;
  ready_.entries.emplace_back(peer, std::move(msg));
}

void Replicator::Pump(const std::string& peer, PeerState& st, uint64_t now_ms) {
  if (!st.connected || st.snapshotting) return;
  st.next = std::max(st.next, st.acked + 1);
  if (st.next <= last_seq_ && st.next < log_->FirstSeq()) {
    // The entries the peer needs were truncated: key space first, then the log.
    st.snapshotting = true;
    st.snapshot_ms = now_ms;
    ready_.snapshots.push_back(peer);
    return;
  }
  // Bounded by the window: at most max_inflight_entries / 1 iterations.
  while (st.next <= last_seq_) {
    const uint64_t inflight = st.next - 1 - std::min(st.acked, st.next - 1);
    if (inflight >= options_.max_inflight_entries) break;
    const uint64_t room =
        std::min<uint64_t>(options_.max_inflight_entries - inflight, last_seq_ - st.next + 1);
    auto entries = log_->Read(st.next, std::min<uint64_t>(room, options_.max_batch_entries),
                              options_.max_batch_bytes);
    if (!entries.ok()) {  // not the log's end: stop here and retry on the next Tick
      if (log_status_.ok()) ready_.log_error = entries.status();
      log_status_ = entries.status();
      break;
    }
    log_status_ = Status::Ok();
    if (entries->empty() || entries->front().seq != st.next) break;  // truncated under us
    SendEntries(peer, st, std::move(*entries), now_ms);
  }
}

void Replicator::LocalAppended(uint64_t last_seq, uint64_t now_ms) {
  if (last_seq <= last_seq_) return;
  last_seq_ = last_seq;
  local_ms_ = now_ms;
  for (auto& [peer, st] : peers_) Pump(peer, st, now_ms);
  MaybeTruncate(now_ms);
}

void Replicator::PeerConnected(const std::string& peer, uint64_t peer_applied, uint64_t now_ms) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  PeerState& st = it->second;
  st.connected = true;
  st.snapshotting = false;
  // The peer's word is the truth, even if lower than before: a rebuilt peer has less.
  st.acked = peer_applied;
  st.acked_known = true;
  st.next = peer_applied + 1;
  st.progress_ms = now_ms;
  silent_ticks_[{LinkRef::Dir::kOutbound, peer}] = 0;
  ready_.durable.emplace_back(peer, peer_applied);
  Pump(peer, st, now_ms);
  if (!st.snapshotting && st.next > last_seq_) SendEntries(peer, st, {}, now_ms);
  MaybeTruncate(now_ms);
}

void Replicator::PeerDisconnected(const std::string& peer) {
  silent_ticks_.erase({LinkRef::Dir::kOutbound, peer});
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  it->second.connected = false;
  it->second.snapshotting = false;
}

void Replicator::PeerOrigin(const std::string& peer, const std::string& origin) {
  if (!peers_.count(peer)) return;
  origin_of_[peer] = origin;
  silent_ticks_[{LinkRef::Dir::kInbound, origin}] = 0;
}

void Replicator::InboundLost(const std::string& origin) {
  silent_ticks_.erase({LinkRef::Dir::kInbound, origin});
}

void Replicator::Heard(const LinkRef& link) {
  if (auto it = silent_ticks_.find(link); it != silent_ticks_.end()) it->second = 0;
}

void Replicator::CountSilence() {
  std::vector<LinkRef> dead;
  for (auto& [link, ticks] : silent_ticks_) {
    auto peer = link.dir == LinkRef::Dir::kOutbound ? peers_.find(link.id) : peers_.end();
    if (peer != peers_.end() && peer->second.snapshotting) {
      ticks = 0;  // acks pause while the peer installs the snapshot
    } else if (++ticks >= options_.link_dead_ticks) {
      dead.push_back(link);
    }
  }
  for (auto& link : dead) {
    if (link.dir == LinkRef::Dir::kOutbound) {
      PeerDisconnected(link.id);  // nothing more is sent on it
    } else {
      InboundLost(link.id);
    }
    ready_.drop_links.push_back(std::move(link));
  }
}

void Replicator::Step(const std::string& origin, const EntriesMsg& msg, uint64_t /*now_ms*/) {
  if (origin == self_) return;
  Heard({LinkRef::Dir::kInbound, origin});
  OriginState& st = origins_[origin];
  st.stable = std::max(st.stable, msg.stable_seq);
  st.announced = std::max(st.announced, msg.last_seq);
  ApplyBatch batch{origin, {}};
  for (const auto& e : msg.entries) {
    if (e.seq <= st.pending) continue;   // duplicate
    if (e.seq != st.pending + 1) break;  // gap: the origin resends from our ack
    batch.entries.push_back(e);
    st.pending = e.seq;
  }
  if (!batch.entries.empty()) {
    ready_.apply.push_back(std::move(batch));
  } else if (st.pending == st.applied) {
    // Heartbeat, duplicate or gap: tell the origin where we stand.
    ready_.acks.emplace_back(origin, AckMsg{st.applied});
  }
}

void Replicator::Step(const std::string& peer, const AckMsg& msg, uint64_t now_ms) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  Heard({LinkRef::Dir::kOutbound, peer});
  PeerState& st = it->second;
  if (msg.applied_seq > st.acked || !st.acked_known) {
    st.acked = std::max(st.acked, msg.applied_seq);
    st.acked_known = true;
    st.progress_ms = now_ms;
    ready_.durable.emplace_back(peer, st.acked);
  }
  if (st.snapshotting && st.acked + 1 >= log_->FirstSeq()) {
    st.snapshotting = false;  // the snapshot is installed; the log continues from here
  }
  Pump(peer, st, now_ms);
  MaybeTruncate(now_ms);
}

void Replicator::Tick(uint64_t now_ms) {
  if (!clocks_started_) {
    clocks_started_ = true;
    truncate_ms_ = gc_ms_ = now_ms;
    local_ms_ = std::max(local_ms_, now_ms);
  }
  CountSilence();
  for (auto& [peer, st] : peers_) {
    if (!st.connected) continue;
    if (st.snapshotting) {
      if (now_ms - st.snapshot_ms >= options_.snapshot_timeout_ms) {
        st.snapshotting = false;
        st.next = st.acked + 1;
        Pump(peer, st, now_ms);
      }
      continue;
    }
    if (st.acked + 1 < st.next && now_ms - st.progress_ms >= options_.retransmit_ms) {
      st.next = st.acked + 1;  // go back: something was lost
      st.progress_ms = now_ms;
    }
    Pump(peer, st, now_ms);
    if (now_ms - st.sent_ms >= options_.heartbeat_ms && !st.snapshotting) {
      SendEntries(peer, st, {}, now_ms);
    }
  }
  MaybeTruncate(now_ms);
  MaybeCollect(now_ms);
}

void Replicator::Applied(const std::string& origin, uint64_t seq) {
  OriginState& st = origins_[origin];
  if (seq > st.applied) st.applied = seq;
  st.pending = std::max(st.pending, st.applied);
  ready_.acks.emplace_back(origin, AckMsg{st.applied});
}

void Replicator::ApplyFailed(const std::string& origin) {
  OriginState& st = origins_[origin];
  st.pending = st.applied;
}

Ready Replicator::TakeReady() {
  Ready out = std::move(ready_);
  ready_ = Ready{};
  return out;
}

uint64_t Replicator::AppliedFrom(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.applied;
}

uint64_t Replicator::StableOf(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.stable;
}

uint64_t Replicator::AnnouncedBy(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.announced;
}

Replicator::PeerView Replicator::Peer(const std::string& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return {};
  return {it->second.connected, it->second.snapshotting, it->second.acked, it->second.next};
}

}  // namespace meridian::replication
