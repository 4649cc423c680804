// Rate limiter and its HTTP helpers (see rate_limit.h). Each limit is a GCRA bucket: one
// "theoretical arrival time" per key; a request is admitted when pushing it one interval later
// stays within the window. Integer nanoseconds throughout, so the fake-clock tests are exact.
#include "api/rate_limit.h"

#include <algorithm>
#include <chrono>

namespace meridian::api {
namespace {

constexpr int64_t kSecondNs = 1'000'000'000;
constexpr std::array<std::string_view, kRateLimitGroups> kGroupNames = {
    "slashid", "swift", "zitadel", "attio", "ocamba"};

uint64_t CeilSeconds(int64_t ns) {
  return ns <= 0 ? 0 : static_cast<uint64_t>((ns + kSecondNs - 1) / kSecondNs);
}

}  // namespace

std::optional<RateLimitGroup> RateLimitGroupByName(std::string_view name) {
  for (size_t i = 0; i < kGroupNames.size(); ++i) {
    if (kGroupNames[i] == name) return static_cast<RateLimitGroup>(i);
  }
  return std::nullopt;
}

std::string_view RateLimitGroupName(RateLimitGroup group) {
  return kGroupNames[static_cast<size_t>(group)];
}

RateLimitConfig RateLimitConfig::Defaults() {
  RateLimitConfig config;
  config[RateLimitGroup::kOcamba] = {10, 150};
  return config;
}

int64_t RateLimiter::SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RateLimiter::RateLimiter(RateLimitConfig config, Clock clock)
    : clock_(std::move(clock)),
      per_shard_max_(std::max<size_t>(1, config.max_tracked_keys / kShards)) {
  Reconfigure(config);
}

RateLimiter::Limits RateLimiter::LimitsOf(const RateLimitConfig& config) {
  Limits limits{};
  for (size_t g = 0; g < kRateLimitGroups; ++g) {
    const RateLimitPolicy& p = config.groups[g];
    auto make = [](uint32_t capacity, int64_t window_ns) {
      Limit limit;
      if (capacity == 0) return limit;
      limit.capacity = capacity;
      limit.interval_ns = std::max<int64_t>(1, window_ns / capacity);
      // The window actually used is a whole number of intervals, so exactly `capacity`
      // requests fit in a burst even when the division is not exact.
      limit.period_ns = limit.interval_ns * capacity;
      return limit;
    };
    limits[g] = {make(p.burst_per_second, kSecondNs), make(p.per_minute, 60 * kSecondNs)};
  }
  return limits;
}

void RateLimiter::Reconfigure(const RateLimitConfig& config) {
  const Limits limits = LimitsOf(config);
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    shard.limits = limits;
  }
  for (size_t g = 0; g < kRateLimitGroups; ++g) {
    enabled_[g].store(config.groups[g].enabled(), std::memory_order_relaxed);
  }
}

RateLimitDecision RateLimiter::Acquire(RateLimitGroup group, std::string_view key) {
  std::string full_key;
  full_key.reserve(key.size() + 1);
  full_key.push_back(static_cast<char>('0' + static_cast<int>(group)));
  full_key.append(key);
  Shard& shard = shards_[std::hash<std::string_view>{}(full_key) % kShards];
  const int64_t now = clock_();

  std::lock_guard lock(shard.mu);
  const auto& limits = shard.limits[static_cast<size_t>(group)];
  auto it = shard.index.find(full_key);
  if (it == shard.index.end()) {
    if (shard.lru.size() >= per_shard_max_) {
      // The least recently used key: with a bound far above the keys active in one minute it
      // is idle and full, so forgetting it changes nothing.
      shard.index.erase(shard.lru.back().key);
      shard.lru.pop_back();
    }
    shard.lru.push_front(Entry{std::move(full_key), {now, now}});
    it = shard.index.emplace(shard.lru.front().key, shard.lru.begin()).first;
  } else if (it->second != shard.lru.begin()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  }
  Entry& entry = *it->second;

  int64_t new_tat[2] = {0, 0};
  bool allowed = true;
  for (int i = 0; i < 2; ++i) {
    if (limits[i].interval_ns == 0) continue;
    new_tat[i] = std::max(entry.tat_ns[i], now) + limits[i].interval_ns;
    if (new_tat[i] - now > limits[i].period_ns) allowed = false;
  }

  RateLimitDecision d;
  d.allowed = allowed;
  if (allowed) {
    int64_t best_remaining = -1;
    for (int i = 0; i < 2; ++i) {
      if (limits[i].interval_ns == 0) continue;
      entry.tat_ns[i] = new_tat[i];
      const int64_t used = new_tat[i] - now;
      const int64_t remaining = (limits[i].period_ns - used) / limits[i].interval_ns;
      if (best_remaining < 0 || remaining < best_remaining) {
        best_remaining = remaining;
        d.limit = limits[i].capacity;
        d.remaining = static_cast<uint32_t>(remaining);
        d.reset_s = CeilSeconds(used);
      }
    }
    return d;
  }
  int64_t longest_wait = -1;
  for (int i = 0; i < 2; ++i) {
    if (limits[i].interval_ns == 0) continue;
    const int64_t wait = new_tat[i] - limits[i].period_ns - now;
    if (wait > longest_wait) {
      longest_wait = wait;
      d.limit = limits[i].capacity;
      d.reset_s = CeilSeconds(entry.tat_ns[i] - now);
    }
  }
  d.remaining = 0;
  d.retry_after_s = std::max<uint64_t>(1, CeilSeconds(longest_wait));
  return d;
}

size_t RateLimiter::SizeForTesting() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.lru.size();
  }
  return n;
}

void AddRateLimitHeaders(Response& res, const RateLimitDecision& decision) {
  res.set("X-RateLimit-Limit", std::to_string(decision.limit));
  res.set("X-RateLimit-Remaining", std::to_string(decision.remaining));
  res.set("X-RateLimit-Reset", std::to_string(decision.reset_s));
  if (!decision.allowed) res.set(http::field::retry_after, std::to_string(decision.retry_after_s));
}

}  // namespace meridian::api
