// Majority-per-region quorum (see quorum.h).
#include "replication/core/quorum.h"

namespace meridian::replication {

Quorum::Quorum(std::vector<Member> members, std::string self)
    : members_(std::move(members)), self_(std::move(self)) {
  for (const auto& m : members_) {
    regions_[m.region].push_back(m.id);
    if (m.id == self_) self_region_ = m.region;
  }
}

bool Quorum::Reached(const std::map<std::string, uint64_t>& durable, uint64_t seq,
                     ConsistencyLevel level) const {
  auto region_has_majority = [&](const std::vector<std::string>& nodes) {
    size_t holding = 0;
    for (const auto& id : nodes) {
      auto it = durable.find(id);
      if (it != durable.end() && it->second >= seq) holding++;
    }
    return holding * 2 > nodes.size();
  };
  if (level == ConsistencyLevel::kLocalRegion) {
    auto it = regions_.find(self_region_);
    return it != regions_.end() && region_has_majority(it->second);
  }
  for (const auto& [region, nodes] : regions_) {
    if (!region_has_majority(nodes)) return false;
  }
  return true;
}

}  // namespace meridian::replication
