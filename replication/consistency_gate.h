// ConsistencyGate: holds write requests until their batch is durable on the nodes their
// consistency level needs. The writer reports this node's commits and (next milestone) peer
// links report acknowledgements; both call Durable(). Thread-safe; callbacks run on the thread
// that reports the position that satisfies them, outside the lock, and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "replication/core/quorum.h"

namespace meridian::replication {

class ConsistencyGate {
 public:
  using WaitId = uint64_t;
  explicit ConsistencyGate(Quorum quorum) : quorum_(std::move(quorum)) {}

  // `node` holds this node's writes up to `seq` durably.
  void Durable(const std::string& node, uint64_t seq);
  // Runs `reached` once write `seq` of this node satisfies `level`: inline (returns 0) if it
  // already does, else later (returns an id for Cancel).
  WaitId Wait(uint64_t seq, ConsistencyLevel level, std::function<void()> reached);
  // Drops a pending wait; true if it was pending (its callback will never run).
  bool Cancel(WaitId id);
  // A copy of the durable positions, for status pages.
  std::map<std::string, uint64_t> DurablePositions() const;
  const Quorum& quorum() const { return quorum_; }

 private:
  struct Waiter {
    uint64_t seq;
    ConsistencyLevel level;
    std::function<void()> reached;
  };
  const Quorum quorum_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> durable_;  // GUARDED_BY(mu_)
  std::map<WaitId, Waiter> waiters_;         // GUARDED_BY(mu_)
  WaitId next_id_ = 1;                       // GUARDED_BY(mu_)
};

}  // namespace meridian::replication
