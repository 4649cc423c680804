// Health, readiness and metrics (see system_api.h).
#include "api/system_api.h"

namespace meridian::api {
namespace {

Response Text(http::status status, std::string body) {
  return MakeResponse(status, std::move(body), "text/plain; charset=utf-8");
}

// The Prometheus text exposition format 0.0.4: every family has HELP and TYPE lines.
std::string MetricsText(const ApiContext& ctx) {
  const Metrics& m = *ctx.metrics;
  auto stats = ctx.store->writer().stats();
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  };
  auto line = [&](std::string_view name, std::string_view labels, uint64_t value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(std::to_string(value)).append("\n");
  };
  family("meridian_http_responses_total", "counter", "HTTP responses sent, by status class.");
  line("meridian_http_responses_total", "class=\"2xx\"", m.requests_2xx.load());
  line("meridian_http_responses_total", "class=\"4xx\"", m.requests_4xx.load());
  line("meridian_http_responses_total", "class=\"5xx\"", m.requests_5xx.load());
  family("meridian_consistency_timeouts_total", "counter",
         "Writes answered 408: committed, the consistency level not reached in time.");
  line("meridian_consistency_timeouts_total", "", m.consistency_timeouts.load());
  family("meridian_http_connections_open", "gauge", "HTTP connections open now.");
  line("meridian_http_connections_open", "", m.connections_open.load());
  family("meridian_http_connections_total", "counter", "HTTP connections accepted.");
  line("meridian_http_connections_total", "", m.connections_total.load());
  family("meridian_storage_commits_total", "counter", "Write transactions committed (fsync'd).");
  line("meridian_storage_commits_total", "", stats.commits);
  family("meridian_storage_batches_total", "counter", "Write batches applied.");
  line("meridian_storage_batches_total", "", stats.batches);
  family("meridian_storage_batches_rejected_total", "counter",
         "Write batches refused by their precondition or the store.");
  line("meridian_storage_batches_rejected_total", "", stats.rejected);
  family("meridian_storage_last_seq", "gauge", "The last sequence number of this node's log.");
  line("meridian_storage_last_seq", "", ctx.store->writer().committed_seq());
  family("meridian_storage_used_bytes", "gauge", "Bytes of the LMDB map in use.");
  line("meridian_storage_used_bytes", "", ctx.store->env().UsedBytes());
  family("meridian_storage_map_bytes", "gauge", "Size of the LMDB map (--map-size).");
  line("meridian_storage_map_bytes", "", ctx.store->env().map_size_bytes());
  family("meridian_storage_healthy", "gauge",
         "1 while the store accepts writes, 0 after a failure.");
  line("meridian_storage_healthy", "", ctx.store->writer().health().ok() ? 1 : 0);
  family("meridian_writes_paused", "gauge", "1 while the operator's drain refuses writes.");
  line("meridian_writes_paused", "",
       ctx.writes_paused != nullptr && ctx.writes_paused->load() ? 1 : 0);
  return out;
}

}  // namespace

void RegisterSystemRoutes(Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.Add(http::verb::get, "/healthz", [](Call&) -> boost::asio::awaitable<Response> {
    co_return Text(http::status::ok, "ok\n");
  });
  router.Add(http::verb::get, "/readyz", [c](Call&) -> boost::asio::awaitable<Response> {
    if (c->draining->load()) co_return Text(http::status::service_unavailable, "draining\n");
    Status health = c->store->writer().health();
    if (!health.ok()) {
      co_return Text(http::status::service_unavailable,
                     "storage failed: " + health.message() + "\n");
    }
    co_return Text(http::status::ok, "ready\n");
  });
  router.Add(http::verb::get, "/cluster/v1/status",
             [c](Call& call) -> boost::asio::awaitable<Response> {
               {
                 auto txn = c->store->Read();
                 if (!txn.ok())
                   co_return Text(http::status::service_unavailable, "storage unavailable\n");
                 auto who = c->auth->Authenticate(call.req, *txn);
                 if (!who.ok())
                   co_return Text(HttpStatusOf(who.status()), PublicMessage(who.status()) + "\n");
                 if (!who->operator_admin)
                   co_return Text(http::status::forbidden, "operator key required\n");
               }
               co_return MakeResponse(http::status::ok, co_await c->replication->StatusJson());
             });
  router.Add(http::verb::get, "/metrics", [c](Call&) -> boost::asio::awaitable<Response> {
    co_return MakeResponse(http::status::ok, MetricsText(*c),
                           "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace meridian::api
