// meridianctl runner (see ctl_run.h).
#include "tests/support/ctl_run.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/node_process.h"

namespace meridian::test {

std::string CtlPath() {
  return (std::filesystem::path(MeridiandPath()).parent_path() / "meridianctl").string();
}

CtlRun RunCtl(const std::string& address, const std::string& admin_key, const std::string& args,
              int timeout_s) {
  const std::string command = "timeout " + std::to_string(timeout_s) + " '" + CtlPath() +
                              "' --endpoint http://" + address + " --admin-key '" + admin_key +
                              "' " + args + " 2>&1";
  CtlRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace meridian::test
