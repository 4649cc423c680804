// Tests of the applied-position index (storage/applied_index.h): positions only rise, waits
// run inline when already reached or later from Advance, exactly once, Cancel drops a wait,
// origins are independent, and callbacks run outside the lock.
#include "storage/applied_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace meridian::storage {
namespace {

class AppliedIndexTest : public ::testing::Test {
 protected:
  AppliedIndex index_;
};

TEST_F(AppliedIndexTest, UnknownOriginIsAtZero) { EXPECT_EQ(index_.Get("n1.a"), 0u); }

TEST_F(AppliedIndexTest, AdvanceRaisesButNeverLowers) {
  index_.Advance("n1.a", 5);
  EXPECT_EQ(index_.Get("n1.a"), 5u);
  index_.Advance("n1.a", 3);
  EXPECT_EQ(index_.Get("n1.a"), 5u);
  index_.Advance("n1.a", 9);
  EXPECT_EQ(index_.Get("n1.a"), 9u);
}

TEST_F(AppliedIndexTest, OriginsAreIndependent) {
  index_.Advance("n1.a", 5);
  index_.Advance("n2.a", 2);
  EXPECT_EQ(index_.Get("n1.a"), 5u);
  EXPECT_EQ(index_.Get("n2.a"), 2u);
  EXPECT_EQ(index_.Get("n3.a"), 0u);
}

TEST_F(AppliedIndexTest, WaitForAReachedPositionRunsInlineAndReturnsZero) {
  index_.Advance("n1.a", 5);
  int calls = 0;
  EXPECT_EQ(index_.Wait("n1.a", 5, [&] { calls++; }), 0u);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(index_.Wait("n1.a", 1, [&] { calls++; }), 0u);
  EXPECT_EQ(calls, 2);
}

TEST_F(AppliedIndexTest, WaitRunsOnceWhenAdvanceReachesIt) {
  index_.Advance("n1.a", 1);
  int calls = 0;
  const auto id = index_.Wait("n1.a", 4, [&] { calls++; });
  EXPECT_NE(id, 0u);
  EXPECT_EQ(calls, 0);
  index_.Advance("n1.a", 3);
  EXPECT_EQ(calls, 0);
  index_.Advance("n2.a", 10);  // another origin's progress does not count
  EXPECT_EQ(calls, 0);
  index_.Advance("n1.a", 6);  // past it counts too
  EXPECT_EQ(calls, 1);
  index_.Advance("n1.a", 7);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(index_.Cancel(id));  // already ran
}

TEST_F(AppliedIndexTest, OneAdvanceReleasesEveryWaitItSatisfies) {
  std::vector<int> ran;
  index_.Wait("n1.a", 2, [&] { ran.push_back(2); });
  index_.Wait("n1.a", 5, [&] { ran.push_back(5); });
  index_.Wait("n1.a", 3, [&] { ran.push_back(3); });
  index_.Advance("n1.a", 3);
  EXPECT_EQ(ran, (std::vector<int>{2, 3}));
  index_.Advance("n1.a", 5);
  EXPECT_EQ(ran, (std::vector<int>{2, 3, 5}));
}

TEST_F(AppliedIndexTest, CancelledWaitNeverRuns) {
  int calls = 0;
  const auto id = index_.Wait("n1.a", 2, [&] { calls++; });
  const auto other = index_.Wait("n1.a", 2, [&] { calls += 10; });
  EXPECT_TRUE(index_.Cancel(id));
  EXPECT_FALSE(index_.Cancel(id));  // only once
  index_.Advance("n1.a", 2);
  EXPECT_EQ(calls, 10);
  EXPECT_FALSE(index_.Cancel(other));
  EXPECT_FALSE(index_.Cancel(0));
  EXPECT_FALSE(index_.Cancel(12345));
}

TEST_F(AppliedIndexTest, WaitIdsAreDistinct) {
  const auto a = index_.Wait("n1.a", 1, [] {});
  const auto b = index_.Wait("n1.a", 1, [] {});
  const auto c = index_.Wait("n2.a", 1, [] {});
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_NE(a, c);
}

TEST_F(AppliedIndexTest, CallbacksRunOutsideTheLock) {
  // A callback that uses the index again must not deadlock.
  uint64_t seen = 0;
  bool nested = false;
  index_.Wait("n1.a", 1, [&] {
    seen = index_.Get("n1.a");
    index_.Wait("n1.a", 1, [&] { nested = true; });
  });
  index_.Advance("n1.a", 1);
  EXPECT_EQ(seen, 1u);
  EXPECT_TRUE(nested);
}

TEST_F(AppliedIndexTest, WaitForPositionZeroIsAlreadyReached) {
  // Get() reports 0 for an origin never advanced, so position 0 is reached: the contract says
  // such a wait runs inline and returns 0.
  int calls = 0;
  EXPECT_EQ(index_.Wait("n9.never", 0, [&] { calls++; }), 0u);
  EXPECT_EQ(calls, 1);
}

TEST_F(AppliedIndexTest, ConcurrentAdvancesReleaseEveryWaiterExactlyOnce) {
  constexpr int kWaiters = 200;
  std::vector<std::atomic<int>> calls(kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    index_.Wait("n1.a", static_cast<uint64_t>(i + 1), [&calls, i] { calls[i]++; });
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (uint64_t s = 1; s <= kWaiters; ++s) index_.Advance("n1.a", s + static_cast<uint64_t>(t));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GE(index_.Get("n1.a"), static_cast<uint64_t>(kWaiters));
  for (int i = 0; i < kWaiters; ++i) EXPECT_EQ(calls[i].load(), 1) << "waiter " << i;
}

}  // namespace
}  // namespace meridian::storage
