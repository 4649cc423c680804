// meridian-loadgen command line: the Options value and its parser. Pure (the caller passes
// MERIDIAN_ADMIN_TOKEN in); thread-compatible. Flags: docs/loadgen.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace meridian::loadgen {

// kZitadelSet: ZITADEL's JSON SetOrgMetadata (POST /management/v1/metadata/k<n>), for
// comparison with the same writes over gRPC (tools/bench/grpc_load).
enum class Workload { kPatch, kGet, kMixed, kZitadelSet };

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  int connections = 64;
  int threads = 2;
  double duration_s = 8;
  double warmup_s = 1;
  Workload workload = Workload::kMixed;
  double patch_ratio = 0.1;  // only for kMixed
  int orgs = 16;
  int keys = 1000;
  int value_bytes = 200;
  bool single_key = false;
  std::string consistency;        // empty: header not sent
  int consistency_timeout_s = 0;  // 0: header not sent
  double timeout_s = 10;          // per request; a slower answer counts as a transport error
  std::string admin_token;
  bool json = false;
  // HTTPS (--tls or an https:// --target): the node's certificate must chain to `cacert` and
  // name `host`.
  bool tls = false;
  std::string cacert;

  // The Host header value, "host:port".
  std::string HostHeader() const { return host + ":" + port; }
  // Orgs and keys actually used: --single-key narrows both to one.
  int UsedOrgs() const { return single_key ? 1 : orgs; }
  int UsedKeys() const { return single_key ? 1 : keys; }
};

// Parses argv-style flags (without the program name). Returns the options, or nullopt after
// writing the reason (or the usage, with `*help` set) to `*error`.
std::optional<Options> ParseOptions(const std::vector<std::string>& args,
                                    const char* env_admin_token, std::string* error, bool* help);

// The usage text printed by --help.
std::string Usage();

const char* WorkloadName(Workload workload);

}  // namespace meridian::loadgen
