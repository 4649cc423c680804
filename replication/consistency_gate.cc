// Consistency waits (see consistency_gate.h).
#include "replication/consistency_gate.h"

#include <vector>

namespace meridian::replication {

void ConsistencyGate::Durable(const std::string& node, uint64_t seq) {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    uint64_t& position = durable_[node];
    if (seq <= position) return;
    position = seq;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (quorum_.Reached(durable_, it->second.seq, it->second.level)) {
        ready.push_back(std::move(it->second.reached));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& fn : ready) fn();
}

ConsistencyGate::WaitId ConsistencyGate::Wait(uint64_t seq, ConsistencyLevel level,
                                              std::function<void()> reached) {
  {
    std::lock_guard lock(mu_);
    if (!quorum_.Reached(durable_, seq, level)) {
      WaitId id = next_id_++;
      waiters_.emplace(id, Waiter{seq, level, std::move(reached)});
      return id;
    }
  }
  reached();
  return 0;
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
