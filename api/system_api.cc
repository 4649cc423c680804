// Health, readiness and metrics (see system_api.h).
#include "api/system_api.h"

namespace meridian::api {
namespace {

Response Text(http::status status, std::string body) {
  return MakeResponse(status, std::move(body), "text/plain; charset=utf-8");
}

std::string MetricsText(const ApiContext& ctx) {
  const Metrics& m = *ctx.metrics;
  auto stats = ctx.store->writer().stats();
  std::string out;
  auto line = [&](std::string_view name, std::string_view labels, uint64_t value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(std::to_string(value)).append("\n");
  };
  out += "# TYPE meridian_http_responses_total counter\n";
  line("meridian_http_responses_total", "class=\"2xx\"", m.requests_2xx.load());
  line("meridian_http_responses_total", "class=\"4xx\"", m.requests_4xx.load());
  line("meridian_http_responses_total", "class=\"5xx\"", m.requests_5xx.load());
  out += "# TYPE meridian_consistency_timeouts_total counter\n";
  line("meridian_consistency_timeouts_total", "", m.consistency_timeouts.load());
  out += "# TYPE meridian_http_connections_open gauge\n";
  line("meridian_http_connections_open", "", m.connections_open.load());
  out += "# TYPE meridian_http_connections_total counter\n";
  line("meridian_http_connections_total", "", m.connections_total.load());
  out += "# TYPE meridian_storage_commits_total counter\n";
  line("meridian_storage_commits_total", "", stats.commits);
  out += "# TYPE meridian_storage_batches_total counter\n";
  line("meridian_storage_batches_total", "", stats.batches);
  out += "# TYPE meridian_storage_batches_rejected_total counter\n";
  line("meridian_storage_batches_rejected_total", "", stats.rejected);
  out += "# TYPE meridian_storage_last_seq gauge\n";
  line("meridian_storage_last_seq", "", ctx.store->writer().committed_seq());
  out += "# TYPE meridian_storage_used_bytes gauge\n";
  line("meridian_storage_used_bytes", "", ctx.store->env().UsedBytes());
  out += "# TYPE meridian_storage_map_bytes gauge\n";
  line("meridian_storage_map_bytes", "", ctx.store->env().map_size_bytes());
  out += "# TYPE meridian_storage_healthy gauge\n";
  line("meridian_storage_healthy", "", ctx.store->writer().health().ok() ? 1 : 0);
  out += "# TYPE meridian_storage_full gauge\n";
  line("meridian_storage_full", "", ctx.store->env().full() ? 1 : 0);
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
      co_return Text(http::status::service_unavailable, "storage failed: " + health.message() + "\n");
    }
    if (c->store->env().full()) {  // writes answer 507 until space is freed; reads still work
      co_return Text(http::status::service_unavailable,
                     "storage full: the disk or the LMDB map is full; free space (see "
                     "docs/storage-format.md, \"Disk full\")\n");
    }
    co_return Text(http::status::ok, "ready\n");
  });
  router.Add(http::verb::get, "/cluster/v1/status", [c](Call& call) -> boost::asio::awaitable<Response> {
    {
      auto txn = c->store->Read();
      if (!txn.ok()) co_return Text(http::status::service_unavailable, "storage unavailable\n");
      auto who = c->auth->Authenticate(call.req, *txn);
      if (!who.ok()) co_return Text(HttpStatusOf(who.status()), PublicMessage(who.status()) + "\n");
      if (!who->operator_admin) co_return Text(http::status::forbidden, "operator key required\n");
    }
    co_return MakeResponse(http::status::ok, co_await c->replication->StatusJson());
  });
  router.Add(http::verb::get, "/metrics", [c](Call&) -> boost::asio::awaitable<Response> {
    co_return Text(http::status::ok, MetricsText(*c));
  });
}

}  // namespace meridian::api
