// ConsistencyGate: holds write requests until their batch is durable on the nodes their
// consistency level needs. The writer reports this node's commits and the replication service
// reports peers' acknowledgements; both call Durable(). A request whose answer rests on another
// origin's write (a retried delete that found the key already gone) waits for that write: it
// is held by this node, by the node whose log it is, and by every node once the origin
// announces it stable; nothing else is known here. Thread-safe; callbacks run on the thread
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
  // Every node holds the log of `origin` (another node's incarnation) up to `seq`.
  void Stable(const std::string& origin, uint64_t seq);
  // `origin` is the log of node `node`, which holds all of it.
  void OriginOfNode(const std::string& origin, const std::string& node);

  // Runs `reached` once write `seq` of this node satisfies `level`: inline (returns 0) if it
  // already does, else later (returns an id for Cancel).
  WaitId Wait(uint64_t seq, ConsistencyLevel level, std::function<void()> reached);
  // The same for write `seq` of `origin`, another node's log this node has applied that far.
  WaitId WaitRemote(const std::string& origin, uint64_t seq, ConsistencyLevel level,
                    std::function<void()> reached);
  // Drops a pending wait; true if it was pending (its callback will never run).
  bool Cancel(WaitId id);
  // A copy of the durable positions, for status pages.
  std::map<std::string, uint64_t> DurablePositions() const;
  const Quorum& quorum() const { return quorum_; }

 private:
  struct Waiter {
    std::string origin;  // empty: this node's log
    uint64_t seq;
    ConsistencyLevel level;
    std::function<void()> reached;
  };
  bool ReachedLocked(const Waiter& w) const;
  WaitId Add(Waiter w);
  // Runs (outside the lock) and drops the waiters of `origin` now reached.
  void Release(const std::string& origin);

  const Quorum quorum_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> durable_;     // GUARDED_BY(mu_) node -> own log position
  std::map<std::string, uint64_t> stable_;      // GUARDED_BY(mu_) origin -> on every node
  std::map<std::string, std::string> node_of_;  // GUARDED_BY(mu_) origin -> node id
  std::map<WaitId, Waiter> waiters_;            // GUARDED_BY(mu_)
  WaitId next_id_ = 1;                          // GUARDED_BY(mu_)
};

}  // namespace meridian::replication
