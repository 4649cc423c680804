// Command runner (see command.h).
#include "tests/support/command.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/node_process.h"

namespace meridian::test {

CommandRun RunCommand(const std::string& command, int timeout_s) {
  const std::string line = "timeout " + std::to_string(timeout_s) + " sh -c '" + [&] {
    std::string quoted;  // the command inside single quotes
    for (char ch : command) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return quoted;
  }() + "' 2>&1";
  CommandRun run;
  FILE* pipe = popen(line.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string BuildTreePath(const std::string& relative) {
  return (std::filesystem::path(MeridiandPath()).parent_path().parent_path() / relative).string();
}

}  // namespace meridian::test
