// Which nodes must hold a write before a consistency level is reached (docs/replication.md,
// Consistency levels). Pure and I/O-free: a value built from the cluster membership.
// Thread-compatible.
//   local_region: a majority of the writer's region;  all_regions: a majority of every region.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace meridian::replication {

enum class ConsistencyLevel { kLocalRegion, kAllRegions };

struct Member {
  std::string id;
  std::string region;
};

class Quorum {
 public:
  // REQUIRES: `self` is one of `members`.
  Quorum(std::vector<Member> members, std::string self);

  // True when the nodes whose durable position (`durable[node] >= seq`) make up a majority of
  // each region the level requires. Nodes absent from `durable` hold nothing.
  bool Reached(const std::map<std::string, uint64_t>& durable, uint64_t seq,
               ConsistencyLevel level) const;

  const std::string& self() const { return self_; }
  const std::string& self_region() const { return self_region_; }
  const std::vector<Member>& members() const { return members_; }

 private:
  std::vector<Member> members_;
  std::string self_;
  std::string self_region_;
  std::map<std::string, std::vector<std::string>> regions_;  // region -> node ids
};

}  // namespace meridian::replication
