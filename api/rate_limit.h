// Rate limits per API key and dialect route group: two GCRA token buckets (a burst per second
// and a steady rate per minute; both must admit a request), kept in a sharded, mutex-protected
// map bounded by an LRU per shard, so memory stays bounded with any number of keys. The clock
// is injectable for tests. RateLimiter is thread-safe; the helpers are stateless.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/http.h"

namespace meridian::api {

enum class RateLimitGroup : uint8_t { kSlashId, kSwift, kZitadel, kAttio, kOcamba, kCount };
inline constexpr size_t kRateLimitGroups = static_cast<size_t>(RateLimitGroup::kCount);

// The config name of a group ("slashid", "swift", "zitadel", "attio", "ocamba"); nullopt if
// `name` is none of them.
std::optional<RateLimitGroup> RateLimitGroupByName(std::string_view name);
std::string_view RateLimitGroupName(RateLimitGroup group);

// A limit of 0 is off; a group with both off is not limited at all.
struct RateLimitPolicy {
  uint32_t burst_per_second = 0;
  uint32_t per_minute = 0;
  bool enabled() const { return burst_per_second != 0 || per_minute != 0; }
};

struct RateLimitConfig {
  std::array<RateLimitPolicy, kRateLimitGroups> groups{};
  size_t max_tracked_keys = 100000;  // over every group; least recently used keys go first
  // Ocamba's class C (burst 10/s, steady 150/min, docs/ocamba.md); every other group off.
  static RateLimitConfig Defaults();
  RateLimitPolicy& operator[](RateLimitGroup g) { return groups[static_cast<size_t>(g)]; }
  const RateLimitPolicy& operator[](RateLimitGroup g) const {
    return groups[static_cast<size_t>(g)];
  }
};

// The outcome of one request, reported in X-RateLimit-* (and Retry-After when refused). The
// numbers describe the binding limit: the one with the fewest requests left (or, refused, the
// one that refused for longest).
struct RateLimitDecision {
  bool allowed = true;
  uint32_t limit = 0;          // that limit's capacity (requests per window)
  uint32_t remaining = 0;      // requests it admits right now
  uint64_t reset_s = 0;        // seconds until it is full again
  uint64_t retry_after_s = 0;  // refused: seconds until every limit admits one more (>= 1)
};

class RateLimiter {
 public:
  using Clock = std::function<int64_t()>;  // monotonic nanoseconds
  static int64_t SteadyNowNs();

  explicit RateLimiter(RateLimitConfig config, Clock clock = SteadyNowNs);

  bool Enabled(RateLimitGroup group) const {
    return enabled_[static_cast<size_t>(group)].load(std::memory_order_relaxed);
  }
  // Replaces every group's policy (SIGHUP); keys keep what they used, measured by the new
  // limits from their next request. max_tracked_keys stays as constructed.
  void Reconfigure(const RateLimitConfig& config);
  // Counts one request of `key` in `group` if every limit admits it; a refused request counts
  // nothing. REQUIRES: Enabled(group).
  RateLimitDecision Acquire(RateLimitGroup group, std::string_view key);
  // Keys currently tracked (every shard).
  size_t SizeForTesting() const;

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    std::string key;
    int64_t tat_ns[2];  // theoretical arrival time of each limit (GCRA); <= now: full
  };
  struct Limit {
    int64_t interval_ns = 0;  // one request's share of the window; 0: limit off
    int64_t period_ns = 0;    // capacity * interval
    uint32_t capacity = 0;
  };
  using Limits = std::array<std::array<Limit, 2>, kRateLimitGroups>;  // per group: second, minute
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // GUARDED_BY(mu); most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // GUARDED_BY(mu)
    Limits limits{};  // GUARDED_BY(mu); each shard's copy, so Acquire takes one lock
  };
  static Limits LimitsOf(const RateLimitConfig& config);

  std::array<std::atomic<bool>, kRateLimitGroups> enabled_{};
  Clock clock_;
  size_t per_shard_max_;
  std::array<Shard, kShards> shards_;
};

// Adds X-RateLimit-Limit, -Remaining and -Reset (and Retry-After when refused). The pipeline
// (api/pipeline.h) acquires and reports for every limited route.
void AddRateLimitHeaders(Response& res, const RateLimitDecision& decision);

}  // namespace meridian::api
