// The closed-loop load phase (see load.h).
#include "load.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <memory>
#include <thread>
#include <tuple>

#include "tls.h"

namespace meridian::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kWatchdogPeriod = std::chrono::milliseconds(100);
constexpr auto kReconnectBackoff = std::chrono::milliseconds(50);

// splitmix64: cheap, seedable per connection, and the same on every standard library.
uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Connection {
  Connection(asio::io_context& ioc, int id)
      : socket(ioc), id(id), rng(static_cast<uint64_t>(id) + 1) {}
  tcp::socket socket;
  // Over the socket with --tls, made afresh for each connection (an SSL object serves one).
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
  beast::flat_buffer buffer;
  std::string request;  // reused: one allocation per connection, not per request
  int id;
  uint64_t rng;
  uint64_t sent = 0;
  Clock::time_point deadline = Clock::time_point::max();  // of the operation in flight
  bool timed_out = false;  // set by the watchdog when it closed the socket
};

// One thread's share of the load. All members are touched only by that thread.
class Worker {
 public:
  Worker(const Options& options, const RequestBuilder& builder,
         const tcp::resolver::results_type& endpoints, Window window, std::vector<int> ids,
         asio::ssl::context* tls)
      : options_(options),
        builder_(builder),
        endpoints_(endpoints),
        tls_(tls),
        window_(window),
        timeout_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(options.timeout_s))) {
    for (int id : ids) conns_.push_back(std::make_unique<Connection>(ioc_, id));
    stats_.latencies_ns.reserve(1 << 16);
  }

  void Run() {
    auto rethrow = [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    };
    live_ = static_cast<int>(conns_.size());
    for (auto& conn : conns_) asio::co_spawn(ioc_, Loop(*conn), rethrow);
    asio::co_spawn(ioc_, Watchdog(), rethrow);
    ioc_.run();
  }

  Stats& stats() { return stats_; }

 private:
  asio::awaitable<void> Loop(Connection& c) {
    asio::steady_timer backoff(ioc_);
    while (Clock::now() < window_.measure_until) {
      if (!c.socket.is_open() && !co_await Connect(c)) {
        // Without a pause a refused connect would spin and flood the error count.
        backoff.expires_after(kReconnectBackoff);
        co_await backoff.async_wait(kNoThrow);
        continue;
      }
      NextRequest(c);
      const Clock::time_point start = Clock::now();
      c.deadline = start + timeout_;
      // if/else, never `co_await (tls ? a : b)`: GCC 12 miscompiles a co_await of ?: (crash).
      beast::error_code write_ec;
      if (c.tls) {
        std::tie(write_ec, std::ignore) =
            co_await asio::async_write(*c.tls, asio::buffer(c.request), kNoThrow);
      } else {
        std::tie(write_ec, std::ignore) =
            co_await asio::async_write(c.socket, asio::buffer(c.request), kNoThrow);
      }
      if (write_ec) {
        Fail(c, "write", write_ec);
        continue;
      }
      // Beast parsers are single-use; one per answer is its documented pattern.
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 << 20);
      beast::error_code read_ec;
      if (c.tls) {
        std::tie(read_ec, std::ignore) =
            co_await http::async_read(*c.tls, c.buffer, parser, kNoThrow);
      } else {
        std::tie(read_ec, std::ignore) =
            co_await http::async_read(c.socket, c.buffer, parser, kNoThrow);
      }
      const Clock::time_point done = Clock::now();
      c.deadline = Clock::time_point::max();
      if (read_ec) {
        Fail(c, "read", read_ec);
        continue;
      }
      Record(parser.get().result_int(), start, done);
      if (!parser.get().keep_alive()) Close(c);
    }
    Close(c);
    --live_;
  }

  asio::awaitable<bool> Connect(Connection& c) {
    c.deadline = Clock::now() + timeout_;
    auto [ec, endpoint] = co_await asio::async_connect(c.socket, endpoints_, kNoThrow);
    if (ec) {
      Fail(c, "connect", ec);
      co_return false;
    }
    // Requests go out in one write each; Nagle would only delay them.
    c.socket.set_option(tcp::no_delay(true), ec);
    if (tls_ != nullptr) {
      c.tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(c.socket, *tls_);
      PrepareHandshake(*c.tls, options_.host);
      auto [handshake_ec] =
          co_await c.tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
      if (handshake_ec) {
        Fail(c, "handshake", handshake_ec);
        co_return false;
      }
    }
    c.deadline = Clock::time_point::max();
    co_return true;
  }

  // Closing the socket is the one way to bound an Asio operation without a timer per request.
  asio::awaitable<void> Watchdog() {
    asio::steady_timer timer(ioc_);
    while (live_ > 0) {
      timer.expires_after(kWatchdogPeriod);
      co_await timer.async_wait(kNoThrow);
      const Clock::time_point now = Clock::now();
      for (auto& conn : conns_) {
        if (now < conn->deadline) continue;
        conn->deadline = Clock::time_point::max();
        conn->timed_out = true;
        beast::error_code ignored;
        conn->socket.close(ignored);
      }
    }
  }

  void NextRequest(Connection& c) {
    const int org =
        static_cast<int>(NextRandom(&c.rng) % static_cast<uint64_t>(options_.UsedOrgs()));
    const int key =
        static_cast<int>(NextRandom(&c.rng) % static_cast<uint64_t>(options_.UsedKeys()));
    if (options_.workload == Workload::kZitadelSet) {
      builder_.ZitadelSet(org, key, (static_cast<uint64_t>(c.id) << 40) | ++c.sent, &c.request);
      return;
    }
    bool patch = options_.workload == Workload::kPatch;
    if (options_.workload == Workload::kMixed) {
      // Top 53 bits as a uniform double in [0, 1).
      patch = static_cast<double>(NextRandom(&c.rng) >> 11) * 0x1.0p-53 < options_.patch_ratio;
    }
    if (patch) {
      builder_.Patch(org, key, (static_cast<uint64_t>(c.id) << 40) | ++c.sent, &c.request);
    } else {
      builder_.Get(org, key, &c.request);
    }
  }

  void Record(unsigned status, Clock::time_point start, Clock::time_point done) {
    if (status < 200 || status > 299) {
      ++stats_.non2xx;
      ++stats_.non2xx_by_status[status];
    }
    if (done >= window_.measure_from && done < window_.measure_until) {
      ++stats_.requests;
      (status == 503 ? stats_.shed_latencies_ns : stats_.latencies_ns)
          .push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - start).count());
    }
  }

  void Fail(Connection& c, const char* op, const beast::error_code& ec) {
    ++stats_.errors;
    ++stats_.errors_by_kind[c.timed_out ? std::string(op) + ": timeout"
                                        : std::string(op) + ": " + ec.message()];
    Close(c);
  }

  static void Close(Connection& c) {
    beast::error_code ignored;
    c.socket.close(ignored);  // no TLS close_notify: the load ends; the server sees EOF
    c.tls.reset();
    c.buffer.clear();
    c.timed_out = false;
    c.deadline = Clock::time_point::max();
  }

  const Options& options_;
  const RequestBuilder& builder_;
  const tcp::resolver::results_type& endpoints_;
  asio::ssl::context* const tls_;  // null: plain HTTP
  const Window window_;
  const Clock::duration timeout_;
  asio::io_context ioc_{1};  // before conns_: their sockets must die first
  std::vector<std::unique_ptr<Connection>> conns_;
  int live_ = 0;
  Stats stats_;
};

}  // namespace

void Stats::Merge(Stats&& other) {
  requests += other.requests;
  non2xx += other.non2xx;
  errors += other.errors;
  latencies_ns.insert(latencies_ns.end(), other.latencies_ns.begin(), other.latencies_ns.end());
  shed_latencies_ns.insert(shed_latencies_ns.end(), other.shed_latencies_ns.begin(),
                           other.shed_latencies_ns.end());
  for (const auto& [status, n] : other.non2xx_by_status) non2xx_by_status[status] += n;
  for (const auto& [kind, n] : other.errors_by_kind) errors_by_kind[kind] += n;
}

Stats RunLoad(const Options& options, const std::vector<OrgCreds>& creds,
              const tcp::resolver::results_type& endpoints, Window window,
              asio::ssl::context* tls) {
  const RequestBuilder builder(options, creds);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    std::vector<int> ids;
    for (int c = t; c < options.connections; c += options.threads) ids.push_back(c);
    workers.push_back(std::make_unique<Worker>(options, builder, endpoints, window, ids, tls));
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->Run(); });
  for (auto& thread : threads) thread.join();
  Stats total;
  for (auto& worker : workers) total.Merge(std::move(worker->stats()));
  return total;
}

}  // namespace meridian::loadgen
