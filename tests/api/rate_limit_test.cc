// Unit tests of api/rate_limit: the two-limit GCRA math under a fake clock, the reported
// numbers, isolation of keys and groups, the eviction bound, and the 429 helper.
#include "api/rate_limit.h"

#include <gtest/gtest.h>

#include <string>

namespace meridian::api {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1000 * kMs;

class RateLimiterTest : public testing::Test {
 protected:
  RateLimiter Make(uint32_t burst, uint32_t per_minute, size_t max_keys = 1000) {
    RateLimitConfig config;
    config[RateLimitGroup::kOcamba] = {burst, per_minute};
    config.max_tracked_keys = max_keys;
    return RateLimiter(config, [this] { return now_; });
  }
  int64_t now_ = 1000 * kSec;
};

TEST_F(RateLimiterTest, DefaultsLimitOnlyOcamba) {
  RateLimitConfig d = RateLimitConfig::Defaults();
  EXPECT_EQ(d[RateLimitGroup::kOcamba].burst_per_second, 10u);
  EXPECT_EQ(d[RateLimitGroup::kOcamba].per_minute, 150u);
  for (auto g : {RateLimitGroup::kSlashId, RateLimitGroup::kSwift, RateLimitGroup::kZitadel,
                 RateLimitGroup::kAttio}) {
    EXPECT_FALSE(d[g].enabled());
  }
  RateLimiter limiter(d);
  EXPECT_TRUE(limiter.Enabled(RateLimitGroup::kOcamba));
  EXPECT_FALSE(limiter.Enabled(RateLimitGroup::kSlashId));
}

TEST_F(RateLimiterTest, GroupNamesRoundTrip) {
  for (size_t i = 0; i < kRateLimitGroups; ++i) {
    auto g = static_cast<RateLimitGroup>(i);
    EXPECT_EQ(RateLimitGroupByName(RateLimitGroupName(g)), g);
  }
  EXPECT_FALSE(RateLimitGroupByName("Ocamba"));
  EXPECT_FALSE(RateLimitGroupByName(""));
}

TEST_F(RateLimiterTest, BurstOfTenThenRefusedUntilOneIntervalPassed) {
  RateLimiter limiter = Make(10, 150);
  for (uint32_t i = 0; i < 10; ++i) {
    RateLimitDecision d = limiter.Acquire(RateLimitGroup::kOcamba, "k");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 10u);  // the burst limit binds first
    EXPECT_EQ(d.remaining, 9 - i);
    EXPECT_EQ(d.reset_s, 1u);
  }
  RateLimitDecision refused = limiter.Acquire(RateLimitGroup::kOcamba, "k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 10u);
  EXPECT_EQ(refused.remaining, 0u);
  EXPECT_EQ(refused.retry_after_s, 1u);
  now_ += 99 * kMs;
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  now_ += 1 * kMs;  // 100 ms: one tenth of the burst window is back
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
}

TEST_F(RateLimiterTest, ReconfigureAppliesNewLimitsToKeysAlreadyTracked) {
  RateLimiter limiter = Make(2, 0);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  RateLimitConfig wider;
  wider[RateLimitGroup::kOcamba] = {5, 0};
  wider[RateLimitGroup::kSlashId] = {1, 0};
  limiter.Reconfigure(wider);
  EXPECT_TRUE(limiter.Enabled(RateLimitGroup::kSlashId));
  // "k" keeps its bucket: it emptied it, so it waits one new interval (200 ms) for the next.
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  now_ += 200 * kMs;
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  now_ += 1 * kSec;  // full again: a burst of the new size
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  RateLimitDecision refused = limiter.Acquire(RateLimitGroup::kOcamba, "k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 5u);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kSlashId, "k").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kSlashId, "k").allowed);
  limiter.Reconfigure(RateLimitConfig{});  // every group off
  EXPECT_FALSE(limiter.Enabled(RateLimitGroup::kOcamba));
  EXPECT_FALSE(limiter.Enabled(RateLimitGroup::kSlashId));
}

TEST_F(RateLimiterTest, SteadyLimitBindsAfterRepeatedBursts) {
  RateLimiter limiter = Make(10, 150);
  int admitted = 0;
  // One request per 100 ms never trips the burst limit; the minute's 150 plus its refill of
  // 2.5 per second runs out after 199 requests (19.8 s).
  for (int step = 0; step < 199; ++step) {
    if (limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed) ++admitted;
    now_ += 100 * kMs;
  }
  EXPECT_EQ(admitted, 199);
  RateLimitDecision refused = limiter.Acquire(RateLimitGroup::kOcamba, "k");
  ASSERT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 150u);
  EXPECT_GE(refused.retry_after_s, 1u);
  now_ += static_cast<int64_t>(refused.retry_after_s) * kSec;
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
}

TEST_F(RateLimiterTest, SteadyOnlyReportsMinuteNumbers) {
  RateLimiter limiter = Make(0, 3);
  RateLimitDecision d = limiter.Acquire(RateLimitGroup::kOcamba, "k");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 3u);
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_EQ(d.reset_s, 20u);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  RateLimitDecision refused = limiter.Acquire(RateLimitGroup::kOcamba, "k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 20u);
  EXPECT_EQ(refused.reset_s, 60u);
}

TEST_F(RateLimiterTest, RefusedRequestsDoNotCount) {
  RateLimiter limiter = Make(2, 0);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  now_ += 500 * kMs;
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
}

TEST_F(RateLimiterTest, IdleKeyIsFullAgainAndNeverBanksMore) {
  RateLimiter limiter = Make(3, 0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  now_ += 3600 * kSec;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
}

TEST_F(RateLimiterTest, KeysAndGroupsAreIndependent) {
  RateLimitConfig config;
  config[RateLimitGroup::kOcamba] = {1, 0};
  config[RateLimitGroup::kSlashId] = {1, 0};
  RateLimiter limiter(config, [this] { return now_; });
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "a").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "a").allowed);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "b").allowed);
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kSlashId, "a").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kSlashId, "a").allowed);
}

TEST_F(RateLimiterTest, UnevenWindowAdmitsExactlyTheCapacity) {
  RateLimiter limiter = Make(0, 7);  // 60 s / 7 is not a whole number of nanoseconds
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "k").allowed);
}

TEST_F(RateLimiterTest, TrackedKeysStayBounded) {
  RateLimiter limiter = Make(10, 150, /*max_keys=*/160);
  for (int i = 0; i < 20000; ++i) {
    limiter.Acquire(RateLimitGroup::kOcamba, "key-" + std::to_string(i));
  }
  EXPECT_LE(limiter.SizeForTesting(), 160u);
  EXPECT_GT(limiter.SizeForTesting(), 0u);
}

TEST_F(RateLimiterTest, RecentlyUsedKeyOutlivesEviction) {
  RateLimiter limiter = Make(1, 0, /*max_keys=*/16);  // one key per shard
  EXPECT_TRUE(limiter.Acquire(RateLimitGroup::kOcamba, "hot").allowed);
  EXPECT_FALSE(limiter.Acquire(RateLimitGroup::kOcamba, "hot").allowed);
  EXPECT_EQ(limiter.SizeForTesting(), 1u);
}

TEST_F(RateLimiterTest, HeadersDescribeTheBindingLimit) {
  RateLimiter limiter = Make(1, 0);
  Response ok = MakeResponse(http::status::ok, "{}");
  AddRateLimitHeaders(ok, limiter.Acquire(RateLimitGroup::kOcamba, "k"));
  EXPECT_EQ(ok["X-RateLimit-Limit"], "1");
  EXPECT_EQ(ok["X-RateLimit-Remaining"], "0");
  EXPECT_EQ(ok["X-RateLimit-Reset"], "1");
  EXPECT_EQ(ok.find(http::field::retry_after), ok.end());
  Response refused = MakeResponse(http::status::too_many_requests, "{}");
  AddRateLimitHeaders(refused, limiter.Acquire(RateLimitGroup::kOcamba, "k"));
  EXPECT_EQ(refused[http::field::retry_after], "1");
  EXPECT_EQ(refused["X-RateLimit-Remaining"], "0");
}

}  // namespace
}  // namespace meridian::api
