// Tests of the consistency gate (replication/consistency_gate.h): waits released when Durable
// reports make the level's quorum, inline when already reached, exactly once, Cancel, lower
// positions ignored, and callbacks that run outside the lock.
#include "replication/consistency_gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace meridian::replication {
namespace {

using L = ConsistencyLevel;

class ConsistencyGateTest : public ::testing::Test {
 protected:
  // Two regions of three nodes; this node is "a1".
  static Quorum TwoByThree() {
    return Quorum(
        {{"a1", "eu"}, {"a2", "eu"}, {"a3", "eu"}, {"b1", "us"}, {"b2", "us"}, {"b3", "us"}}, "a1");
  }
};

TEST_F(ConsistencyGateTest, SingleNodeWaitIsReleasedByItsOwnCommit) {
  ConsistencyGate gate(Quorum({{"n1", "local"}}, "n1"));
  int calls = 0;
  const auto id = gate.Wait(2, L::kLocalRegion, [&] { calls++; });
  EXPECT_NE(id, 0u);
  gate.Durable("n1", 1);
  EXPECT_EQ(calls, 0);
  gate.Durable("n1", 2);
  EXPECT_EQ(calls, 1);
  gate.Durable("n1", 3);
  EXPECT_EQ(calls, 1);  // exactly once
  EXPECT_FALSE(gate.Cancel(id));
}

TEST_F(ConsistencyGateTest, AlreadyReachedWaitRunsInlineAndReturnsZero) {
  ConsistencyGate gate(Quorum({{"n1", "local"}}, "n1"));
  gate.Durable("n1", 5);
  int calls = 0;
  EXPECT_EQ(gate.Wait(5, L::kLocalRegion, [&] { calls++; }), 0u);
  EXPECT_EQ(gate.Wait(3, L::kAllRegions, [&] { calls++; }), 0u);
  EXPECT_EQ(calls, 2);
}

TEST_F(ConsistencyGateTest, LocalRegionNeedsAMajorityOfTheOwnRegionOnly) {
  ConsistencyGate gate(TwoByThree());
  int calls = 0;
  gate.Wait(1, L::kLocalRegion, [&] { calls++; });
  gate.Durable("a1", 1);
  gate.Durable("b1", 1);
  gate.Durable("b2", 1);
  EXPECT_EQ(calls, 0);
  gate.Durable("a3", 1);
  EXPECT_EQ(calls, 1);
}

TEST_F(ConsistencyGateTest, AllRegionsWaitsForAMajorityOfEveryRegion) {
  ConsistencyGate gate(TwoByThree());
  int local = 0, all = 0;
  gate.Wait(4, L::kLocalRegion, [&] { local++; });
  gate.Wait(4, L::kAllRegions, [&] { all++; });
  gate.Durable("a1", 4);
  gate.Durable("a2", 4);
  EXPECT_EQ(local, 1);
  EXPECT_EQ(all, 0);
  gate.Durable("b1", 4);
  EXPECT_EQ(all, 0);
  gate.Durable("b3", 3);  // behind: does not count
  EXPECT_EQ(all, 0);
  gate.Durable("b3", 9);
  EXPECT_EQ(all, 1);
}

TEST_F(ConsistencyGateTest, OnlyTheWaitsAReportSatisfiesAreReleased) {
  ConsistencyGate gate(Quorum({{"n1", "local"}}, "n1"));
  std::vector<uint64_t> ran;
  for (uint64_t seq : {3, 1, 5, 2})
    gate.Wait(seq, L::kLocalRegion, [&ran, seq] { ran.push_back(seq); });
  gate.Durable("n1", 2);
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, (std::vector<uint64_t>{1, 2}));
  gate.Durable("n1", 4);
  std::sort(ran.begin(), ran.end());
  EXPECT_EQ(ran, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(ConsistencyGateTest, CancelledWaitNeverRuns) {
  ConsistencyGate gate(Quorum({{"n1", "local"}}, "n1"));
  int calls = 0;
  const auto id = gate.Wait(1, L::kLocalRegion, [&] { calls++; });
  const auto kept = gate.Wait(1, L::kLocalRegion, [&] { calls += 10; });
  EXPECT_NE(id, kept);
  EXPECT_TRUE(gate.Cancel(id));
  EXPECT_FALSE(gate.Cancel(id));
  gate.Durable("n1", 1);
  EXPECT_EQ(calls, 10);
  EXPECT_FALSE(gate.Cancel(kept));
  EXPECT_FALSE(gate.Cancel(0));
}

TEST_F(ConsistencyGateTest, LowerPositionsAreIgnored) {
  ConsistencyGate gate(TwoByThree());
  gate.Durable("a1", 5);
  gate.Durable("a1", 3);
  gate.Durable("a2", 5);
  EXPECT_EQ(gate.DurablePositions().at("a1"), 5u);
  int calls = 0;
  EXPECT_EQ(gate.Wait(5, L::kLocalRegion, [&] { calls++; }), 0u);
  EXPECT_EQ(calls, 1);
  // A stale report for a node does not lower it below a pending wait's need either.
  const auto id = gate.Wait(6, L::kLocalRegion, [&] { calls++; });
  gate.Durable("a2", 6);
  gate.Durable("a2", 1);
  gate.Durable("a1", 6);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(gate.Cancel(id));
}

TEST_F(ConsistencyGateTest, DurablePositionsReportsEveryNode) {
  ConsistencyGate gate(TwoByThree());
  EXPECT_TRUE(gate.DurablePositions().empty());
  gate.Durable("a1", 3);
  gate.Durable("b2", 1);
  const auto positions = gate.DurablePositions();
  EXPECT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions.at("a1"), 3u);
  EXPECT_EQ(positions.at("b2"), 1u);
  EXPECT_EQ(gate.quorum().self_region(), "eu");
}

TEST_F(ConsistencyGateTest, CallbacksRunOutsideTheLock) {
  ConsistencyGate gate(Quorum({{"n1", "local"}}, "n1"));
  bool nested = false;
  uint64_t seen = 0;
  gate.Wait(1, L::kLocalRegion, [&] {
    seen = gate.DurablePositions().at("n1");
    gate.Wait(1, L::kLocalRegion, [&] { nested = true; });
  });
  gate.Durable("n1", 1);
  EXPECT_EQ(seen, 1u);
  EXPECT_TRUE(nested);
}

TEST_F(ConsistencyGateTest, ConcurrentReportsReleaseEveryWaitExactlyOnce) {
  ConsistencyGate gate(TwoByThree());
  constexpr int kWaits = 100;
  std::vector<std::atomic<int>> calls(kWaits);
  for (int i = 0; i < kWaits; ++i) {
    gate.Wait(static_cast<uint64_t>(i + 1), i % 2 ? L::kAllRegions : L::kLocalRegion,
              [&calls, i] { calls[i]++; });
  }
  std::vector<std::thread> threads;
  for (const char* node : {"a1", "a2", "b1", "b2"}) {
    threads.emplace_back([&gate, node] {
      for (uint64_t s = 1; s <= kWaits; ++s) gate.Durable(node, s);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kWaits; ++i) EXPECT_EQ(calls[i].load(), 1) << "wait " << i;
}

TEST_F(ConsistencyGateTest, AnotherOriginsWriteIsHeldHereAndByItsOwnNode) {
  // Three regions of one node: this node and the origin's node make local_region at once, and
  // all_regions only once the origin says every node has it.
  ConsistencyGate gate(Quorum({{"a", "r1"}, {"b", "r2"}, {"c", "r3"}}, "a"));
  int local = 0;
  EXPECT_EQ(gate.WaitRemote("b.1", 5, L::kLocalRegion, [&] { local++; }), 0u);
  EXPECT_EQ(local, 1);
  int all = 0;
  const auto id = gate.WaitRemote("b.1", 5, L::kAllRegions, [&] { all++; });
  EXPECT_NE(id, 0u);
  gate.Durable("c", 100);  // c's copy of this node's log says nothing about b's
  gate.OriginOfNode("b.1", "b");
  gate.Stable("b.1", 4);
  EXPECT_EQ(all, 0);
  gate.Stable("b.1", 5);
  EXPECT_EQ(all, 1);
  EXPECT_FALSE(gate.Cancel(id));
  EXPECT_EQ(gate.WaitRemote("b.1", 5, L::kAllRegions, [] {}), 0u);
}

TEST_F(ConsistencyGateTest, TwoRegionsNeedOnlyThisNodeAndTheOrigin) {
  ConsistencyGate gate(Quorum({{"a", "r1"}, {"b", "r2"}}, "a"));
  int all = 0;
  const auto id = gate.WaitRemote("b.1", 3, L::kAllRegions, [&] { all++; });
  EXPECT_NE(id, 0u);  // whose log b.1 is is not known yet
  gate.OriginOfNode("b.1", "b");
  EXPECT_EQ(all, 1);
}

TEST_F(ConsistencyGateTest, RemoteWaitsInABiggerRegionNeedStability) {
  // eu has three nodes: a1 and the origin's node b1 (in us) do not make a majority of eu.
  ConsistencyGate gate(TwoByThree());
  gate.OriginOfNode("b1.x", "b1");
  int local = 0;
  const auto id = gate.WaitRemote("b1.x", 2, L::kLocalRegion, [&] { local++; });
  EXPECT_NE(id, 0u);
  gate.Durable("a2", 10);
  gate.Durable("a3", 10);
  EXPECT_EQ(local, 0);
  EXPECT_TRUE(gate.Cancel(id));
  gate.Stable("b1.x", 2);
  EXPECT_EQ(gate.WaitRemote("b1.x", 2, L::kLocalRegion, [] {}), 0u);
}

}  // namespace
}  // namespace meridian::replication
