// Test harness: NodeProcess runs one real meridiand child ($MERIDIAND) on 127.0.0.1 with an
// ephemeral port, its data directory, log file and ready file; TempDir is an RAII temporary
// directory under /tmp. Neither class is thread-safe: one test thread drives each instance
// (other threads may only read port()).
#ifndef MERIDIAN_TESTS_SUPPORT_NODE_PROCESS_H_
#define MERIDIAN_TESTS_SUPPORT_NODE_PROCESS_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meridian::test {

// A directory made by mkdtemp under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "meridian-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when mkdtemp failed (the constructor then records a test failure).
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The meridiand binary named by $MERIDIAND, or "" when unset.
std::string MeridiandPath();

struct NodeOptions {
  std::string binary = MeridiandPath();
  // Holds <name>.data/ (the --data-dir), <name>.log and <name>.ready.<n>. Must outlive the node.
  std::string work_dir;
  std::string name = "node";
  // MERIDIAN_ADMIN_TOKEN in the child's environment; removed from it when empty.
  std::string admin_token;
  // Appended after --data-dir, --listen 127.0.0.1:0 and --ready-file.
  std::vector<std::string> extra_args;
  std::chrono::milliseconds ready_timeout{20000};
};

class NodeProcess {
 public:
  // Returned by Terminate when the process did not exit in time (it is then SIGKILLed) or
  // was not running.
  static constexpr int kNotExited = -1;

  explicit NodeProcess(NodeOptions options);
  ~NodeProcess();  // SIGKILLs a child that still runs
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Forks and execs the node (stdout and stderr appended to log_path()), then waits up to
  // ready_timeout for the ready file to hold "127.0.0.1:PORT\n". On failure the child is
  // gone and the message carries the end of the log.
  testing::AssertionResult Start();
  // SIGTERM, then waits up to `timeout` for the exit. Returns the exit code, 128 + signal when
  // a signal ended it, or kNotExited.
  int Terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends signal `signo` (e.g. SIGTERM) without waiting; false when no child runs.
  bool Signal(int signo);
  // Waits up to `timeout` for the child to exit, without signalling it (and without killing
  // it when the time is up). Returns what Terminate returns; kNotExited when it still runs.
  int WaitForExit(std::chrono::milliseconds timeout);
  // SIGKILL and reap (bounded); no-op when not running.
  void Kill9();
  // Terminates the node if it runs, then starts it again on the same data directory with a
  // new ready file (the port usually changes).
  testing::AssertionResult Restart();
  // False once the child has exited (it is reaped here).
  bool IsRunning();

  void set_admin_token(std::string token) { options_.admin_token = std::move(token); }
  void set_extra_args(std::vector<std::string> args) { options_.extra_args = std::move(args); }
  // Valid after a successful Start; 0 before and after the node stops.
  uint16_t port() const { return port_.load(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }
  // The last `max_bytes` of the log.
  std::string ReadLog(size_t max_bytes = 16384) const;

 private:
  testing::AssertionResult WaitUntilReady();
  // Reaps the child if it exited; true when it did (or no child runs).
  bool ReapIfExited(int* wait_status);

  NodeOptions options_;
  std::string data_dir_;
  std::string log_path_;
  std::string ready_file_;
  pid_t pid_ = -1;
  std::atomic<uint16_t> port_{0};
  int starts_ = 0;
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_NODE_PROCESS_H_
