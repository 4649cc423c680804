// Test harness: runs a shell command line, bounded by `timeout`, and captures its exit code and
// its output (stdout and stderr interleaved). For tests that drive the build's tools.
#ifndef MERIDIAN_TESTS_SUPPORT_COMMAND_H_
#define MERIDIAN_TESTS_SUPPORT_COMMAND_H_

#include <string>

namespace meridian::test {

struct CommandRun {
  int exit_code = -1;  // -1: not run, or killed by a signal
  std::string out;
};

// `command` (shell text; quote what needs it), killed after `timeout_s` seconds.
CommandRun RunCommand(const std::string& command, int timeout_s = 120);

// A binary of the build tree by its path relative to it ("tools/loadgen/meridian-loadgen"),
// located from $MERIDIAND (<build>/node/meridiand).
std::string BuildTreePath(const std::string& relative);

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_COMMAND_H_
