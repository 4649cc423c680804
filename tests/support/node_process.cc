// NodeProcess and TempDir (see node_process.h): fork/exec with only async-signal-safe calls in
// the child, bounded polling for readiness and exit.
#include "tests/support/node_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace meridian::test {
namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kTokenVariable = "MERIDIAN_ADMIN_TOKEN=";
// Stands for "exited, status unknown": waitpid never reports it for a terminated child.
constexpr int kUnknownStatus = 0xffff;

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

// "127.0.0.1:PORT\n" -> PORT; 0 while the file is incomplete or holds something else.
uint16_t ParseReadyFile(std::string_view text) {
  constexpr std::string_view kHost = "127.0.0.1:";
  if (!text.starts_with(kHost) || !text.ends_with('\n')) return 0;
  text.remove_prefix(kHost.size());
  text.remove_suffix(1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535) return 0;
  return static_cast<uint16_t>(port);
}

std::string DescribeWaitStatus(int status) {
  if (status == kUnknownStatus) return "status unknown";
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

// Child side of fork: only async-signal-safe calls until execve.
[[noreturn]] void ExecChild(pid_t parent, int null_fd, int log_fd, char* const argv[],
                            char* const envp[]) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test (the forking thread, in fact)
  if (getppid() != parent) _exit(127);
  dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  // The test's own sockets must not stay open in the node.
  close_range(3, ~0U, 0);
  execve(argv[0], argv, envp);
  static constexpr char kMessage[] = "NodeProcess: execve of meridiand failed\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  (void)ignored;
  _exit(127);
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = "/tmp/" + std::string(prefix) + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << pattern << "): " << std::strerror(errno);
    return;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string MeridiandPath() {
  const char* path = std::getenv("MERIDIAND");
  return path ? path : "";
}

NodeProcess::NodeProcess(NodeOptions options)
    : options_(std::move(options)),
      data_dir_(options_.work_dir + "/" + options_.name + ".data"),
      log_path_(options_.work_dir + "/" + options_.name + ".log") {}

NodeProcess::~NodeProcess() { Kill9(); }

testing::AssertionResult NodeProcess::Start() {
  if (pid_ > 0) return testing::AssertionFailure() << "node " << options_.name << " already runs";
  if (options_.binary.empty()) {
    return testing::AssertionFailure() << "MERIDIAND is not set (the path of meridiand)";
  }
  if (options_.work_dir.empty()) return testing::AssertionFailure() << "no work_dir";
  ++starts_;
  ready_file_ = options_.work_dir + "/" + options_.name + ".ready." + std::to_string(starts_);
  std::error_code ec;
  std::filesystem::remove(ready_file_, ec);

  std::vector<std::string> args = {options_.binary, "--data-dir",   data_dir_,  "--listen",
                                   "127.0.0.1:0",   "--ready-file", ready_file_};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with(kTokenVariable)) env.emplace_back(*e);
  }
  if (!options_.admin_token.empty()) {
    env.push_back(std::string(kTokenVariable) + options_.admin_token);
  }
  // Everything the child needs is built before fork: it may not allocate.
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::ofstream(log_path_, std::ios::app) << "==== NodeProcess start " << starts_ << " ====\n";
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return testing::AssertionFailure() << "cannot open " << log_path_ << " or /dev/null";
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(parent, null_fd, log_fd, argv.data(), envp.data());
  const int fork_errno = errno;
  close(log_fd);
  close(null_fd);
  if (pid < 0) return testing::AssertionFailure() << "fork: " << std::strerror(fork_errno);
  pid_ = pid;
  return WaitUntilReady();
}

testing::AssertionResult NodeProcess::WaitUntilReady() {
  const auto deadline = Clock::now() + options_.ready_timeout;
  for (int i = 0; i < 100000 && Clock::now() < deadline; ++i) {
    int status = 0;
    if (ReapIfExited(&status)) {
      return testing::AssertionFailure() << "meridiand exited (" << DescribeWaitStatus(status)
                                         << ") before it was ready; log " << log_path_ << ":\n"
                                         << ReadLog();
    }
    std::string text;
    if (ReadWholeFile(ready_file_, &text)) {
      if (uint16_t port = ParseReadyFile(text); port != 0) {
        port_ = port;
        return testing::AssertionSuccess();
      }
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  Kill9();
  return testing::AssertionFailure()
         << "meridiand was not ready within " << options_.ready_timeout.count() << " ms; log "
         << log_path_ << ":\n"
         << ReadLog();
}

bool NodeProcess::ReapIfExited(int* wait_status) {
  if (pid_ <= 0) return true;
  const pid_t r = waitpid(pid_, wait_status, WNOHANG);
  if (r == 0) return false;
  // r < 0: not our child any more (someone else reaped it); nothing is left to wait for.
  if (r < 0) *wait_status = kUnknownStatus;
  pid_ = -1;
  port_ = 0;
  return true;
}

bool NodeProcess::IsRunning() {
  int status = 0;
  return !ReapIfExited(&status);
}

int NodeProcess::Terminate(std::chrono::milliseconds timeout) {
  if (!Signal(SIGTERM)) return kNotExited;
  const int code = WaitForExit(timeout);
  if (code == kNotExited) Kill9();
  return code;
}

bool NodeProcess::Signal(int signo) {
  if (pid_ <= 0) return false;
  return kill(pid_, signo) == 0;
}

int NodeProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return kNotExited;
  const auto deadline = Clock::now() + timeout;
  for (int i = 0; i < 1000000 && Clock::now() < deadline; ++i) {
    int status = 0;
    if (ReapIfExited(&status)) {
      if (status != kUnknownStatus && WIFEXITED(status)) return WEXITSTATUS(status);
      if (status != kUnknownStatus && WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return kNotExited;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return kNotExited;
}

void NodeProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < 1000000 && Clock::now() < deadline; ++i) {
    int status = 0;
    if (ReapIfExited(&status)) return;
    std::this_thread::sleep_for(milliseconds(2));
  }
  ADD_FAILURE() << "meridiand (pid " << pid_ << ") survived SIGKILL for 10 s";
  pid_ = -1;
  port_ = 0;
}

testing::AssertionResult NodeProcess::Restart() {
  if (pid_ > 0) {
    const int code = Terminate();
    if (code != 0) {
      return testing::AssertionFailure() << "stopping for the restart gave " << code << "; log:\n"
                                         << ReadLog();
    }
  }
  return Start();
}

std::string NodeProcess::ReadLog(size_t max_bytes) const {
  std::string text;
  if (!ReadWholeFile(log_path_, &text)) return "(no log at " + log_path_ + ")";
  if (text.size() > max_bytes) text = "[...]\n" + text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace meridian::test
