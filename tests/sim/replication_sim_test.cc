// Seeded whole-cluster simulations of the real replication code over the real store
// (docs/replication.md, "Testing").
// A failing seed is printed with its replay command; MERIDIAN_SIM_SEED=<n> replays just that
// one, MERIDIAN_SIM_SEEDS=<n> runs n seeds per scenario.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/base/log.h"
#include "tests/sim/sim_cluster.h"

namespace meridian::sim {
namespace {

// MERIDIAN_SIM_SEED=S replays one seed; MERIDIAN_SIM_SEEDS=N runs N seeds (per scenario)
// instead of the bounded CI count.
std::vector<uint64_t> Seeds(uint64_t base, int count) {
  if (const char* one = std::getenv("MERIDIAN_SIM_SEED")) return {std::strtoull(one, nullptr, 10)};
  if (const char* many = std::getenv("MERIDIAN_SIM_SEEDS")) {
    count = static_cast<int>(std::strtoul(many, nullptr, 10));
  }
  std::vector<uint64_t> seeds;
  for (int i = 0; i < count; ++i) seeds.push_back(base + i);
  return seeds;
}

std::string ReplayCommand(uint64_t seed) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return "MERIDIAN_SIM_SEED=" + std::to_string(seed) +
         " build/tests/meridian_sim_tests --gtest_filter=" + test->test_suite_name() + "." +
         test->name();
}

void RunSeeds(const SimOptions& options, uint64_t base, int count) {
  log::MinLevel() = static_cast<log::Level>(4);  // the faults are on purpose: no log lines
  uint64_t acked = 0, snapshots = 0, failures = 0, collected = 0, dropped = 0;
  for (uint64_t seed : Seeds(base, count)) {
    SimCluster cluster(seed, options);
    const bool ok = cluster.Run();
    ASSERT_TRUE(ok) << "seed " << seed << " failed: " << cluster.failure()
                    << "\nreplay: " << ReplayCommand(seed);
    acked += cluster.acked_writes();
    snapshots += cluster.snapshots();
    failures += cluster.commit_failures();
    collected += cluster.tombstones_collected();
    dropped += cluster.links_dropped();
  }
  std::printf(
      "%s: %lu writes released, %lu snapshots, %lu failed commits, %lu tombstones "
      "collected, %lu silent links dropped\n",
      ::testing::UnitTest::GetInstance()->current_test_info()->name(),
      static_cast<unsigned long>(acked), static_cast<unsigned long>(snapshots),
      static_cast<unsigned long>(failures), static_cast<unsigned long>(collected),
      static_cast<unsigned long>(dropped));
  // The runs exercised what they claim to: consistency waits released and snapshots streamed.
  EXPECT_GT(acked, 0u);
  if (!std::getenv("MERIDIAN_SIM_SEED")) {
    EXPECT_GT(snapshots, 0u);
    EXPECT_GT(collected, 0u);
  }
}

TEST(ReplicationSim, ThreeRegionsConvergeAndNeverAckEarly) { RunSeeds(SimOptions{}, 1000, 20); }

TEST(ReplicationSim, TwoRegionsOfThreeNodesConvergeAndNeverAckEarly) {
  SimOptions options;
  options.regions = 2;
  options.nodes_per_region = 3;
  RunSeeds(options, 5000, 12);
}

TEST(ReplicationSim, FiveNodesUnderHeavyLossConverge) {
  SimOptions options;
  options.regions = 5;
  options.drop = 0.15;
  options.duplicate = 0.1;
  RunSeeds(options, 9000, 8);
}

TEST(ReplicationSim, SameSeedGivesTheSameTrace) {
  SimCluster first(42, SimOptions{});
  SimCluster second(42, SimOptions{});
  ASSERT_TRUE(first.Run()) << first.failure();
  ASSERT_TRUE(second.Run()) << second.failure();
  EXPECT_EQ(first.trace_hash(), second.trace_hash());
  SimCluster other(43, SimOptions{});
  ASSERT_TRUE(other.Run()) << other.failure();
  EXPECT_NE(first.trace_hash(), other.trace_hash());
}

}  // namespace
}  // namespace meridian::sim
