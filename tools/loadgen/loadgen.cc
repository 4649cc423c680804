// meridian-loadgen: closed-loop HTTP/1.1 (or HTTPS) load generator for a Meridian node. Owns
// main(): flags, target resolution, setup -> load -> report, and the exit status. Talks HTTP only;
// links no Meridian library. Usage and output fields: docs/loadgen.md.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "load.h"
#include "options.h"
#include "setup.h"
#include "tls.h"

namespace meridian::loadgen {
namespace {

// Nearest-rank percentile of sorted samples, in milliseconds; 0 without samples.
double PercentileMs(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p * static_cast<double>(sorted.size()));
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(std::max(rank, 1.0)) - 1);
  return static_cast<double>(sorted[index]) / 1e6;
}

void Report(const Options& options, Stats& stats, double window_s) {
  std::vector<int64_t>& accepted = stats.latencies_ns;
  std::vector<int64_t>& shed = stats.shed_latencies_ns;
  std::sort(accepted.begin(), accepted.end());
  std::sort(shed.begin(), shed.end());
  std::vector<int64_t> all;
  all.reserve(accepted.size() + shed.size());
  std::merge(accepted.begin(), accepted.end(), shed.begin(), shed.end(), std::back_inserter(all));
  const double rps = static_cast<double>(stats.requests) / window_s;
  const double p50 = PercentileMs(all, 0.50);
  const double p99 = PercentileMs(all, 0.99);
  const double p999 = PercentileMs(all, 0.999);
  char split[256];
  std::snprintf(split, sizeof(split),
                "accepted=%zu accepted_p50_ms=%.3f accepted_p99_ms=%.3f accepted_p999_ms=%.3f "
                "shed=%zu shed_p99_ms=%.3f",
                accepted.size(), PercentileMs(accepted, 0.50), PercentileMs(accepted, 0.99),
                PercentileMs(accepted, 0.999), shed.size(), PercentileMs(shed, 0.99));
  if (options.json) {
    // Formatted by hand: Boost.JSON would print 8.0 as "8E0", valid but unreadable.
    std::string extra;
    if (options.workload == Workload::kMixed) {
      char ratio[32];
      std::snprintf(ratio, sizeof(ratio), ",\"patch_ratio\":%g", options.patch_ratio);
      extra += ratio;
    }
    if (!options.consistency.empty()) extra += ",\"consistency\":\"" + options.consistency + "\"";
    // The same "name=value" pairs as the text line, as JSON members.
    for (std::string_view rest = split; !rest.empty();) {
      const std::string_view pair = rest.substr(0, rest.find(' '));
      rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
      const size_t eq = pair.find('=');
      extra += ",\"" + std::string(pair.substr(0, eq)) + "\":" + std::string(pair.substr(eq + 1));
    }
    std::printf(
        "{\"requests\":%llu,\"duration_s\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"non2xx\":%llu,\"errors\":%llu,"
        "\"workload\":\"%s\",\"connections\":%d,\"threads\":%d,\"single_key\":%s,"
        "\"orgs\":%d,\"keys\":%d,\"value_bytes\":%d%s}\n",
        static_cast<unsigned long long>(stats.requests), window_s, rps, p50, p99, p999,
        static_cast<unsigned long long>(stats.non2xx),
        static_cast<unsigned long long>(stats.errors), WorkloadName(options.workload),
        options.connections, options.threads, options.single_key ? "true" : "false",
        options.UsedOrgs(), options.UsedKeys(), options.value_bytes, extra.c_str());
  } else {
    std::printf(
        "requests=%llu duration_s=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f "
        "non2xx=%llu errors=%llu %s\n",
        static_cast<unsigned long long>(stats.requests), window_s, rps, p50, p99, p999,
        static_cast<unsigned long long>(stats.non2xx),
        static_cast<unsigned long long>(stats.errors), split);
  }
  // The breakdown goes to stderr so stdout stays one parseable line.
  for (const auto& [status, n] : stats.non2xx_by_status) {
    std::fprintf(stderr, "meridian-loadgen: %llu answers with HTTP %u\n",
                 static_cast<unsigned long long>(n), status);
  }
  for (const auto& [kind, n] : stats.errors_by_kind) {
    std::fprintf(stderr, "meridian-loadgen: %llu errors: %s\n", static_cast<unsigned long long>(n),
                 kind.c_str());
  }
}

int Main(int argc, char** argv) {
  std::string error;
  bool help = false;
  const auto options = ParseOptions(std::vector<std::string>(argv + 1, argv + argc),
                                    std::getenv("MERIDIAN_ADMIN_TOKEN"), &error, &help);
  if (!options) {
    std::fprintf(help ? stdout : stderr, help ? "%s" : "meridian-loadgen: %s\n", error.c_str());
    return help ? 0 : 2;
  }

  boost::asio::io_context resolver_ioc;
  boost::asio::ip::tcp::resolver resolver(resolver_ioc);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(options->host, options->port, ec);
  if (ec) {
    std::fprintf(stderr, "meridian-loadgen: cannot resolve %s: %s\n", options->HostHeader().c_str(),
                 ec.message().c_str());
    return 2;
  }

  std::unique_ptr<boost::asio::ssl::context> tls;
  if (options->tls) {
    tls = MakeClientTls(*options, &error);
    if (!tls) {
      std::fprintf(stderr, "meridian-loadgen: %s\n", error.c_str());
      return 2;
    }
  }

  const auto creds = RunSetup(*options, endpoints, tls.get(), &error);
  if (!creds) {
    std::fprintf(stderr, "meridian-loadgen: setup failed: %s\n", error.c_str());
    return 2;
  }

  Window window;
  window.measure_from = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options->warmup_s));
  window.measure_until =
      window.measure_from + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options->duration_s));
  Stats stats = RunLoad(*options, *creds, endpoints, window, tls.get());
  const double window_s =
      std::chrono::duration<double>(window.measure_until - window.measure_from).count();
  Report(*options, stats, window_s);
  return stats.non2xx == 0 && stats.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace meridian::loadgen

int main(int argc, char** argv) { return meridian::loadgen::Main(argc, argv); }
