// meridian-grpc-load: closed-loop load of ZITADEL's SetOrgMetadata or GetOrgMetadata over gRPC,
// for comparison with the same calls over JSON (meridian-loadgen --workload zitadel-set). Each of
// --concurrency slots issues its next call from the previous call's completion (libgrpc++'s
// callback API), over --channels HTTP/2 connections. Calls completing in the measured window
// count; any status but OK invalidates the run (exit 1). Usage: docs/benchmarks.md, --help.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "zitadel/management.grpc.pb.h"

namespace meridian::grpc_load {
namespace {
namespace mgmt = ::zitadel::management::v1;
using Clock = std::chrono::steady_clock;

constexpr char kUsage[] = R"(usage: meridian-grpc-load --key KEY [flags]
Closed-loop gRPC load of ZITADEL's ManagementService on a Meridian node (--grpc-listen).
  --target HOST:PORT   gRPC address (127.0.0.1:9090)
  --key KEY            API key with read and write scopes ($MERIDIAN_KEY)
  --method set|get     SetOrgMetadata or GetOrgMetadata (set)
  --concurrency N      calls in flight (64)
  --channels N         HTTP/2 connections, the calls spread over them (1)
  --duration SECONDS   measured time (8)
  --warmup SECONDS     load before measuring, not counted (1)
  --keys N             metadata keys k0..k<N-1>, picked in turn (1000)
  --value-bytes N      bytes of each written value (150: 200 characters of base64 in JSON)
  --cacert FILE        TLS, trusting FILE (a node with api_tls); the name checked is HOST
  --json               print the result as one JSON object line
Exit status: 0 clean; 1 some call did not answer OK; 2 bad flags.
)";

struct Options {
  std::string target = "127.0.0.1:9090";
  std::string key;
  bool set = true;
  int concurrency = 64;
  int channels = 1;
  double duration_s = 8;
  double warmup_s = 1;
  int keys = 1000;
  int value_bytes = 150;
  std::string cacert;
  bool json = false;
};

bool ParseNumber(const std::string& text, double min, double max, double* out) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= min && value <= max)) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseInt(const std::string& text, int min, int max, int* out) {
  double value = 0;
  if (!ParseNumber(text, min, max, &value) || value != std::floor(value)) return false;
  *out = static_cast<int>(value);
  return true;
}

// nullptr and *error (or the usage, *help set) when the flags do not parse.
std::unique_ptr<Options> Parse(int argc, char** argv, std::string* error, bool* help) {
  auto o = std::make_unique<Options>();
  if (const char* key = std::getenv("MERIDIAN_KEY")) o->key = key;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return nullptr;
    }
    if (flag == "--json") {
      o->json = true;
      continue;
    }
    if (i + 1 >= argc) {
      *error = flag + " needs a value (see --help)";
      return nullptr;
    }
    const std::string v = argv[++i];
    bool ok = true;
    if (flag == "--target") {
      o->target = v;
    } else if (flag == "--key") {
      o->key = v;
    } else if (flag == "--method") {
      ok = v == "set" || v == "get";
      o->set = v == "set";
    } else if (flag == "--concurrency") {
      ok = ParseInt(v, 1, 10000, &o->concurrency);
    } else if (flag == "--channels") {
      ok = ParseInt(v, 1, 256, &o->channels);
    } else if (flag == "--duration") {
      ok = ParseNumber(v, 0.1, 86400, &o->duration_s);
    } else if (flag == "--warmup") {
      ok = ParseNumber(v, 0, 3600, &o->warmup_s);
    } else if (flag == "--keys") {
      ok = ParseInt(v, 1, 10000000, &o->keys);
    } else if (flag == "--value-bytes") {
      ok = ParseInt(v, 1, 49152, &o->value_bytes);  // 64 KiB of base64 on the JSON side
    } else if (flag == "--cacert") {
      o->cacert = v;
    } else {
      *error = "unknown flag '" + flag + "' (see --help)";
      return nullptr;
    }
    if (!ok) {
      *error = "bad value '" + v + "' for " + flag + " (see --help)";
      return nullptr;
    }
  }
  if (o->key.empty()) {
    *error = "no key: pass --key or set MERIDIAN_KEY";
    return nullptr;
  }
  return o;
}

struct Stats {
  std::vector<int64_t> latencies_ns;         // calls answered OK inside the window
  uint64_t in_window = 0;                    // calls completed inside the window, any status
  std::map<std::string, uint64_t> failures;  // "<code>: <message>" over the whole run
};

// The run's shared state. Each slot has one call in flight at a time; completions of different
// slots run on libgrpc's threads concurrently, so Stats is behind a mutex.
class Run {
 public:
  Run(const Options& o, std::vector<std::unique_ptr<mgmt::ManagementService::Stub>> stubs)
      : o_(o), stubs_(std::move(stubs)) {
    const auto from = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(o.warmup_s));
    measure_from_ = from;
    measure_until_ = from + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o.duration_s));
  }

  Stats Go() {
    live_ = o_.concurrency;
    for (int slot = 0; slot < o_.concurrency; ++slot) Next(slot, static_cast<uint64_t>(slot));
    std::unique_lock lock(mu_);
    // Every call has a deadline, so the slots finish; the bound is a backstop.
    done_.wait_until(lock, measure_until_ + std::chrono::seconds(60),
                     [this] { return live_ == 0; });
    return std::move(stats_);
  }
  double window_s() const {
    return std::chrono::duration<double>(measure_until_ - measure_from_).count();
  }

 private:
  struct Call {
    grpc::ClientContext context;
    mgmt::SetOrgMetadataRequest set_req;
    mgmt::SetOrgMetadataResponse set_res;
    mgmt::GetOrgMetadataRequest get_req;
    mgmt::GetOrgMetadataResponse get_res;
    Clock::time_point start;
  };

  void Next(int slot, uint64_t n) {
    if (Clock::now() >= measure_until_) {
      std::lock_guard lock(mu_);
      if (--live_ == 0) done_.notify_all();
      return;
    }
    auto call = std::make_shared<Call>();
    call->context.AddMetadata("authorization", "Bearer " + o_.key);
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const std::string key = "k" + std::to_string(n % static_cast<uint64_t>(o_.keys));
    auto& stub = *stubs_[static_cast<size_t>(slot % o_.channels)];
    auto on_done = [this, slot, n, call](grpc::Status status) {
      Record(*call, status);
      Next(slot, n + static_cast<uint64_t>(o_.concurrency));
    };
    call->start = Clock::now();
    if (o_.set) {
      call->set_req.set_key(key);
      // Successive writes differ: the call number in hex up front, as meridian-loadgen does.
      std::string value(static_cast<size_t>(o_.value_bytes), 'v');
      for (size_t i = 0; i < 16 && i < value.size(); ++i) {
        value[i] = "0123456789abcdef"[(n >> (60 - 4 * i)) & 0xf];
      }
      call->set_req.set_value(std::move(value));
      stub.async()->SetOrgMetadata(&call->context, &call->set_req, &call->set_res, on_done);
    } else {
      call->get_req.set_key(key);
      stub.async()->GetOrgMetadata(&call->context, &call->get_req, &call->get_res, on_done);
    }
  }

  void Record(const Call& call, const grpc::Status& status) {
    const Clock::time_point end = Clock::now();
    std::lock_guard lock(mu_);
    if (!status.ok()) {
      ++stats_.failures[std::to_string(status.error_code()) + ": " + status.error_message()];
    }
    if (end < measure_from_ || end >= measure_until_) return;
    ++stats_.in_window;
    if (status.ok()) stats_.latencies_ns.push_back((end - call.start).count());
  }

  const Options& o_;
  std::vector<std::unique_ptr<mgmt::ManagementService::Stub>> stubs_;
  Clock::time_point measure_from_, measure_until_;
  std::mutex mu_;
  std::condition_variable done_;
  int live_ = 0;
  Stats stats_;
};

double PercentileMs(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p * static_cast<double>(sorted.size()));
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(std::max(rank, 1.0)) - 1);
  return static_cast<double>(sorted[index]) / 1e6;
}

int Main(int argc, char** argv) {
  std::string error;
  bool help = false;
  auto options = Parse(argc, argv, &error, &help);
  if (!options) {
    std::fprintf(help ? stdout : stderr, "%s",
                 help ? kUsage : ("meridian-grpc-load: " + error + "\n").c_str());
    return help ? 0 : 2;
  }
  const Options& o = *options;
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!o.cacert.empty()) {
    std::ifstream in(o.cacert);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in || pem.str().empty()) {
      std::fprintf(stderr, "meridian-grpc-load: cannot read --cacert %s\n", o.cacert.c_str());
      return 2;
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  }
  std::vector<std::unique_ptr<mgmt::ManagementService::Stub>> stubs;
  for (int c = 0; c < o.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per channel
    auto channel = grpc::CreateCustomChannel(o.target, credentials, args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::fprintf(stderr, "meridian-grpc-load: cannot connect to %s\n", o.target.c_str());
      return 2;
    }
    stubs.push_back(mgmt::ManagementService::NewStub(channel));
  }
  Run run(o, std::move(stubs));
  Stats stats = run.Go();
  std::sort(stats.latencies_ns.begin(), stats.latencies_ns.end());
  uint64_t failed = 0;
  for (const auto& [what, n] : stats.failures) {
    failed += n;
    std::fprintf(stderr, "meridian-grpc-load: %llu calls answered %s\n",
                 static_cast<unsigned long long>(n), what.c_str());
  }
  const double rps = static_cast<double>(stats.in_window) / run.window_s();
  const auto& l = stats.latencies_ns;
  std::printf(o.json ? "{\"requests\":%llu,\"duration_s\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,"
                       "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"failed\":%llu,\"method\":\"%s\","
                       "\"concurrency\":%d,\"channels\":%d,\"tls\":%s}\n"
                     : "requests=%llu duration_s=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f "
                       "p999_ms=%.3f failed=%llu method=%s concurrency=%d channels=%d tls=%s\n",
              static_cast<unsigned long long>(stats.in_window), run.window_s(), rps,
              PercentileMs(l, 0.5), PercentileMs(l, 0.99), PercentileMs(l, 0.999),
              static_cast<unsigned long long>(failed), o.set ? "set" : "get", o.concurrency,
              o.channels, o.cacert.empty() ? "false" : "true");
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace meridian::grpc_load

int main(int argc, char** argv) { return meridian::grpc_load::Main(argc, argv); }
