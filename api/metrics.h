// Process-wide counters exposed at GET /metrics in the Prometheus text format. Lock-free
// relaxed atomics: counting must cost nothing measurable on the hot path.
#pragma once

#include <atomic>
#include <cstdint>

namespace meridian::api {

struct Metrics {
  std::atomic<uint64_t> requests_2xx{0}, requests_4xx{0}, requests_5xx{0};
  std::atomic<uint64_t> consistency_timeouts{0};
  std::atomic<uint64_t> connections_open{0}, connections_total{0};
  // Overload: connections refused at accept; requests answered 503 to shed load.
  std::atomic<uint64_t> connections_refused{0}, requests_shed{0};

  void CountResponse(unsigned status) {
    auto& c = status >= 500 ? requests_5xx : status >= 400 ? requests_4xx : requests_2xx;
    c.fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace meridian::api
