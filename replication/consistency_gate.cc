// Consistency waits (see consistency_gate.h).
#include "replication/consistency_gate.h"

#include <vector>

namespace meridian::replication {

bool ConsistencyGate::ReachedLocked(const Waiter& w) const {
  if (w.origin.empty()) return quorum_.Reached(durable_, w.seq, w.level);
  if (auto st = stable_.find(w.origin); st != stable_.end() && st->second >= w.seq) return true;
  std::map<std::string, uint64_t> holders{{quorum_.self(), w.seq}};
  if (auto node = node_of_.find(w.origin); node != node_of_.end()) holders[node->second] = w.seq;
  return quorum_.Reached(holders, w.seq, w.level);
}

void ConsistencyGate::Release(const std::string& origin) {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.origin == origin && ReachedLocked(it->second)) {
        ready.push_back(std::move(it->second.reached));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& fn : ready) fn();
}

void ConsistencyGate::Durable(const std::string& node, uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    uint64_t& position = durable_[node];
    if (seq <= position) return;
    position = seq;
  }
  Release("");
}

void ConsistencyGate::Stable(const std::string& origin, uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    uint64_t& position = stable_[origin];
    if (seq <= position) return;
    position = seq;
  }
  Release(origin);
}

void ConsistencyGate::OriginOfNode(const std::string& origin, const std::string& node) {
  {
    std::lock_guard lock(mu_);
    node_of_[origin] = node;
  }
  Release(origin);
}

ConsistencyGate::WaitId ConsistencyGate::Add(Waiter w) {
  {
    std::lock_guard lock(mu_);
    if (!ReachedLocked(w)) {
      WaitId id = next_id_++;
      waiters_.emplace(id, std::move(w));
      return id;
    }
  }
  w.reached();
  return 0;
}

ConsistencyGate::WaitId ConsistencyGate::Wait(uint64_t seq, ConsistencyLevel level,
                                              std::function<void()> reached) {
  return Add(Waiter{{}, seq, level, std::move(reached)});
}

ConsistencyGate::WaitId ConsistencyGate::WaitRemote(const std::string& origin, uint64_t seq,
                                                    ConsistencyLevel level,
                                                    std::function<void()> reached) {
  return Add(Waiter{origin, seq, level, std::move(reached)});
}

bool ConsistencyGate::Cancel(WaitId id) {
  std::lock_guard lock(mu_);
  return waiters_.erase(id) > 0;
}

std::map<std::string, uint64_t> ConsistencyGate::DurablePositions() const {
  std::lock_guard lock(mu_);
  return durable_;
}

}  // namespace meridian::replication
