// Node configuration: the cluster file and the flags of docs/configuration.md. Flags override
// the file; without either, the embedded default is one node "n1" in region "local", API on
// 127.0.0.1:8080, data in ./data. Reference: docs/configuration.md. Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/rate_limit.h"
#include "storage/base/status.h"

namespace meridian::node {

struct NodeEntry {
  std::string id;
  std::string region;
  std::string api;          // HOST:PORT of the HTTP API
  std::string replication;  // HOST:PORT of the replication listener
  std::string data_dir;     // optional; default ./data/<id>
  // Optional: node id -> HOST:PORT this node dials to reach that peer (a proxy, a NAT);
  // default: the peer's own `replication` address.
  std::map<std::string, std::string> peers_via;
  // Optional: this node's replication certificate and key, overriding peer_tls's.
  std::string cert_file;
  std::string key_file;
};

// PEM files of a TLS endpoint. docs/security.md has the certificate layout.
struct TlsFiles {
  std::string ca_file;  // peer_tls only: the cluster CA peers' certificates must chain to
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct Config {
  // Cluster (shared by every node's file).
  std::string cluster_secret;
  std::vector<NodeEntry> nodes;  // every node, this one included
  std::optional<std::string> admin_token;

  // This node.
  std::string node_id = "n1";
  std::string region = "local";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  std::string ready_file;  // written with "HOST:PORT\n" once the API listens
  // ZITADEL's ManagementService over gRPC ("grpc_listen", --grpc-listen HOST:PORT); empty: off.
  std::string grpc_listen;
  // /healthz, /readyz and /metrics also on this address, served by a thread of their own so
  // probes stay fast when the API is overloaded ("probe_listen", --probe-listen); empty: off.
  std::string probe_listen;
  unsigned io_threads = 0;  // 0: one per core
  uint64_t map_size_bytes = uint64_t{64} << 30;
  size_t max_group_batches = 4096;
  uint64_t max_log_entries = 1000000;  // retained for lagging peers before they need a snapshot
  uint64_t gc_interval_ms = 60000;     // tombstone collection and idle clock entries
  std::string log_level = "info";
  bool access_log = false;  // "access_log", --access-log: a line per request (node/request_log.h)
  // The flags LoadConfig read: SIGHUP reads them (and the file they name) again.
  std::vector<std::string> args;
  // Replication links over mutually authenticated TLS 1.3 (top-level "peer_tls", this node's
  // entry's cert_file/key_file, then --peer-tls-*); unset: plaintext links.
  TlsFiles peer_tls;
  // The API over HTTPS only ("api_tls", --api-tls-*); unset: plain HTTP.
  TlsFiles api_tls;
  uint64_t swift_token_ttl_s = 86400;  // "swift": {"token_ttl_s"}: TempAuth token lifetime
  api::ServerOptions http;
  size_t max_queued_writes = 65536;  // limits.max_queued_writes: the writer's queue of local writes
  // Per dialect route group; a group the file does not name keeps its default (Ocamba on,
  // every other group off). docs/configuration.md "Rate limits".
  api::RateLimitConfig rate_limits = api::RateLimitConfig::Defaults();
};

// Parses flags (`--name value` or `--name=value`), loading `--config FILE` first. The admin
// token comes from `env_admin_token` (MERIDIAN_ADMIN_TOKEN) if set, else the file.
// InvalidArgument with a readable message on any bad flag, file or value. `--help` gives
// NotFound with the usage text as message.
Result<Config> LoadConfig(const std::vector<std::string>& args, const char* env_admin_token);

// Usage text for --help.
std::string Usage();

// Splits "HOST:PORT"; InvalidArgument if malformed.
Status SplitHostPort(const std::string& text, std::string& host, uint16_t& port);

}  // namespace meridian::node
