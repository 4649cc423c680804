// meridian-proxy: a fault-injecting TCP proxy for local clusters and tests (this kernel has no
// netem). Server mode forwards routes and serves the control port; `ctl` mode sends one
// control command and prints the reply. Reference: docs/tools.md.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tools/proxy/control.h"
#include "tools/proxy/proxy.h"

namespace {

constexpr char kUsage[] =
    "usage: meridian-proxy --control 127.0.0.1:PORT [--route "
    "NAME=127.0.0.1:PORT=127.0.0.1:PORT]...\n"
    "                      [--seed N] [--ready-file FILE]\n"
    "       meridian-proxy ctl 127.0.0.1:PORT COMMAND [ARGS...]\n"
    "Commands: status | route NAME LISTEN TARGET | delay NAME|* MS | drop NAME|* PERCENT |\n"
    "          cut NAME|* | heal NAME|*\n"
    "Reference: docs/tools.md\n";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "meridian-proxy: %s\n%s", problem.c_str(), kUsage);
  return 2;
}

int RunCtl(const std::vector<std::string>& args) {
  if (args.size() < 3) return Usage("ctl needs an address and a command");
  std::string error;
  auto control = meridian::proxy::ParseLoopback(args[1], &error);
  if (!control) return Usage(error);
  std::string command;
  for (size_t i = 2; i < args.size(); ++i) command += (i > 2 ? " " : "") + args[i];
  auto reply =
      meridian::proxy::SendControlCommand(*control, command, std::chrono::milliseconds(5000));
  for (const auto& line : reply.lines) std::printf("%s\n", line.c_str());
  return reply.ok ? 0 : 1;
}

struct RouteFlag {
  std::string name, listen, target;
};

int RunServer(const std::vector<std::string>& args) {
  std::string control_address, ready_file;
  uint64_t seed = 1;  // fixed by default so that two runs of a scenario draw the same drops
  std::vector<RouteFlag> routes;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) return Usage("flag " + flag + " needs a value");
    const std::string& value = args[++i];
    if (flag == "--control") {
      control_address = value;
    } else if (flag == "--ready-file") {
      ready_file = value;
    } else if (flag == "--seed") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
        return Usage("--seed must be an unsigned integer, got '" + value + "'");
      }
    } else if (flag == "--route") {
      size_t first = value.find('='), second = value.find('=', first + 1);
      if (first == std::string::npos || second == std::string::npos ||
          value.find('=', second + 1) != std::string::npos) {
        return Usage("--route must be NAME=LISTEN_HOST:PORT=TARGET_HOST:PORT, got '" + value + "'");
      }
      routes.push_back({value.substr(0, first), value.substr(first + 1, second - first - 1),
                        value.substr(second + 1)});
    } else {
      return Usage("unknown flag " + flag);
    }
  }
  if (control_address.empty()) return Usage("--control is required");

  boost::asio::io_context ioc;  // one thread: routes and faults need no locks
  meridian::proxy::Proxy proxy(ioc, seed);
  proxy.set_log(true);
  for (const auto& route : routes) {
    auto reply = proxy.AddRoute(route.name, route.listen, route.target);
    if (!reply.ok) {
      std::fprintf(stderr, "meridian-proxy: --route %s: %s\n", route.name.c_str(),
                   reply.lines.back().c_str());
      return 1;
    }
    std::fprintf(stderr, "meridian-proxy: %s\n", reply.lines.back().c_str());
  }
  std::string error;
  auto control = proxy.ListenControl(control_address, &error);
  if (!control) {
    std::fprintf(stderr, "meridian-proxy: control: %s\n", error.c_str());
    return 1;
  }
  std::string control_text = meridian::proxy::FormatEndpoint(*control);
  std::fprintf(stderr, "meridian-proxy: control on %s, seed %llu\n", control_text.c_str(),
               static_cast<unsigned long long>(seed));
  if (!ready_file.empty()) {
    // Written to a temporary name and renamed, so a waiting script never reads half a file.
    std::string temporary = ready_file + ".tmp";
    std::ofstream(temporary) << control_text << "\n";
    if (std::rename(temporary.c_str(), ready_file.c_str()) != 0) {
      std::fprintf(stderr, "meridian-proxy: cannot write %s\n", ready_file.c_str());
      return 1;
    }
  }
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    proxy.Stop();
    ioc.stop();
  });
  ioc.run();
  std::fprintf(stderr, "meridian-proxy: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "ctl") return RunCtl(args);
  return RunServer(args);
}
