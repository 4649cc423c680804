// Applied positions and their waiters (see applied_index.h).
#include "storage/applied_index.h"

#include <vector>

namespace meridian::storage {

uint64_t AppliedIndex::Get(const std::string& origin) const {
  std::lock_guard lock(mu_);
  auto it = applied_.find(origin);
  return it == applied_.end() ? 0 : it->second;
}

void AppliedIndex::Advance(const std::string& origin, uint64_t seq) {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    uint64_t& current = applied_[origin];
    if (seq <= current) return;
    current = seq;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.origin == origin && it->second.seq <= seq) {
        ready.push_back(std::move(it->second.on_reached));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& fn : ready) fn();
}

AppliedIndex::WaitId AppliedIndex::Wait(const std::string& origin, uint64_t seq,
                                        std::function<void()> on_reached) {
  {
    std::lock_guard lock(mu_);
    auto it = applied_.find(origin);
    uint64_t reached = it == applied_.end() ? 0 : it->second;
    if (reached < seq) {
      WaitId id = next_id_++;
      waiters_.emplace(id, Waiter{origin, seq, std::move(on_reached)});
      return id;
    }
  }
  on_reached();
  return 0;
}

bool AppliedIndex::Cancel(WaitId id) {
  std::lock_guard lock(mu_);
  return waiters_.erase(id) > 0;
}

}  // namespace meridian::storage
