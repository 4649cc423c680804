// Node wiring and lifecycle (see node.h).
#include "node/node.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/admin/ops_worker.h"
#include "api/api_context.h"
#include "api/dialects.h"
#include "api/http_server.h"
#include "api/rate_limit.h"
#include "api/swift/tempauth.h"
#include "api/system_api.h"
#include "api/zitadel/grpc/grpc_server.h"
#include "node/request_log.h"
#include "replication/consistency_gate.h"
#include "replication/net/replication_service.h"
#include "storage/base/log.h"
#include "storage/store.h"

namespace meridian::node {
namespace asio = boost::asio;

struct Node::Parts {
  Config config;
  asio::io_context ioc;
  std::atomic<bool> draining{false};
  std::atomic<bool> writes_paused{false};  // the operator's drain (api/admin/store_api.h)
  std::unique_ptr<replication::ConsistencyGate> gate;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<replication::ReplicationService> replication;
  std::unique_ptr<api::Authenticator> auth;
  std::unique_ptr<api::RateLimiter> rate_limiter;
  api::Metrics metrics;
  api::ApiContext ctx{};
  std::unique_ptr<api::admin::OpsWorker> ops_worker;  // joined after the server is gone
  api::Router router;
  RequestLog request_log;
  std::unique_ptr<api::HttpServer> server;
  std::string listening;
  std::unique_ptr<api::zitadel::GrpcServer> grpc;  // null unless grpc_listen is set
  std::thread grpc_stopper;                        // runs GrpcServer::Shutdown at drain
  // The probe listener (probe_listen): its own io_context and thread, so probes are answered
  // however busy the API's threads are. Null unless probe_listen is set.
  asio::io_context probe_ioc;
  api::Router probe_router;
  std::unique_ptr<api::HttpServer> probe_server;
  std::string probe_listening;
};

namespace {

log::Level ParseLevel(const std::string& name) {
  if (name == "debug") return log::Level::kDebug;
  if (name == "warn") return log::Level::kWarn;
  if (name == "error") return log::Level::kError;
  return log::Level::kInfo;
}

// Written via a temporary file and rename, so a reader never sees half a line.
Status WriteReadyFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content << "\n";
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return ec ? Status::IOError("cannot rename " + tmp + ": " + ec.message()) : Status::Ok();
}

// The rate limits of every group, for the log: "slashid=off swift=5/s,100/min ...".
std::string DescribeLimits(const api::RateLimitConfig& limits) {
  std::string out;
  for (size_t g = 0; g < api::kRateLimitGroups; ++g) {
    const api::RateLimitPolicy& p = limits.groups[g];
    if (!out.empty()) out += ' ';
    out += api::RateLimitGroupName(static_cast<api::RateLimitGroup>(g));
    out += p.enabled() ? "=" + std::to_string(p.burst_per_second) + "/s," +
                             std::to_string(p.per_minute) + "/min"
                       : std::string("=off");
  }
  return out;
}

// Reads the flags and the config file again and applies what changes without a restart: the
// log level, the access log and the rate limits (docs/configuration.md, "Reloading"). Logs
// what it applied; a file that no longer parses changes nothing.
void ReloadSettings(Node::Parts& p) {
  auto fresh = LoadConfig(p.config.args, std::getenv("MERIDIAN_ADMIN_TOKEN"));
  if (!fresh.ok()) {
    log::Error("config_reload_failed",
               "keeping=previous status=\"" + fresh.status().message().substr(0, 300) + "\"");
    return;
  }
  std::string changed;
  auto note = [&changed](bool differs, const char* what) {
    if (differs) changed += changed.empty() ? what : std::string(",") + what;
  };
  const std::string old_limits = DescribeLimits(p.config.rate_limits);
  const std::string limits = DescribeLimits(fresh->rate_limits);
  note(fresh->log_level != p.config.log_level, "log_level");
  note(fresh->access_log != p.config.access_log, "access_log");
  note(limits != old_limits, "rate_limits");
  // Logged before the new level applies, so a stricter level does not hide its own line.
  log::Info("config_reloaded", "changed=" + (changed.empty() ? "none" : changed) +
                                   " log_level=" + fresh->log_level +
                                   " access_log=" + (fresh->access_log ? "true" : "false") +
                                   " rate_limits=\"" + limits + "\"");
  p.config.log_level = fresh->log_level;
  p.config.access_log = fresh->access_log;
  p.config.rate_limits = fresh->rate_limits;
  log::MinLevel() = ParseLevel(p.config.log_level);
  p.request_log.SetAccessLog(p.config.access_log);
  p.rate_limiter->Reconfigure(p.config.rate_limits);
}

// SIGHUP, the one place of every reload: the settings above, then the TLS material of the
// replication links and the API from their files. Runs on an I/O thread, one at a time.
void ReloadOnSighup(Node::Parts& p, asio::signal_set& hup) {
  hup.async_wait([&p, &hup](const boost::system::error_code& ec, int) {
    if (ec) return;
    log::Info("reloading", "signal=SIGHUP");
    ReloadSettings(p);
    (void)p.replication->ReloadTls();  // logs its outcome; failure keeps the old material
    const TlsFiles& api_tls = p.config.api_tls;
    if (api_tls.enabled()) {
      Status st = p.server->UseTls(api_tls.cert_file, api_tls.key_file);
      if (st.ok()) {
        log::Info("api_tls_reloaded", "cert=" + api_tls.cert_file);
      } else {
        log::Error("api_tls_reload_failed", "keeping=previous status=\"" + st.ToString() + "\"");
      }
    }
    if (p.grpc && p.grpc->tls()) {  // the gRPC port serves the same certificate
      Status st = p.grpc->ReloadTls(api_tls.cert_file, api_tls.key_file);
      if (st.ok()) {
        log::Info("grpc_tls_reloaded", "cert=" + api_tls.cert_file);
      } else {
        log::Error("grpc_tls_reload_failed", "keeping=previous status=\"" + st.ToString() + "\"");
      }
    }
    ReloadOnSighup(p, hup);
  });
}

// Collects expired Swift tokens every min(token lifetime, 60 s) until the node drains. Tokens of
// other nodes get an hour's grace (their issuer normally collects them; see SweepExpiredTokens).
asio::awaitable<void> CollectSwiftTokens(const api::ApiContext& ctx, uint64_t token_ttl_s) {
  using namespace std::chrono;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const seconds interval{std::clamp<uint64_t>(token_ttl_s, 1, 60)};
  constexpr int64_t kOrphanGraceMs = 3600 * 1000;
  constexpr size_t kMaxPerPass = 1000;
  while (!ctx.draining->load()) {
    timer.expires_after(interval);
    co_await timer.async_wait(asio::use_awaitable);
    const int64_t now_ms =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    // Full passes follow each other at once; the count bounds the loop.
    for (int pass = 0; pass < 100 && !ctx.draining->load(); ++pass) {
      auto swept =
          co_await api::swift::SweepExpiredTokens(ctx, now_ms, kOrphanGraceMs, kMaxPerPass);
      if (!swept.ok()) {
        log::Warn("swift_token_sweep_failed", "status=\"" + swept.status().ToString() + "\"");
        break;
      }
      if (*swept > 0) log::Info("swift_tokens_collected", "count=" + std::to_string(*swept));
      if (*swept < kMaxPerPass) break;
    }
  }
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Create(Config config) {
  log::MinLevel() = ParseLevel(config.log_level);
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  p.config = std::move(config);
  const Config& c = p.config;

  std::vector<replication::Member> members;
  for (const auto& n : c.nodes) {
    members.push_back({n.id, n.id == c.node_id ? c.region : n.region});
  }
  p.gate = std::make_unique<replication::ConsistencyGate>(
      replication::Quorum(std::move(members), c.node_id));

  storage::StoreOptions store_options;
  store_options.dir = c.data_dir;
  store_options.node_id = c.node_id;
  store_options.map_size_bytes = c.map_size_bytes;
  store_options.writer.max_group_batches = c.max_group_batches;
  store_options.writer.max_queued_writes = c.max_queued_writes;
  replication::ConsistencyGate* gate = p.gate.get();
  const std::string self = c.node_id;
  Parts* parts_ptr = &p;
  // Runs on the writer thread after each commit. `replication` is set before any write.
  store_options.writer.on_durable = [gate, self, parts_ptr](uint64_t seq) {
    gate->Durable(self, seq);
    if (parts_ptr->replication) parts_ptr->replication->OnLocalCommit(seq);
  };
  api::Metrics* metrics = &p.metrics;
  store_options.writer.on_commit = [metrics](size_t batches, auto took) {
    metrics->commit_seconds.Observe(std::chrono::duration<double>(took).count());
    metrics->commit_group_batches.Observe(static_cast<double>(batches));
  };
  auto store = storage::Store::Open(std::move(store_options));
  if (!store.ok()) return store.status();
  p.store = std::move(*store);
  p.gate->Durable(self, p.store->writer().committed_seq());

  replication::ReplicationOptions repl;
  repl.node_id = c.node_id;
  repl.region = c.region;
  repl.secret = c.cluster_secret;
  repl.core.max_log_entries = c.max_log_entries;
  repl.core.gc_interval_ms = c.gc_interval_ms;
  repl.tls = {c.peer_tls.ca_file, c.peer_tls.cert_file, c.peer_tls.key_file};
  for (const auto& n : c.nodes) {
    if (n.id == c.node_id) {
      repl.listen = n.replication;
      continue;
    }
    std::string dial = n.replication;
    for (const auto& self_entry : c.nodes) {
      if (self_entry.id != c.node_id) continue;
      if (auto via = self_entry.peers_via.find(n.id); via != self_entry.peers_via.end()) {
        dial = via->second;
      }
    }
    repl.peers.push_back({n.id, n.region, dial});
  }
  p.replication = std::make_unique<replication::ReplicationService>(p.ioc, p.store.get(),
                                                                    p.gate.get(), std::move(repl));
  MERIDIAN_RETURN_IF_ERROR(p.replication->Start());

  p.auth = std::make_unique<api::Authenticator>(p.store.get(), c.admin_token);
  auto generated = p.auth->EnsureAdminKey();
  if (!generated.ok()) return generated.status();
  if (generated->has_value()) {
    std::printf("meridiand: generated the admin key (shown only this once, store it now):\n%s\n",
                (*generated)->c_str());
    std::fflush(stdout);
  }

  p.ctx = api::ApiContext{p.store.get(), p.gate.get(), p.replication.get(),
                          p.auth.get(),  &p.metrics,   &p.draining,
                          c.node_id,     c.region,     nullptr};
  p.rate_limiter = std::make_unique<api::RateLimiter>(c.rate_limits);
  p.ctx.rate_limiter = p.rate_limiter.get();
  p.ctx.writes_paused = &p.writes_paused;
  p.ctx.swift_token_ttl_s = c.swift_token_ttl_s;
  p.ops_worker = std::make_unique<api::admin::OpsWorker>();
  p.ctx.ops_worker = p.ops_worker.get();
  for (const auto& n : c.nodes) p.ctx.node_apis[n.id] = n.api;
  api::RegisterAllRoutes(p.router, p.ctx);
  p.request_log.SetAccessLog(c.access_log);
  RequestLog* request_log = &p.request_log;
  p.router.SetObserver([request_log](const api::Exchange& e) { request_log->Log(e); });

  p.server = std::make_unique<api::HttpServer>(p.ioc, &p.router, &p.metrics, c.http);
  p.server->SetObserver([request_log](const api::Exchange& e) { request_log->Log(e); });
  auto endpoint = p.server->Listen(c.listen_host, c.listen_port);
  if (!endpoint.ok()) return endpoint.status();
  if (c.api_tls.enabled()) {
    MERIDIAN_RETURN_IF_ERROR(p.server->UseTls(c.api_tls.cert_file, c.api_tls.key_file));
  }
  p.listening = endpoint->address().to_string() + ":" + std::to_string(endpoint->port());
  if (!c.grpc_listen.empty()) {
    api::zitadel::GrpcTlsFiles grpc_tls;  // api_tls covers the gRPC port too
    if (c.api_tls.enabled()) {
      grpc_tls = {c.api_tls.cert_file, c.api_tls.key_file, c.data_dir + "/grpc-tls"};
    }
    auto grpc = api::zitadel::GrpcServer::Start(c.grpc_listen, p.ioc, p.ctx, grpc_tls);
    if (!grpc.ok()) return grpc.status();
    p.grpc = std::move(*grpc);
  }
  if (!c.probe_listen.empty()) {
    std::string host;
    uint16_t port = 0;
    MERIDIAN_RETURN_IF_ERROR(SplitHostPort(c.probe_listen, host, port));
    api::RegisterProbeRoutes(p.probe_router, p.ctx);
    p.probe_server =
        std::make_unique<api::HttpServer>(p.probe_ioc, &p.probe_router, &p.metrics, c.http);
    p.probe_server->SetObserver([request_log](const api::Exchange& e) { request_log->Log(e); });
    auto probe = p.probe_server->Listen(host, port);
    if (!probe.ok()) return probe.status();
    p.probe_listening = probe->address().to_string() + ":" + std::to_string(probe->port());
  }
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() = default;

int Node::Run() {
  Parts& p = *parts_;
  p.server->Start();
  log::Info("listening", "node=" + p.config.node_id + " region=" + p.config.region +
                             " addr=" + p.listening + " data_dir=" + p.config.data_dir);
  if (!p.config.ready_file.empty()) {
    Status st = WriteReadyFile(p.config.ready_file, p.listening);
    if (!st.ok()) log::Error("ready_file_failed", "status=\"" + st.ToString() + "\"");
  }
  if (p.grpc) {
    const std::string& addr = p.config.grpc_listen;
    log::Info("grpc_listening", "addr=" + addr.substr(0, addr.rfind(':')) + ":" +
                                    std::to_string(p.grpc->port()) +
                                    " tls=" + (p.grpc->tls() ? "true" : "false"));
  }

  std::thread probe_thread;
  if (p.probe_server) {
    p.probe_server->Start();
    log::Info("probe_listening", "addr=" + p.probe_listening);
    probe_thread = std::thread([&p] {
      auto work = asio::make_work_guard(p.probe_ioc);  // runs until the node stops it
      p.probe_ioc.run();
    });
  }

  asio::co_spawn(p.ioc, CollectSwiftTokens(p.ctx, p.config.swift_token_ttl_s), asio::detached);
  asio::signal_set tls_reload(p.ioc, SIGHUP);
  ReloadOnSighup(p, tls_reload);
  asio::signal_set signals(p.ioc, SIGTERM, SIGINT);
  signals.async_wait([&p, &tls_reload](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::Info("draining", "signal=" + std::to_string(signo));
    p.draining = true;
    p.server->Drain();
    // gRPC: no new calls; Shutdown returns once the running ones finished (off the io threads,
    // which run them).
    if (p.grpc) p.grpc_stopper = std::thread([&p] { p.grpc->Shutdown(); });
    asio::co_spawn(
        p.ioc,
        [&p, &tls_reload]() -> asio::awaitable<void> {
          asio::steady_timer tick(p.ioc);
          // In-flight requests get up to 10 s to finish (1000 x 10 ms).
          for (int i = 0;
               i < 1000 && (p.server->open_sessions() > 0 || (p.grpc && p.grpc->in_flight() > 0));
               ++i) {
            tick.expires_after(std::chrono::milliseconds(10));
            co_await tick.async_wait(asio::use_awaitable);
          }
          if (p.probe_server) {  // the probes answered "draining" until now
            p.probe_server->Drain();
            for (int i = 0; i < 100 && p.probe_server->open_sessions() > 0; ++i) {
              tick.expires_after(std::chrono::milliseconds(10));
              co_await tick.async_wait(asio::use_awaitable);
            }
          }
          p.replication->Stop();
          tls_reload.cancel();
          tick.expires_after(std::chrono::milliseconds(20));  // let the links close
          co_await tick.async_wait(asio::use_awaitable);
          p.ioc.stop();
        },
        asio::detached);
  });

  unsigned threads =
      p.config.io_threads ? p.config.io_threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&p] { p.ioc.run(); });
  p.ioc.run();
  for (auto& t : pool) t.join();
  if (probe_thread.joinable()) {
    p.probe_ioc.stop();  // the probes answer until the API has stopped
    probe_thread.join();
  }
  if (p.grpc) {
    p.grpc->Abandon();  // calls still running after the grace period
    if (p.grpc_stopper.joinable()) p.grpc_stopper.join();
  }
  // Every queued write is committed (and fsync'd) before the process exits.
  p.store->Stop();
  Status health = p.store->writer().health();
  log::Info("stopped", "node=" + p.config.node_id + " storage=\"" + health.ToString() + "\"");
  return health.ok() ? 0 : 1;
}

}  // namespace meridian::node
