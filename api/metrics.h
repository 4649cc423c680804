// Process-wide counters and histograms exposed at GET /metrics in the Prometheus text format.
// Lock-free relaxed atomics: counting must cost nothing measurable on the hot path.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/histogram.h"

namespace meridian::api {

// Label values of the request latency histogram (docs/operations.md, Reading the metrics).
inline constexpr std::array<std::string_view, 8> kDialectLabels = {
    "slashid", "swift", "zitadel", "attio", "ocamba", "operator", "system", "other"};
inline constexpr std::array<std::string_view, 2> kRouteClassLabels = {"read", "write"};
inline constexpr std::array<std::string_view, 4> kStatusClassLabels = {"2xx", "3xx", "4xx", "5xx"};
inline constexpr std::array<std::string_view, 2> kLevelLabels = {"local_region", "all_regions"};
inline constexpr std::array<std::string_view, 2> kOutcomeLabels = {"reached", "timeout"};

// Which dialect serves a request target, by the path prefixes the dialects register.
inline size_t DialectIndexOf(std::string_view target) {
  if (target.starts_with("/v1/hood")) return 4;  // before Swift's /v1/
  if (target.starts_with("/organizations/")) return 0;
  if (target.starts_with("/v1/") || target.starts_with("/auth/") || target.starts_with("/info"))
    return 1;
  if (target.starts_with("/management/")) return 2;
  if (target.starts_with("/v2/")) return 3;
  if (target.starts_with("/admin/") || target.starts_with("/cluster/")) return 5;
  if (target.starts_with("/healthz") || target.starts_with("/readyz") ||
      target.starts_with("/metrics"))
    return 6;
  return 7;
}

struct Metrics {
  std::atomic<uint64_t> requests_2xx{0}, requests_4xx{0}, requests_5xx{0};
  std::atomic<uint64_t> consistency_timeouts{0};
  std::atomic<uint64_t> connections_open{0}, connections_total{0};
  // Overload: connections refused at accept; requests answered 503 to shed load.
  std::atomic<uint64_t> connections_refused{0}, requests_shed{0};
  // Requests refused with 429 by the per-key rate limits, by dialect (kDialectLabels order).
  std::array<std::atomic<uint64_t>, kDialectLabels.size()> rate_limited{};

  // Request latency, from the parsed request to the answer ready to send.
  std::array<LatencyHistogram,
             kDialectLabels.size() * kRouteClassLabels.size() * kStatusClassLabels.size()>
      request_seconds;
  // The writer's commit transactions: time from its start to its fsync, and batches in it.
  LatencyHistogram commit_seconds;
  CountHistogram commit_group_batches;
  // Waits for a write's consistency level after its commit, by level and outcome.
  std::array<LatencyHistogram, kLevelLabels.size() * kOutcomeLabels.size()> consistency_wait;

  void CountResponse(unsigned status) {
    auto& c = status >= 500 ? requests_5xx : status >= 400 ? requests_4xx : requests_2xx;
    c.fetch_add(1, std::memory_order_relaxed);
  }
  void ObserveRequest(std::string_view target, bool write, unsigned status,
                      std::chrono::steady_clock::time_point started) {
    const size_t status_class = status >= 500 ? 3 : status >= 400 ? 2 : status >= 300 ? 1 : 0;
    const size_t i = (DialectIndexOf(target) * kRouteClassLabels.size() + (write ? 1 : 0)) *
                         kStatusClassLabels.size() +
                     status_class;
    request_seconds[i].Observe(SecondsSince(started));
  }
  void ObserveConsistencyWait(bool all_regions, bool reached,
                              std::chrono::steady_clock::time_point started) {
    consistency_wait[(all_regions ? 2 : 0) + (reached ? 0 : 1)].Observe(SecondsSince(started));
  }
  // `dialect`: a kDialectLabels index (RateLimitGroup's first five values share its order).
  void CountRateLimited(size_t dialect) {
    rate_limited[dialect].fetch_add(1, std::memory_order_relaxed);
  }
  static double SecondsSince(std::chrono::steady_clock::time_point started) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  // The histogram and per-dialect families, HELP and TYPE included.
  void RenderHistograms(std::string& out) const;
};

inline void Metrics::RenderHistograms(std::string& out) const {
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  };
  family("meridian_http_request_duration_seconds", "histogram",
         "Request latency by dialect, route class (read: GET/HEAD) and status class.");
  size_t i = 0;
  for (auto dialect : kDialectLabels) {
    for (auto route : kRouteClassLabels) {
      for (auto status : kStatusClassLabels) {
        const auto& h = request_seconds[i++];
        if (h.count() == 0) continue;  // only the combinations seen
        h.Render(out, "meridian_http_request_duration_seconds",
                 "dialect=\"" + std::string(dialect) + "\",route=\"" + std::string(route) +
                     "\",status=\"" + std::string(status) + "\"");
      }
    }
  }
  family("meridian_storage_commit_duration_seconds", "histogram",
         "Write transactions from start to fsync'd commit.");
  commit_seconds.Render(out, "meridian_storage_commit_duration_seconds", "");
  family("meridian_storage_commit_group_batches", "histogram",
         "Write batches committed together in one transaction (group commit).");
  commit_group_batches.Render(out, "meridian_storage_commit_group_batches", "");
  family("meridian_consistency_wait_seconds", "histogram",
         "Waits for a write's consistency level after its commit, by level and outcome.");
  for (size_t level = 0; level < kLevelLabels.size(); ++level) {
    for (size_t outcome = 0; outcome < kOutcomeLabels.size(); ++outcome) {
      consistency_wait[level * 2 + outcome].Render(out, "meridian_consistency_wait_seconds",
                                                   "level=\"" + std::string(kLevelLabels[level]) +
                                                       "\",outcome=\"" +
                                                       std::string(kOutcomeLabels[outcome]) + "\"");
    }
  }
  family("meridian_rate_limited_total", "counter",
         "Requests refused with 429 by the per-key rate limits, by dialect.");
  for (size_t d = 0; d < kDialectLabels.size(); ++d) {
    out.append("meridian_rate_limited_total{dialect=\"").append(kDialectLabels[d]).append("\"} ");
    out.append(std::to_string(rate_limited[d].load(std::memory_order_relaxed))).append("\n");
  }
}

}  // namespace meridian::api
