// Health, readiness and metrics (see system_api.h).
#include "api/system_api.h"

#include <boost/json.hpp>
#include <cstdio>
#include <utility>

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
  family("meridian_http_connections_refused_total", "counter",
         "Connections refused at accept: limits.max_connections reached.");
  line("meridian_http_connections_refused_total", "", m.connections_refused.load());
  family("meridian_http_requests_shed_total", "counter",
         "Requests answered 503 by an overload bound (body memory, writer queue).");
  line("meridian_http_requests_shed_total", "", m.requests_shed.load());
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
  family("meridian_storage_full", "gauge",
         "1 while the disk or the LMDB map is full (writes answer 507).");
  line("meridian_storage_full", "", ctx.store->env().full() ? 1 : 0);
  m.RenderHistograms(out);
  return out;
}

// A label value escaped as the text format requires.
std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Per-peer replication families from the replication status (docs/replication.md).
std::string PeerMetricsText(std::string_view status_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(status_json, ec);
  const boost::json::value* peers =
      !ec && v.is_object() ? v.as_object().if_contains("peers") : nullptr;
  if (peers == nullptr || !peers->is_array()) return "";
  struct Family {
    const char* name;
    const char* help;
    const char* field;
  };
  static constexpr Family kFamilies[] = {
      {"meridian_replication_peer_connected", "1 while the outbound link to the peer is up.",
       "connected"},
      {"meridian_replication_peer_inbound_connected", "1 while the peer's link to us is up.",
       "inbound_connected"},
      {"meridian_replication_peer_snapshotting", "1 while the peer is sent a snapshot.",
       "snapshotting"},
      {"meridian_replication_lag_entries", "Log entries of this node the peer has not acked.",
       "lag_entries"},
      {"meridian_replication_lag_seconds", "Age of the oldest log entry the peer has not acked.",
       "lag_seconds"},
      {"meridian_replication_peer_acked_seq", "This node's log position the peer acked.",
       "acked_seq"},
      {"meridian_replication_catchup_entries",
       "Entries of the peer's log it announced and this node has not applied yet.",
       "catchup_entries"},
  };
  // Counters with a direction label: the sent and the received field of each peer.
  struct Directed {
    const char* name;
    const char* help;
    const char* sent;
    const char* received;
  };
  static constexpr Directed kDirected[] = {
      {"meridian_replication_bytes_total", "Framed bytes on the links with the peer.", "bytes_sent",
       "bytes_received"},
      {"meridian_replication_entries_total", "Log entries sent to / received from the peer.",
       "entries_sent", "entries_received"},
      {"meridian_replication_snapshot_records_total",
       "Snapshot records sent to / received from the peer.", "snapshot_records_sent",
       "snapshot_records_received"},
      {"meridian_replication_snapshot_bytes_total",
       "Snapshot bytes sent to / received from the peer.", "snapshot_bytes_sent",
       "snapshot_bytes_received"},
  };
  std::string out;
  auto labels = [&out](const boost::json::object& o, const boost::json::value& id) {
    const auto* region = o.if_contains("region");
    out.append("{peer=\"").append(LabelValue(id.as_string())).append("\",region=\"");
    if (region != nullptr && region->is_string()) out.append(LabelValue(region->as_string()));
    out.append("\"");
  };
  for (const Directed& f : kDirected) {
    out.append("# HELP ").append(f.name).append(" ").append(f.help).append("\n");
    out.append("# TYPE ").append(f.name).append(" counter\n");
    for (const auto& p : peers->as_array()) {
      const auto* o = p.if_object();
      const auto* id = o ? o->if_contains("id") : nullptr;
      if (id == nullptr || !id->is_string()) continue;
      for (const auto& [direction, field] : {std::pair{"sent", f.sent}, {"received", f.received}}) {
        const auto* value = o->if_contains(field);
        if (value == nullptr || !value->is_number()) continue;
        out.append(f.name);
        labels(*o, *id);
        out.append(",direction=\"").append(direction).append("\"} ");
        out.append(boost::json::serialize(*value)).append("\n");
      }
    }
  }
  out.append(
      "# HELP meridian_replication_peer_last_error_timestamp_seconds When the last link error "
      "with the peer happened (Unix time; 0: none since start).\n"
      "# TYPE meridian_replication_peer_last_error_timestamp_seconds gauge\n");
  for (const auto& p : peers->as_array()) {
    const auto* o = p.if_object();
    const auto* id = o ? o->if_contains("id") : nullptr;
    const auto* ms = o ? o->if_contains("last_error_unix_ms") : nullptr;
    if (id == nullptr || !id->is_string() || ms == nullptr || !ms->is_number()) continue;
    out.append("meridian_replication_peer_last_error_timestamp_seconds");
    labels(*o, *id);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "} %.3f\n", ms->to_number<double>() / 1000.0);
    out.append(seconds);
  }
  for (const Family& f : kFamilies) {
    out.append("# HELP ").append(f.name).append(" ").append(f.help).append("\n");
    out.append("# TYPE ").append(f.name).append(" gauge\n");
    for (const auto& p : peers->as_array()) {
      if (!p.is_object()) continue;
      const auto& o = p.as_object();
      const auto* id = o.if_contains("id");
      const auto* value = o.if_contains(f.field);
      if (id == nullptr || !id->is_string() || value == nullptr) continue;
      std::string number = value->is_bool()     ? (value->as_bool() ? "1" : "0")
                           : value->is_number() ? boost::json::serialize(*value)
                                                : "0";
      out.append(f.name);
      labels(o, *id);
      out.append("} ").append(number).append("\n");
    }
  }
  return out;
}

}  // namespace

void RegisterProbeRoutes(Router& router, const ApiContext& ctx) {
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
    if (c->store->env().full()) {  // writes answer 507 until space is freed; reads still work
      co_return Text(http::status::service_unavailable,
                     "storage full: the disk or the LMDB map is full; free space (see "
                     "docs/storage-format.md, \"Disk full\")\n");
    }
    co_return Text(http::status::ok, "ready\n");
  });
  router.Add(http::verb::get, "/metrics", [c](Call&) -> boost::asio::awaitable<Response> {
    std::string text = MetricsText(*c) + PeerMetricsText(co_await c->replication->StatusJson());
    co_return MakeResponse(http::status::ok, std::move(text),
                           "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace meridian::api
