// Load phase of meridian-loadgen: the closed loop. Each thread owns one io_context and its share
// of the keep-alive connections; each connection sends its next request only after the answer to
// the previous one. Threads share nothing until their Stats are merged at the end.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "options.h"
#include "requests.h"

namespace meridian::loadgen {

using Clock = std::chrono::steady_clock;

// Answers completing in [measure_from, measure_until) are measured; earlier ones are warm-up.
// No request starts at or after measure_until.
struct Window {
  Clock::time_point measure_from;
  Clock::time_point measure_until;
};

struct Stats {
  uint64_t requests = 0;  // answers (any status) completed inside the window
  // One per counted answer, unsorted: answers the node accepted (any status but 503), and those
  // it shed under overload (503), whose fast refusal would otherwise hide the accepted tail.
  std::vector<int64_t> latencies_ns;
  std::vector<int64_t> shed_latencies_ns;
  // Counted over the whole run, warm-up and drain included: any of them invalidates the run.
  uint64_t non2xx = 0;
  uint64_t errors = 0;  // connect/write/read failures and timeouts
  std::map<unsigned, uint64_t> non2xx_by_status;
  std::map<std::string, uint64_t> errors_by_kind;

  void Merge(Stats&& other);
};

// Runs options.connections connections on options.threads threads until window.measure_until,
// then lets in-flight requests finish (each bounded by options.timeout_s). Blocks; returns the
// merged stats. Over TLS when `tls` is set (tls.h; a failed handshake is a transport error).
// REQUIRES: creds.size() == options.UsedOrgs().
Stats RunLoad(const Options& options, const std::vector<OrgCreds>& creds,
              const boost::asio::ip::tcp::resolver::results_type& endpoints, Window window,
              boost::asio::ssl::context* tls);

}  // namespace meridian::loadgen
