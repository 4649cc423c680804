// Flag parsing for meridian-loadgen (see options.h).
#include "options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <string_view>

namespace meridian::loadgen {
namespace {

bool ParseInt(const std::string& text, int min, int max, int* out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseDouble(const std::string& text, double min, double max, double* out) {
  // from_chars for double needs GCC 11+, which we have; strtod would accept "0x1p3" and locales.
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

}  // namespace

const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kPatch:
      return "patch";
    case Workload::kGet:
      return "get";
    case Workload::kMixed:
      return "mixed";
    case Workload::kZitadelSet:
      return "zitadel-set";
  }
  return "?";
}

std::string Usage() {
  return R"(usage: meridian-loadgen [flags]
Closed-loop HTTP/1.1 (or HTTPS) load against a Meridian node's attribute-bucket API.
  --target [http[s]://]HOST:PORT
                              node API address (127.0.0.1:8080); https:// as --tls
  --tls                       HTTPS: TLS 1.2+, the node's certificate checked against
                              --cacert and the --target host
  --cacert FILE               CA certificate(s) (PEM) trusted for --tls
  --connections N             keep-alive connections (64)
  --threads T                 I/O threads, each with its share of connections (2)
  --duration SECONDS          measured time (8)
  --warmup SECONDS            load before measuring, not counted (1)
  --workload patch|get|mixed  request mix (mixed)
  --workload zitadel-set      ZITADEL SetOrgMetadata over JSON instead (--value-bytes
                              characters of base64: a multiple of 4)
  --patch-ratio R             share of PATCHes in mixed, 0.0..1.0 (0.1)
  --orgs N                    organizations created and used (16)
  --keys N                    attribute names per organization (1000)
  --value-bytes N             size of each written string value (200)
  --single-key                every request uses one organization and one attribute
  --consistency L             local_region|all_regions, sent on PATCH
  --consistency-timeout N     1..120 seconds, sent on PATCH
  --timeout SECONDS           per-request limit, a slower answer is an error (10, or the
                              consistency timeout + 5 if larger)
  --admin-token TOKEN         operator key ($MERIDIAN_ADMIN_TOKEN)
  --json                      print the result as one JSON object line
Exit status: 0 clean run; 1 the run saw non-2xx answers or transport errors; 2 bad flags or
the setup phase failed.
)";
}

std::optional<Options> ParseOptions(const std::vector<std::string>& args,
                                    const char* env_admin_token, std::string* error, bool* help) {
  Options o;
  *help = false;
  if (env_admin_token != nullptr) o.admin_token = env_admin_token;
  bool timeout_given = false;
  using Setter = std::function<bool(const std::string&)>;
  const std::map<std::string, Setter> valued = {
      {"--target",
       [&](std::string v) {
         // A scheme is optional; https:// asks for TLS as --tls does.
         for (const std::string_view scheme : {"http://", "https://"}) {
           if (v.starts_with(scheme)) {
             if (scheme == "https://") o.tls = true;
             v.erase(0, scheme.size());
           }
         }
         auto colon = v.rfind(':');
         if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) return false;
         int port = 0;
         if (!ParseInt(v.substr(colon + 1), 1, 65535, &port)) return false;
         o.host = v.substr(0, colon);
         o.port = v.substr(colon + 1);
         return true;
       }},
      {"--connections",
       [&](const std::string& v) { return ParseInt(v, 1, 100000, &o.connections); }},
      {"--threads", [&](const std::string& v) { return ParseInt(v, 1, 256, &o.threads); }},
      {"--duration",
       [&](const std::string& v) { return ParseDouble(v, 0.1, 86400, &o.duration_s); }},
      {"--warmup", [&](const std::string& v) { return ParseDouble(v, 0, 3600, &o.warmup_s); }},
      {"--workload",
       [&](const std::string& v) {
         if (v == "patch") {
           o.workload = Workload::kPatch;
         } else if (v == "get") {
           o.workload = Workload::kGet;
         } else if (v == "mixed") {
           o.workload = Workload::kMixed;
         } else if (v == "zitadel-set") {
           o.workload = Workload::kZitadelSet;
         } else {
           return false;
         }
         return true;
       }},
      {"--patch-ratio", [&](const std::string& v) { return ParseDouble(v, 0, 1, &o.patch_ratio); }},
      {"--orgs", [&](const std::string& v) { return ParseInt(v, 1, 100000, &o.orgs); }},
      {"--keys", [&](const std::string& v) { return ParseInt(v, 1, 10000000, &o.keys); }},
      // The server caps one value at 65536 serialized bytes (quotes included).
      {"--value-bytes",
       [&](const std::string& v) { return ParseInt(v, 1, 65534, &o.value_bytes); }},
      {"--consistency",
       [&](const std::string& v) {
         if (v != "local_region" && v != "all_regions") return false;
         o.consistency = v;
         return true;
       }},
      {"--consistency-timeout",
       [&](const std::string& v) { return ParseInt(v, 1, 120, &o.consistency_timeout_s); }},
      {"--timeout",
       [&](const std::string& v) {
         timeout_given = true;
         return ParseDouble(v, 0.01, 3600, &o.timeout_s);
       }},
      {"--cacert",
       [&](const std::string& v) {
         o.cacert = v;
         return !v.empty();
       }},
      {"--admin-token",
       [&](const std::string& v) {
         o.admin_token = v;
         return true;
       }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      *help = true;
      *error = Usage();
      return std::nullopt;
    }
    if (flag == "--single-key") {
      o.single_key = true;
      continue;
    }
    if (flag == "--json") {
      o.json = true;
      continue;
    }
    if (flag == "--tls") {
      o.tls = true;
      continue;
    }
    auto it = valued.find(flag);
    if (it == valued.end()) {
      *error = "unknown flag '" + flag + "' (see --help)";
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      *error = flag + " needs a value";
      return std::nullopt;
    }
    if (!it->second(args[++i])) {
      *error = "bad value '" + args[i] + "' for " + flag + " (see --help)";
      return std::nullopt;
    }
  }
  if (o.admin_token.empty()) {
    *error = "no admin token: pass --admin-token or set MERIDIAN_ADMIN_TOKEN";
    return std::nullopt;
  }
  if (o.workload == Workload::kZitadelSet && o.value_bytes % 4 != 0) {
    *error = "--workload zitadel-set needs --value-bytes a multiple of 4 (base64 text)";
    return std::nullopt;
  }
  if (o.tls != !o.cacert.empty()) {
    *error = o.tls ? "TLS needs --cacert FILE (the CA the node's certificate chains to)"
                   : "--cacert needs --tls or an https:// --target";
    return std::nullopt;
  }
  // A consistency wait may legitimately last its whole timeout; do not call that an error.
  if (!timeout_given && o.consistency_timeout_s + 5 > o.timeout_s) {
    o.timeout_s = o.consistency_timeout_s + 5;
  }
  if (o.threads > o.connections) o.threads = o.connections;
  return o;
}

}  // namespace meridian::loadgen
