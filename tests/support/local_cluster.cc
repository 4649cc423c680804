// LocalCluster (see local_cluster.h).
#include "tests/support/local_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/ports.h"

extern char** environ;

namespace meridian::test {
namespace json = boost::json;

namespace {

std::string Loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string ProxyPath() {
  if (const char* p = std::getenv("MERIDIAN_PROXY"); p != nullptr && *p != '\0') return p;
#ifdef MERIDIAN_PROXY_PATH
  return MERIDIAN_PROXY_PATH;
#else
  return "";
#endif
}

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {}

LocalCluster::~LocalCluster() {
  nodes_.clear();  // each NodeProcess SIGKILLs its child
  if (proxy_pid_ > 0) {
    kill(proxy_pid_, SIGKILL);
    waitpid(proxy_pid_, nullptr, 0);
  }
}

testing::AssertionResult LocalCluster::Start() {
  if (ProxyPath().empty()) return testing::AssertionFailure() << "MERIDIAN_PROXY is not set";
  dir_ = std::make_unique<TempDir>("meridian-cluster-");
  if (dir_->path().empty()) return testing::AssertionFailure() << "no temp dir";
  const int n = options_.regions * options_.nodes_per_region;
  for (int i = 0; i < n; ++i) replication_ports_.push_back(FreeLoopbackPort());
  // One route per ordered pair: "a->b" carries what a sends to b over the link a dials.
  std::vector<std::string> args = {ProxyPath(), "--control", "127.0.0.1:0", "--ready-file",
                                   dir_->path() + "/proxy.ready"};
  std::vector<std::map<std::string, std::string>> via(n);
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      const uint16_t listen = FreeLoopbackPort();
      via[a][IdOf(b)] = Loopback(listen);
      args.push_back("--route");
      args.push_back(IdOf(a) + "->" + IdOf(b) + "=" + Loopback(listen) + "=" +
                     Loopback(replication_ports_[b]));
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string proxy_log = dir_->path() + "/proxy.log";
  posix_spawn_file_actions_addopen(&actions, 1, proxy_log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = posix_spawn(&proxy_pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return testing::AssertionFailure() << "cannot start " << ProxyPath();
  for (int i = 0; i < 200 && control_port_ == 0; ++i) {  // bounded: 10 s
    const std::string ready = ReadFile(dir_->path() + "/proxy.ready");
    if (ready.find('\n') != std::string::npos) {
      control_port_ = static_cast<uint16_t>(std::atoi(ready.substr(ready.find(':') + 1).c_str()));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (control_port_ == 0) {
    return testing::AssertionFailure() << "proxy not ready: " << ReadFile(proxy_log);
  }
  if (options_.delay_ms > 0) Proxy("delay * " + std::to_string(options_.delay_ms));

  json::array entries;
  for (int i = 0; i < n; ++i) {
    json::object via_json;
    for (const auto& [peer, addr] : via[i]) via_json[peer] = addr;
    entries.push_back(json::object{{"id", IdOf(i)},
                                   {"region", RegionOf(i)},
                                   {"api", "127.0.0.1:0"},
                                   {"replication", Loopback(replication_ports_[i])},
                                   {"peers_via", via_json}});
  }
  json::object config{{"cluster_secret", "cluster-test-secret-0123456789abcdef"},
                      {"admin_token", options_.admin_token},
                      {"nodes", entries}};
  if (options_.max_log_entries > 0) {
    config["replication"] = json::object{{"max_log_entries", options_.max_log_entries}};
  }
  const std::string config_path = dir_->path() + "/cluster.json";
  std::ofstream(config_path) << json::serialize(config);

  for (int i = 0; i < n; ++i) {
    NodeOptions node_options;
    node_options.work_dir = dir_->path();
    node_options.name = IdOf(i);
    node_options.admin_token = options_.admin_token;
    node_options.extra_args = {"--config", config_path, "--node-id", IdOf(i)};
    nodes_.push_back(std::make_unique<NodeProcess>(std::move(node_options)));
    auto started = nodes_.back()->Start();
    if (!started) return started;
  }
  return testing::AssertionSuccess();
}

std::string LocalCluster::Proxy(const std::string& command) {
  // One quoted word: route names hold '>' and commands may hold '*'; the proxy splits it.
  const std::string cmd =
      "'" + ProxyPath() + "' ctl " + Loopback(control_port_) + " '" + command + "' 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (fgets(buf, sizeof(buf), p)) out = buf;  // the final line is the reply
    pclose(p);
  }
  return out;
}

testing::AssertionResult LocalCluster::Isolate(int i) {
  for (int j = 0; j < size(); ++j) {
    if (j == i) continue;
    for (const std::string& route : {IdOf(i) + "->" + IdOf(j), IdOf(j) + "->" + IdOf(i)}) {
      const std::string reply = Proxy("cut " + route);
      if (reply.rfind("ok", 0) != 0) return testing::AssertionFailure() << route << ": " << reply;
    }
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult LocalCluster::HealAll() {
  const std::string reply = Proxy("heal *");
  if (reply.rfind("ok", 0) != 0) return testing::AssertionFailure() << "heal: " << reply;
  return testing::AssertionSuccess();
}

testing::AssertionResult LocalCluster::Restart(int i) { return nodes_.at(i)->Restart(); }

testing::AssertionResult LocalCluster::WipeAndRestart(int i) {
  nodes_.at(i)->Kill9();
  std::error_code ec;
  std::filesystem::remove_all(nodes_.at(i)->data_dir(), ec);
  if (ec) return testing::AssertionFailure() << "wipe: " << ec.message();
  return nodes_.at(i)->Start();
}

json::value LocalCluster::Status(int i) {
  HttpClient client(nodes_.at(i)->address(), std::chrono::seconds(5));
  Response r = client.Request(http::verb::get, "/cluster/v1/status", AdminAuth());
  return r.status == 200 ? r.Json() : json::value();
}

}  // namespace meridian::test
