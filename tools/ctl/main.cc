// meridianctl: the operator's client of a Meridian node (docs/meridianctl.md).
//   meridianctl [--endpoint URL] [--admin-key KEY] [--cacert FILE] [-o json|table] VERB [ARGS...]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "client.h"
#include "verbs.h"

namespace {

const char kUsageText[] =
    "usage: meridianctl [--endpoint URL] [--admin-key KEY] [-o json|table] [--timeout SECONDS]\n"
    "                   VERB [ARGS...]\n"
    "  --endpoint URL   the node's HTTP address (default $MERIDIAN_ENDPOINT or\n"
    "                   http://127.0.0.1:8080)\n"
    "  --admin-key KEY  the operator's admin key (default $MERIDIAN_ADMIN_TOKEN)\n"
    "  -o json|table    output format (default table)\n"
    "  --timeout N      seconds to wait for each answer (default 60)\n"
    "  --cacert FILE    PEM CA an https:// node's certificate must chain to (default: the\n"
    "                   system's CAs)\n"
    "Run `meridianctl VERB --help` for a verb's arguments.\n\nverbs:\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace meridian::ctl;
  const char* env_endpoint = std::getenv("MERIDIAN_ENDPOINT");
  const char* env_key = std::getenv("MERIDIAN_ADMIN_TOKEN");
  std::string endpoint = env_endpoint ? env_endpoint : "http://127.0.0.1:8080";
  std::string key = env_key ? env_key : "";
  std::string output = "table";
  std::string cacert;
  long timeout = 60;
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t i = 0;
  auto value = [&](const std::string& flag, std::string* out) {
    if (args[i] == flag) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    }
    if (args[i].starts_with(flag + "=")) {
      *out = args[i].substr(flag.size() + 1);
      return true;
    }
    return false;
  };
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    std::string t;
    if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s%s", kUsageText, VerbsHelp().c_str());
      return kOk;
    } else if (value("--endpoint", &endpoint) || value("--admin-key", &key) ||
               value("-o", &output) || value("--output", &output) || value("--cacert", &cacert)) {
    } else if (value("--timeout", &t)) {
      timeout = std::strtol(t.c_str(), nullptr, 10);
      if (timeout <= 0 || timeout > 86400) {
        std::fprintf(stderr, "meridianctl: --timeout must be 1 to 86400 seconds\n");
        return kUsage;
      }
    } else {
      std::fprintf(stderr, "meridianctl: unknown or incomplete option %s\n%s", args[i].c_str(),
                   kUsageText);
      return kUsage;
    }
  }
  if (i >= args.size()) {
    std::fprintf(stderr, "%s%s", kUsageText, VerbsHelp().c_str());
    return kUsage;
  }
  if (output != "json" && output != "table") {
    std::fprintf(stderr, "meridianctl: -o must be json or table\n");
    return kUsage;
  }
  auto parsed = ParseEndpoint(endpoint);
  if (!parsed) {
    std::fprintf(stderr,
                 "meridianctl: --endpoint must be http://HOST:PORT or https://HOST:PORT, got %s\n",
                 endpoint.c_str());
    return kUsage;
  }
  Context ctx{Client(*parsed, key, std::chrono::seconds(timeout)), output == "json"};
  ctx.client.set_cacert(cacert);
  const std::string verb = args[i];
  return RunVerb(verb, std::vector<std::string>(args.begin() + i + 1, args.end()), ctx);
}
