// Cluster (see cluster.h): the proxy is forked first with one route per ordered pair of nodes on
// ports it picks itself (read back with `status`), then the cluster file is written with
// `peers_via` pointing every node at those routes, then the nodes start one by one.
#include "tests/support/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/ports.h"

extern char** environ;

namespace meridian::test {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::string ProxyBinary() {
  if (const char* p = std::getenv("MERIDIAN_PROXY"); p != nullptr && *p != '\0') return p;
#ifdef MERIDIAN_PROXY_PATH
  return MERIDIAN_PROXY_PATH;
#else
  return "";
#endif
}

std::string Loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(std::string text, size_t bytes) {
  if (text.size() > bytes) text = "[...]" + text.substr(text.size() - bytes);
  return text;
}

bool IsOk(const std::string& reply) {
  // The final line of the reply starts with "ok".
  const size_t end = reply.find_last_not_of('\n');
  if (end == std::string::npos) return false;
  const size_t start = reply.rfind('\n', end);
  const std::string last = reply.substr(start == std::string::npos ? 0 : start + 1);
  return last.rfind("ok", 0) == 0;
}

}  // namespace

bool PollUntil(const std::function<bool()>& done, milliseconds limit, milliseconds every) {
  const auto deadline = Clock::now() + limit;
  for (int i = 0; i < 100000 && Clock::now() < deadline; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

Cluster::Cluster(ClusterSpec spec) : spec_(std::move(spec)) {
  for (int r = 0; r < static_cast<int>(spec_.region_sizes.size()); ++r) {
    for (int k = 0; k < spec_.region_sizes[r]; ++k) region_of_.push_back(r);
  }
}

Cluster::~Cluster() {
  nodes_.clear();  // each NodeProcess SIGKILLs its child
  if (proxy_pid_ > 0) {
    kill(proxy_pid_, SIGKILL);
    waitpid(proxy_pid_, nullptr, 0);
  }
}

std::vector<int> Cluster::NodesIn(int region) const {
  std::vector<int> out;
  for (int i = 0; i < size(); ++i) {
    if (region_of_[i] == region) out.push_back(i);
  }
  return out;
}

HttpClient Cluster::Client(int i, milliseconds timeout) {
  return HttpClient(nodes_.at(i)->address(), timeout);
}

testing::AssertionResult Cluster::Start() {
  if (size() < 2) return testing::AssertionFailure() << "a cluster needs at least two nodes";
  if (ProxyBinary().empty()) {
    return testing::AssertionFailure() << "MERIDIAN_PROXY is not set (the meridian-proxy binary)";
  }
  dir_ = std::make_unique<TempDir>("meridian-cluster-");
  if (dir_->path().empty()) return testing::AssertionFailure() << "no temp dir";
  for (int i = 0; i < size(); ++i) {
    const uint16_t port = FreeLoopbackPort();
    if (port == 0) return testing::AssertionFailure() << "no free loopback port";
    replication_ports_.push_back(port);
  }
  if (auto proxy = StartProxy(); !proxy) return proxy;
  if (spec_.delay_ms > 0) {
    if (auto delayed = Delay(spec_.delay_ms); !delayed) return delayed;
  }
  if (auto written = WriteConfig(); !written) return written;
  for (int i = 0; i < size(); ++i) {
    NodeOptions options;
    options.work_dir = dir_->path();
    options.name = Id(i);
    options.admin_token = spec_.admin_token;
    options.extra_args = {"--config", config_path_, "--node-id", Id(i)};
    nodes_.push_back(std::make_unique<NodeProcess>(std::move(options)));
    if (auto started = nodes_.back()->Start(); !started) return started << "\n" << Diagnostics();
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult Cluster::StartProxy() {
  const std::string ready = dir_->path() + "/proxy.ready";
  const std::string log = dir_->path() + "/proxy.log";
  std::vector<std::string> args = {ProxyBinary(),
                                   "--control",
                                   "127.0.0.1:0",
                                   "--ready-file",
                                   ready,
                                   "--seed",
                                   std::to_string(spec_.proxy_seed)};
  for (int a = 0; a < size(); ++a) {
    for (int b = 0; b < size(); ++b) {
      if (a == b) continue;
      args.push_back("--route");
      args.push_back(Id(a) + "->" + Id(b) + "=127.0.0.1:0=" + Loopback(replication_ports_[b]));
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return testing::AssertionFailure() << "cannot open " << log;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls until execve
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    execve(argv[0], argv.data(), environ);
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) return testing::AssertionFailure() << "fork: " << std::strerror(errno);
  proxy_pid_ = pid;

  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < 1000 && control_port_ == 0 && Clock::now() < deadline; ++i) {
    const std::string text = ReadFileText(ready);
    if (text.find('\n') != std::string::npos && text.find(':') != std::string::npos) {
      control_port_ = static_cast<uint16_t>(std::atoi(text.substr(text.find(':') + 1).c_str()));
      break;
    }
    if (waitpid(proxy_pid_, nullptr, WNOHANG) == proxy_pid_) {
      proxy_pid_ = -1;
      return testing::AssertionFailure() << "meridian-proxy exited: " << ReadFileText(log);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  if (control_port_ == 0)
    return testing::AssertionFailure() << "proxy not ready: " << ReadFileText(log);

  // Which port each route listens on: "route a->b listen=127.0.0.1:P target=...".
  via_.assign(size(), std::vector<uint16_t>(size(), 0));
  const std::string status = ProxyCommand("status");
  std::istringstream lines(status);
  std::map<std::string, uint16_t> listen_of;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string kind, name, listen;
    words >> kind >> name >> listen;
    if (kind != "route" || listen.rfind("listen=127.0.0.1:", 0) != 0) continue;
    listen_of[name] = static_cast<uint16_t>(std::atoi(listen.substr(17).c_str()));
  }
  for (int a = 0; a < size(); ++a) {
    for (int b = 0; b < size(); ++b) {
      if (a == b) continue;
      const auto it = listen_of.find(Id(a) + "->" + Id(b));
      if (it == listen_of.end() || it->second == 0) {
        return testing::AssertionFailure()
               << "route " << Id(a) << "->" << Id(b) << " missing from the proxy status:\n"
               << status;
      }
      via_[a][b] = it->second;
    }
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult Cluster::WriteConfig() {
  json::array entries;
  for (int i = 0; i < size(); ++i) {
    json::object via;
    for (int j = 0; j < size(); ++j) {
      if (j != i) via[Id(j)] = Loopback(via_[i][j]);
    }
    json::object entry{{"id", Id(i)},
                       {"region", RegionName(region_of_[i])},
                       {"api", "127.0.0.1:0"},  // NodeProcess passes --listen
                       {"replication", Loopback(replication_ports_[i])},
                       {"peers_via", std::move(via)}};
    if (i < static_cast<int>(spec_.node_fields.size())) {
      for (const auto& [key, value] : spec_.node_fields[i]) entry[key] = value;
    }
    entries.push_back(std::move(entry));
  }
  json::object config{{"cluster_secret", spec_.cluster_secret},
                      {"admin_token", spec_.admin_token},
                      {"nodes", std::move(entries)}};
  json::object replication;
  if (spec_.max_log_entries > 0) replication["max_log_entries"] = spec_.max_log_entries;
  if (spec_.gc_interval_ms > 0) replication["gc_interval_ms"] = spec_.gc_interval_ms;
  if (!replication.empty()) config["replication"] = std::move(replication);
  for (const auto& [key, value] : spec_.extra_fields) config[key] = value;
  config_path_ = dir_->path() + "/cluster.json";
  std::ofstream out(config_path_);
  out << json::serialize(config) << "\n";
  out.close();
  if (!out) return testing::AssertionFailure() << "cannot write " << config_path_;
  return testing::AssertionSuccess();
}

std::string Cluster::ProxyCommand(const std::string& line) {
  if (control_port_ == 0) return "error proxy not started";
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "error socket";
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(control_port_);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "error cannot connect to the proxy";
  }
  const std::string request = line + "\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return "error cannot send to the proxy";
  }
  // Lines until the final one ("ok..." or "error..."); bounded by the 5 s receive timeout and
  // 1 MiB.
  size_t line_start = 0;
  for (int i = 0; i < 100000 && reply.size() < (1u << 20); ++i) {
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      reply += "\nerror proxy closed or timed out";
      break;
    }
    reply.append(buf, static_cast<size_t>(n));
    bool final = false;
    for (size_t nl; (nl = reply.find('\n', line_start)) != std::string::npos; line_start = nl + 1) {
      const std::string_view current(reply.data() + line_start, nl - line_start);
      if (current.starts_with("ok") || current.starts_with("error")) final = true;
    }
    if (final) break;
  }
  close(fd);
  return reply;
}

std::vector<std::string> Cluster::RoutesBetween(int a, int b) const {
  return {Id(a) + "->" + Id(b), Id(b) + "->" + Id(a)};
}

testing::AssertionResult Cluster::CutRoutes(const std::vector<std::string>& routes) {
  for (const auto& route : routes) {
    const std::string reply = ProxyCommand("cut " + route);
    if (!IsOk(reply)) return testing::AssertionFailure() << "cut " << route << ": " << reply;
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult Cluster::Cut(int region) {
  std::vector<std::string> routes;
  for (int a : NodesIn(region)) {
    for (int b = 0; b < size(); ++b) {
      if (region_of_[b] == region) continue;
      for (auto& r : RoutesBetween(a, b)) routes.push_back(std::move(r));
    }
  }
  return CutRoutes(routes);
}

testing::AssertionResult Cluster::Isolate(int i) {
  std::vector<std::string> routes;
  for (int b = 0; b < size(); ++b) {
    if (b == i) continue;
    for (auto& r : RoutesBetween(i, b)) routes.push_back(std::move(r));
  }
  return CutRoutes(routes);
}

testing::AssertionResult Cluster::Heal() {
  const std::string reply = ProxyCommand("heal *");
  if (!IsOk(reply)) return testing::AssertionFailure() << "heal: " << reply;
  return testing::AssertionSuccess();
}

testing::AssertionResult Cluster::Delay(int ms) {
  const std::string reply = ProxyCommand("delay * " + std::to_string(ms));
  if (!IsOk(reply)) return testing::AssertionFailure() << "delay: " << reply;
  return testing::AssertionSuccess();
}

testing::AssertionResult Cluster::Restart(int i) {
  NodeProcess& n = *nodes_.at(i);
  if (n.IsRunning()) return n.Restart();
  return n.Start();
}

testing::AssertionResult Cluster::Wipe(int i) {
  NodeProcess& n = *nodes_.at(i);
  n.Kill9();
  std::error_code ec;
  std::filesystem::remove_all(n.data_dir(), ec);
  if (ec) return testing::AssertionFailure() << "wipe " << n.data_dir() << ": " << ec.message();
  return n.Start();
}

json::value Cluster::Status(int i) {
  if (!nodes_.at(i)->IsRunning()) return nullptr;
  Response r = Client(i, std::chrono::seconds(5))
                   .Request(http::verb::get, "/cluster/v1/status", AdminAuth());
  return r.status == 200 ? r.Json() : json::value();
}

std::string Cluster::Diagnostics(size_t bytes_per_log) const {
  std::string out;
  for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
    out += "---- " + Id(i) + " log ----\n" + nodes_[i]->ReadLog(bytes_per_log) + "\n";
  }
  if (dir_)
    out += "---- proxy log ----\n" + Tail(ReadFileText(dir_->path() + "/proxy.log"), bytes_per_log);
  return out;
}

}  // namespace meridian::test
