// How far this node has applied each origin's log (its own included), and callbacks waiting for
// a position. Thread-safe: advanced by the writer thread, read and waited on by I/O threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace meridian::storage {

class AppliedIndex {
 public:
  using WaitId = uint64_t;

  uint64_t Get(const std::string& origin) const;
  // Raises origin's position to `seq` (never lowers it) and runs the callbacks it satisfies,
  // on the calling thread, outside the lock.
  void Advance(const std::string& origin, uint64_t seq);
  // Runs `on_reached` once `origin` reaches `seq`: inline if it already has (returns 0), else
  // later from Advance (returns an id for Cancel).
  WaitId Wait(const std::string& origin, uint64_t seq, std::function<void()> on_reached);
  // Drops a pending wait; true if it was still pending (its callback will never run).
  bool Cancel(WaitId id);

 private:
  struct Waiter {
    std::string origin;
    uint64_t seq;
    std::function<void()> on_reached;
  };
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> applied_;  // GUARDED_BY(mu_)
  std::map<WaitId, Waiter> waiters_;         // GUARDED_BY(mu_)
  WaitId next_id_ = 1;                       // GUARDED_BY(mu_)
};

}  // namespace meridian::storage
