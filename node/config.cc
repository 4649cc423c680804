// Configuration loading (see config.h).
#include "node/config.h"

#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace meridian::node {
namespace json = boost::json;
namespace {

Status Bad(const std::string& message) { return Status::InvalidArgument(message); }

template <typename T>
Status ParseNumber(const std::string& text, const std::string& what, T min, T max, T& out) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Bad(what + " must be a number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", got '" + text + "'");
  }
  out = value;
  return Status::Ok();
}

Status NumberField(const json::object& obj, const char* name, const std::string& where,
                   uint64_t min, uint64_t max, uint64_t& out) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr) return Status::Ok();
  if (!v->is_int64() && !v->is_uint64()) return Bad(where + "." + name + " must be an integer");
  uint64_t value = v->is_uint64() ? v->as_uint64() : static_cast<uint64_t>(v->as_int64());
  if (v->is_int64() && v->as_int64() < 0) return Bad(where + "." + name + " must be positive");
  if (value < min || value > max) {
    return Bad(where + "." + name + " must be from " + std::to_string(min) + " to " +
               std::to_string(max));
  }
  out = value;
  return Status::Ok();
}

Status StringField(const json::object& obj, const char* name, const std::string& where,
                   std::string& out) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return Bad(where + "." + name + " must be a string");
  out = std::string(v->as_string());
  return Status::Ok();
}

Status LoadRateLimits(const json::value& value, api::RateLimitConfig& out) {
  if (!value.is_object()) return Bad("config.rate_limits must be an object");
  for (const auto& [name, group_value] : value.as_object()) {
    if (name == "max_tracked_keys") {
      uint64_t keys = out.max_tracked_keys;
      MERIDIAN_RETURN_IF_ERROR(
          NumberField(value.as_object(), "max_tracked_keys", "rate_limits", 16, 1u << 24, keys));
      out.max_tracked_keys = keys;
      continue;
    }
    auto group = api::RateLimitGroupByName(name);
    const std::string where = "rate_limits." + std::string(name);
    if (!group) {
      return Bad("config.rate_limits: unknown dialect '" + std::string(name) +
                 "' (slashid, swift, zitadel, attio, ocamba)");
    }
    if (!group_value.is_object()) return Bad("config." + where + " must be an object");
    // A group named in the file is exactly what it says: a limit it omits is off.
    uint64_t burst = 0, per_minute = 0;
    MERIDIAN_RETURN_IF_ERROR(
        NumberField(group_value.as_object(), "burst_per_second", where, 0, 1000000, burst));
    MERIDIAN_RETURN_IF_ERROR(
        NumberField(group_value.as_object(), "per_minute", where, 0, 60000000, per_minute));
    out[*group] = {static_cast<uint32_t>(burst), static_cast<uint32_t>(per_minute)};
  }
  return Status::Ok();
}

Status LoadTlsFiles(const json::object& root, const char* name, bool with_ca, TlsFiles& out) {
  const json::value* v = root.if_contains(name);
  if (v == nullptr) return Status::Ok();
  const std::string where = name;
  if (!v->is_object()) return Bad("config." + where + " must be an object");
  const auto& obj = v->as_object();
  for (const auto& [key, value] : obj) {
    if (key != "cert_file" && key != "key_file" && (!with_ca || key != "ca_file")) {
      return Bad("config." + where + ": unknown key '" + std::string(key) + "'");
    }
  }
  if (with_ca) MERIDIAN_RETURN_IF_ERROR(StringField(obj, "ca_file", where, out.ca_file));
  MERIDIAN_RETURN_IF_ERROR(StringField(obj, "cert_file", where, out.cert_file));
  return StringField(obj, "key_file", where, out.key_file);
}

// Every file of a configured TLS endpoint must be named: half a configuration is a mistake,
// never a silent fallback to plaintext.
Status CheckTlsFiles(const TlsFiles& files, const std::string& what, bool with_ca) {
  const bool any = !files.cert_file.empty() || !files.key_file.empty() || !files.ca_file.empty();
  if (any &&
      (files.cert_file.empty() || files.key_file.empty() || (with_ca && files.ca_file.empty()))) {
    return Bad(what + " needs " + (with_ca ? "ca_file, " : "") + "cert_file and key_file");
  }
  return Status::Ok();
}

Status LoadFile(const std::string& path, Config& config) {
  std::ifstream in(path);
  if (!in) return Bad("cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  if (ec) return Bad("config file " + path + " is not valid JSON: " + ec.message());
  if (!doc.is_object()) return Bad("config file " + path + " must hold a JSON object");
  const json::object& root = doc.as_object();
  MERIDIAN_RETURN_IF_ERROR(StringField(root, "cluster_secret", "config", config.cluster_secret));
  std::string admin_token;
  MERIDIAN_RETURN_IF_ERROR(StringField(root, "admin_token", "config", admin_token));
  if (!admin_token.empty()) config.admin_token = admin_token;
  MERIDIAN_RETURN_IF_ERROR(StringField(root, "log_level", "config", config.log_level));
  if (const json::value* access_log = root.if_contains("access_log")) {
    if (!access_log->is_bool()) return Bad("config.access_log must be true or false");
    config.access_log = access_log->as_bool();
  }
  MERIDIAN_RETURN_IF_ERROR(StringField(root, "grpc_listen", "config", config.grpc_listen));
  MERIDIAN_RETURN_IF_ERROR(StringField(root, "probe_listen", "config", config.probe_listen));
  uint64_t io_threads = config.io_threads;
  MERIDIAN_RETURN_IF_ERROR(NumberField(root, "io_threads", "config", 0, 256, io_threads));
  config.io_threads = static_cast<unsigned>(io_threads);
  if (const json::value* nodes = root.if_contains("nodes")) {
    if (!nodes->is_array()) return Bad("config.nodes must be an array");
    for (const auto& n : nodes->as_array()) {
      if (!n.is_object()) return Bad("config.nodes entries must be objects");
      NodeEntry entry;
      const auto& obj = n.as_object();
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "id", "node", entry.id));
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "region", "node", entry.region));
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "api", "node", entry.api));
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "replication", "node", entry.replication));
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "data_dir", "node", entry.data_dir));
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "cert_file", "node", entry.cert_file));
      MERIDIAN_RETURN_IF_ERROR(StringField(obj, "key_file", "node", entry.key_file));
      if (const json::value* via = obj.if_contains("peers_via")) {
        if (!via->is_object()) return Bad("node.peers_via must be an object");
        for (const auto& [peer, addr] : via->as_object()) {
          if (!addr.is_string()) return Bad("node.peers_via values must be HOST:PORT strings");
          entry.peers_via[std::string(peer)] = std::string(addr.as_string());
        }
      }
      if (entry.id.empty() || entry.region.empty() || entry.api.empty()) {
        return Bad("every node needs id, region and api");
      }
      for (const auto& other : config.nodes) {
        if (other.id == entry.id) return Bad("duplicate node id " + entry.id);
      }
      config.nodes.push_back(std::move(entry));
    }
  }
  if (const json::value* limits = root.if_contains("limits")) {
    if (!limits->is_object()) return Bad("config.limits must be an object");
    const auto& obj = limits->as_object();
    uint64_t header = config.http.max_header_bytes, body = config.http.max_body_bytes;
    uint64_t idle = config.http.idle_timeout.count(), read = config.http.read_timeout.count();
    uint64_t conns = config.http.max_connections, memory = config.http.max_body_memory_bytes;
    uint64_t queued = config.max_queued_writes;
    MERIDIAN_RETURN_IF_ERROR(NumberField(obj, "max_header_bytes", "limits", 1024, 1 << 20, header));
    MERIDIAN_RETURN_IF_ERROR(NumberField(obj, "max_body_bytes", "limits", 1024, 1ull << 30, body));
    MERIDIAN_RETURN_IF_ERROR(NumberField(obj, "idle_timeout_s", "limits", 1, 3600, idle));
    MERIDIAN_RETURN_IF_ERROR(NumberField(obj, "read_timeout_s", "limits", 1, 3600, read));
    MERIDIAN_RETURN_IF_ERROR(NumberField(obj, "max_connections", "limits", 1, 1 << 20, conns));
    MERIDIAN_RETURN_IF_ERROR(
        NumberField(obj, "max_body_memory_bytes", "limits", 1024, 1ull << 40, memory));
    MERIDIAN_RETURN_IF_ERROR(NumberField(obj, "max_queued_writes", "limits", 1, 1 << 24, queued));
    config.http.max_header_bytes = static_cast<uint32_t>(header);
    config.http.max_body_bytes = body;
    config.http.idle_timeout = std::chrono::seconds(idle);
    config.http.read_timeout = std::chrono::seconds(read);
    config.http.max_connections = conns;
    config.http.max_body_memory_bytes = memory;
    config.max_queued_writes = queued;
  }
  if (const json::value* storage = root.if_contains("storage")) {
    if (!storage->is_object()) return Bad("config.storage must be an object");
    uint64_t map_mb = config.map_size_bytes >> 20, group = config.max_group_batches;
    MERIDIAN_RETURN_IF_ERROR(
        NumberField(storage->as_object(), "map_size_mb", "storage", 1, uint64_t{1} << 24, map_mb));
    MERIDIAN_RETURN_IF_ERROR(
        NumberField(storage->as_object(), "max_group_batches", "storage", 1, 1 << 20, group));
    config.map_size_bytes = map_mb << 20;
    config.max_group_batches = group;
  }
  if (const json::value* limits = root.if_contains("rate_limits")) {
    MERIDIAN_RETURN_IF_ERROR(LoadRateLimits(*limits, config.rate_limits));
  }
  if (const json::value* swift = root.if_contains("swift")) {
    if (!swift->is_object()) return Bad("config.swift must be an object");
    MERIDIAN_RETURN_IF_ERROR(NumberField(swift->as_object(), "token_ttl_s", "swift", 1,
                                         uint64_t{1} << 31, config.swift_token_ttl_s));
  }
  MERIDIAN_RETURN_IF_ERROR(LoadTlsFiles(root, "peer_tls", true, config.peer_tls));
  MERIDIAN_RETURN_IF_ERROR(LoadTlsFiles(root, "api_tls", false, config.api_tls));
  if (const json::value* replication = root.if_contains("replication")) {
    if (!replication->is_object()) return Bad("config.replication must be an object");
    MERIDIAN_RETURN_IF_ERROR(NumberField(replication->as_object(), "max_log_entries", "replication",
                                         1, uint64_t{1} << 40, config.max_log_entries));
    MERIDIAN_RETURN_IF_ERROR(NumberField(replication->as_object(), "gc_interval_ms", "replication",
                                         100, uint64_t{1} << 40, config.gc_interval_ms));
  }
  return Status::Ok();
}

}  // namespace

Status SplitHostPort(const std::string& text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Bad("expected HOST:PORT, got '" + text + "'");
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return ParseNumber<uint16_t>(text.substr(colon + 1), "port in '" + text + "'", 0, 65535, port);
}

std::string Usage() {
  return "usage: meridiand [--config FILE] [--node-id ID] [--listen HOST:PORT] [--data-dir DIR]\n"
         "                 [--region NAME] [--io-threads N] [--map-size-mb N] [--ready-file FILE]\n"
         "                 [--log-level debug|info|warn|error] [--max-log-entries N]\n"
         "                 [--peer-tls-ca FILE] [--peer-tls-cert FILE] [--peer-tls-key FILE]\n"
         "                 [--api-tls-cert FILE] [--api-tls-key FILE] [--grpc-listen HOST:PORT]\n"
         "                 [--probe-listen HOST:PORT] [--access-log true|false]\n"
         "Without flags: node n1, region local, API on 127.0.0.1:8080, data in ./data.\n"
         "MERIDIAN_ADMIN_TOKEN sets the admin key; otherwise one is generated on first start.\n"
         "Reference: docs/configuration.md\n";
}

Result<Config> LoadConfig(const std::vector<std::string>& args, const char* env_admin_token) {
  std::map<std::string, std::string> flags;
  static const char* kKnown[] = {"config",       "node-id",         "listen",      "data-dir",
                                 "region",       "io-threads",      "ready-file",  "map-size-mb",
                                 "log-level",    "max-log-entries", "peer-tls-ca", "peer-tls-cert",
                                 "peer-tls-key", "api-tls-cert",    "api-tls-key", "grpc-listen",
                                 "probe-listen", "access-log"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return Status::NotFound(Usage());
    if (!arg.starts_with("--")) return Bad("unexpected argument '" + arg + "'\n" + Usage());
    std::string name = arg.substr(2), value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) return Bad("flag --" + name + " needs a value");
      value = args[++i];
    }
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
      return Bad("unknown flag --" + name + "\n" + Usage());
    }
    flags[name] = value;
  }
  Config config;
  config.args = args;
  if (flags.count("config")) MERIDIAN_RETURN_IF_ERROR(LoadFile(flags["config"], config));
  if (flags.count("node-id")) config.node_id = flags["node-id"];
  if (!config.nodes.empty()) {
    const NodeEntry* self = nullptr;
    for (const auto& n : config.nodes) {
      if (n.id == config.node_id) self = &n;
    }
    if (self == nullptr) {
      return Bad("node id '" + config.node_id +
                 "' is not in the config file's nodes (use --node-id)");
    }
    config.region = self->region;
    MERIDIAN_RETURN_IF_ERROR(SplitHostPort(self->api, config.listen_host, config.listen_port));
    config.data_dir = self->data_dir.empty() ? "./data/" + self->id : self->data_dir;
    if (!self->cert_file.empty()) config.peer_tls.cert_file = self->cert_file;
    if (!self->key_file.empty()) config.peer_tls.key_file = self->key_file;
  }
  if (flags.count("peer-tls-ca")) config.peer_tls.ca_file = flags["peer-tls-ca"];
  if (flags.count("peer-tls-cert")) config.peer_tls.cert_file = flags["peer-tls-cert"];
  if (flags.count("peer-tls-key")) config.peer_tls.key_file = flags["peer-tls-key"];
  if (flags.count("api-tls-cert")) config.api_tls.cert_file = flags["api-tls-cert"];
  if (flags.count("api-tls-key")) config.api_tls.key_file = flags["api-tls-key"];
  MERIDIAN_RETURN_IF_ERROR(CheckTlsFiles(config.peer_tls, "peer_tls", true));
  MERIDIAN_RETURN_IF_ERROR(CheckTlsFiles(config.api_tls, "api_tls", false));
  if (flags.count("region")) config.region = flags["region"];
  if (flags.count("listen")) {
    MERIDIAN_RETURN_IF_ERROR(
        SplitHostPort(flags["listen"], config.listen_host, config.listen_port));
  }
  if (flags.count("data-dir")) config.data_dir = flags["data-dir"];
  if (flags.count("grpc-listen")) config.grpc_listen = flags["grpc-listen"];
  if (!config.grpc_listen.empty()) {
    std::string host;
    uint16_t port = 0;
    MERIDIAN_RETURN_IF_ERROR(SplitHostPort(config.grpc_listen, host, port));
  }
  if (flags.count("probe-listen")) config.probe_listen = flags["probe-listen"];
  if (!config.probe_listen.empty()) {
    std::string host;
    uint16_t port = 0;
    MERIDIAN_RETURN_IF_ERROR(SplitHostPort(config.probe_listen, host, port));
  }
  if (flags.count("ready-file")) config.ready_file = flags["ready-file"];
  if (flags.count("log-level")) config.log_level = flags["log-level"];
  if (flags.count("access-log")) {
    const std::string& on = flags["access-log"];
    if (on != "true" && on != "false") return Bad("--access-log must be true or false");
    config.access_log = on == "true";
  }
  if (flags.count("io-threads")) {
    MERIDIAN_RETURN_IF_ERROR(
        ParseNumber<unsigned>(flags["io-threads"], "--io-threads", 0, 256, config.io_threads));
  }
  if (flags.count("map-size-mb")) {
    uint64_t mb = 0;
    MERIDIAN_RETURN_IF_ERROR(
        ParseNumber<uint64_t>(flags["map-size-mb"], "--map-size-mb", 1, uint64_t{1} << 24, mb));
    config.map_size_bytes = mb << 20;
  }
  if (flags.count("max-log-entries")) {
    MERIDIAN_RETURN_IF_ERROR(ParseNumber<uint64_t>(flags["max-log-entries"], "--max-log-entries", 1,
                                                   uint64_t{1} << 40, config.max_log_entries));
  }
  if (config.log_level != "debug" && config.log_level != "info" && config.log_level != "warn" &&
      config.log_level != "error") {
    return Bad("log level must be debug, info, warn or error");
  }
  if (config.node_id.empty() || config.region.empty()) return Bad("node id and region must be set");
  if (env_admin_token != nullptr && *env_admin_token != '\0') config.admin_token = env_admin_token;
  if (config.nodes.size() > 1) {
    // Each node would otherwise generate its own admin key and the last one would win.
    if (!config.admin_token)
      return Bad("a cluster of several nodes needs admin_token or MERIDIAN_ADMIN_TOKEN");
    if (config.cluster_secret.empty())
      return Bad("a cluster of several nodes needs cluster_secret");
    for (const auto& n : config.nodes) {
      if (n.replication.empty()) return Bad("node " + n.id + " needs a replication address");
    }
  }
  if (config.nodes.empty()) {
    config.nodes.push_back({config.node_id,
                            config.region,
                            config.listen_host + ":" + std::to_string(config.listen_port),
                            "",
                            "",
                            {},
                            "",
                            ""});
  }
  if (env_admin_token != nullptr && *env_admin_token != '\0') config.admin_token = env_admin_token;
  return config;
}

}  // namespace meridian::node
