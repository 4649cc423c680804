// Tests of the majority-per-region quorum (replication/core/quorum.h), as raft tests its
// majority package: hand-picked memberships, then every subset of holders of small clusters
// checked against a straightforward reference (docs/replication.md, Consistency levels).
#include "replication/core/quorum.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace meridian::replication {
namespace {

using L = ConsistencyLevel;

// The reference: count holders per region; a level is reached when the regions it needs each
// have more than half of their nodes holding `seq`.
bool ReferenceReached(const std::vector<Member>& members, const std::string& self,
                      const std::map<std::string, uint64_t>& durable, uint64_t seq, L level) {
  std::map<std::string, int> size, holding;
  std::string self_region;
  for (const auto& m : members) {
    size[m.region]++;
    auto it = durable.find(m.id);
    if (it != durable.end() && it->second >= seq) holding[m.region]++;
    if (m.id == self) self_region = m.region;
  }
  auto majority = [&](const std::string& region) { return 2 * holding[region] > size[region]; };
  if (level == L::kLocalRegion) return majority(self_region);
  for (const auto& [region, n] : size) {
    if (!majority(region)) return false;
  }
  return true;
}

// `counts[i]` nodes in region "r<i>", named "r<i>n<j>".
std::vector<Member> Regions(const std::vector<int>& counts) {
  std::vector<Member> members;
  for (size_t r = 0; r < counts.size(); ++r) {
    for (int j = 0; j < counts[r]; ++j) {
      members.push_back(
          {"r" + std::to_string(r) + "n" + std::to_string(j), "r" + std::to_string(r)});
    }
  }
  return members;
}

class QuorumTest : public ::testing::Test {
 protected:
  static std::map<std::string, uint64_t> At(std::initializer_list<std::string> ids, uint64_t seq) {
    std::map<std::string, uint64_t> out;
    for (const auto& id : ids) out[id] = seq;
    return out;
  }
};

TEST_F(QuorumTest, SingleNodeNeedsOnlyItself) {
  Quorum q({{"n1", "local"}}, "n1");
  EXPECT_EQ(q.self_region(), "local");
  EXPECT_FALSE(q.Reached({}, 1, L::kLocalRegion));
  EXPECT_FALSE(q.Reached({{"n1", 0}}, 1, L::kLocalRegion));
  EXPECT_TRUE(q.Reached({{"n1", 1}}, 1, L::kLocalRegion));
  EXPECT_TRUE(q.Reached({{"n1", 7}}, 3, L::kAllRegions));
}

TEST_F(QuorumTest, ThreeRegionsOfOneNode) {
  const auto members = Regions({1, 1, 1});
  Quorum q(members, "r1n0");
  EXPECT_EQ(q.self_region(), "r1");
  EXPECT_EQ(q.members().size(), 3u);
  EXPECT_TRUE(q.Reached(At({"r1n0"}, 5), 5, L::kLocalRegion));
  EXPECT_FALSE(q.Reached(At({"r0n0", "r2n0"}, 5), 5, L::kLocalRegion));
  EXPECT_FALSE(q.Reached(At({"r1n0", "r2n0"}, 5), 5, L::kAllRegions));
  EXPECT_TRUE(q.Reached(At({"r0n0", "r1n0", "r2n0"}, 5), 5, L::kAllRegions));
}

TEST_F(QuorumTest, TwoRegionsOfThreeNeedTwoInEach) {
  Quorum q(Regions({3, 3}), "r0n0");
  EXPECT_FALSE(q.Reached(At({"r0n0"}, 1), 1, L::kLocalRegion));
  EXPECT_TRUE(q.Reached(At({"r0n1", "r0n2"}, 1), 1, L::kLocalRegion));  // self not required
  EXPECT_FALSE(q.Reached(At({"r0n0", "r0n1", "r0n2", "r1n0"}, 1), 1, L::kAllRegions));
  EXPECT_TRUE(q.Reached(At({"r0n0", "r0n1", "r1n0", "r1n2"}, 1), 1, L::kAllRegions));
}

TEST_F(QuorumTest, EvenRegionNeedsMoreThanHalf) {
  Quorum q(Regions({2, 2}), "r0n0");
  EXPECT_FALSE(q.Reached(At({"r0n0"}, 1), 1, L::kLocalRegion));
  EXPECT_TRUE(q.Reached(At({"r0n0", "r0n1"}, 1), 1, L::kLocalRegion));
}

TEST_F(QuorumTest, PositionsBelowTheSequenceDoNotCount) {
  Quorum q(Regions({3}), "r0n0");
  EXPECT_FALSE(q.Reached({{"r0n0", 9}, {"r0n1", 8}, {"r0n2", 8}}, 9, L::kLocalRegion));
  EXPECT_TRUE(q.Reached({{"r0n0", 9}, {"r0n1", 10}, {"r0n2", 8}}, 9, L::kLocalRegion));
}

TEST_F(QuorumTest, NodesOutsideTheMembershipAreIgnored) {
  Quorum q(Regions({3}), "r0n0");
  EXPECT_FALSE(q.Reached(At({"r0n0", "stranger", "r1n0"}, 1), 1, L::kLocalRegion));
  EXPECT_FALSE(q.Reached(At({"r0n0", "stranger"}, 1), 1, L::kAllRegions));
}

TEST_F(QuorumTest, EverySubsetOfSmallClustersMatchesTheReference) {
  const std::vector<std::vector<int>> shapes = {
      {1}, {2}, {3}, {4}, {5}, {1, 1, 1}, {3, 3}, {2, 2}, {1, 4, 2}, {3, 3, 3}, {2, 1}};
  int checked = 0;
  for (const auto& shape : shapes) {
    const auto members = Regions(shape);
    const size_t n = members.size();
    ASSERT_LE(n, 10u);
    for (const auto& self : members) {
      Quorum q(members, self.id);
      for (uint32_t mask = 0; mask < (1u << n); ++mask) {
        // Holders are at 10 or 11; the others are absent or at 9, alternating by index, so
        // "absent" and "behind" are both covered for every subset.
        std::map<std::string, uint64_t> durable;
        for (size_t i = 0; i < n; ++i) {
          if (mask & (1u << i)) {
            durable[members[i].id] = 10 + (i % 2);
          } else if ((i + mask) % 2 == 0) {
            durable[members[i].id] = 9;
          }
        }
        for (L level : {L::kLocalRegion, L::kAllRegions}) {
          ASSERT_EQ(q.Reached(durable, 10, level),
                    ReferenceReached(members, self.id, durable, 10, level))
              << "shape size " << n << " self " << self.id << " mask " << mask << " level "
              << static_cast<int>(level);
          checked++;
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST_F(QuorumTest, AllRegionsImpliesLocalRegion) {
  const auto members = Regions({1, 4, 2});
  for (const auto& self : members) {
    Quorum q(members, self.id);
    for (uint32_t mask = 0; mask < (1u << members.size()); ++mask) {
      std::map<std::string, uint64_t> durable;
      for (size_t i = 0; i < members.size(); ++i) {
        if (mask & (1u << i)) durable[members[i].id] = 1;
      }
      if (q.Reached(durable, 1, L::kAllRegions)) {
        ASSERT_TRUE(q.Reached(durable, 1, L::kLocalRegion)) << "mask " << mask;
      }
    }
  }
}

}  // namespace
}  // namespace meridian::replication
