// Rate limits per API key and dialect route group: two GCRA token buckets (a burst per second
// and a steady rate per minute; both must admit a request), kept in a sharded, mutex-protected
// map bounded by an LRU per shard, so memory stays bounded with any number of keys. The clock
// is injectable for tests. RateLimiter is thread-safe; the helpers are stateless.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/api_context.h"
#include "api/router.h"

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
  // Ocamba's class C (burst 10/s, steady 150/min, seed 004); every other group off.
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
    return config_.groups[static_cast<size_t>(group)].enabled();
  }
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
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // GUARDED_BY(mu); most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // GUARDED_BY(mu)
  };
  struct Limit {
    int64_t interval_ns = 0;  // one request's share of the window; 0: limit off
    int64_t period_ns = 0;    // capacity * interval
    uint32_t capacity = 0;
  };

  RateLimitConfig config_;
  std::array<std::array<Limit, 2>, kRateLimitGroups> limits_{};
  Clock clock_;
  size_t per_shard_max_;
  std::array<Shard, kShards> shards_;
};

// Adds X-RateLimit-Limit, -Remaining and -Reset (and Retry-After when refused).
void AddRateLimitHeaders(Response& res, const RateLimitDecision& decision);

// The slow path of CheckRateLimit.
std::optional<Response> CheckRateLimitSlow(const ApiContext& ctx, RateLimitGroup group,
                                           std::string_view key_id, const ErrorFormatter& format,
                                           const std::string& request_id,
                                           std::optional<RateLimitDecision>& passed);

// For handlers, after authentication: nullopt to go on, or the 429 in `format` with the
// headers. When the request passes, `passed` holds the decision to give to
// AddRateLimitHeaders on the final response. A group that is off costs one branch.
inline std::optional<Response> CheckRateLimit(const ApiContext& ctx, RateLimitGroup group,
                                              std::string_view key_id,
                                              const ErrorFormatter& format,
                                              const std::string& request_id,
                                              std::optional<RateLimitDecision>& passed) {
  if (ctx.rate_limiter == nullptr || !ctx.rate_limiter->Enabled(group)) return std::nullopt;
  return CheckRateLimitSlow(ctx, group, key_id, format, request_id, passed);
}

inline void AddRateLimitHeaders(Response& res, const std::optional<RateLimitDecision>& passed) {
  if (passed) AddRateLimitHeaders(res, *passed);
}

// Wraps a whole handler for dialects whose handlers do not call CheckRateLimit themselves: it
// authenticates the request to find the key (an unauthenticated request goes on to the
// handler, which refuses it), checks the limit, and adds the headers to the handler's answer.
// Decided at registration: a group that is off returns `handler` itself, at no cost.
// REQUIRES: ctx (and ctx.rate_limiter) outlive the router.
Handler WithRateLimit(const ApiContext& ctx, RateLimitGroup group, ErrorFormatter format,
                      Handler handler);

// A view of a Router that puts every route added through it behind WithRateLimit for one
// group: dialects register their routes through it unchanged.
class RateLimitedRoutes {
 public:
  RateLimitedRoutes(Router& router, const ApiContext& ctx, RateLimitGroup group,
                    ErrorFormatter format)
      : router_(router), ctx_(ctx), group_(group), format_(std::move(format)) {}
  void Add(http::verb method, std::string_view pattern, Handler handler) {
    router_.Add(method, pattern, WithRateLimit(ctx_, group_, format_, std::move(handler)));
  }

 private:
  Router& router_;
  const ApiContext& ctx_;
  RateLimitGroup group_;
  ErrorFormatter format_;
};

}  // namespace meridian::api
