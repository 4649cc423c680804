// meridianctl runner (see ctl_run.h).
#include "tests/support/ctl_run.h"

#include <filesystem>

#include "tests/support/node_process.h"

namespace meridian::test {

std::string CtlPath() {
  return (std::filesystem::path(MeridiandPath()).parent_path() / "meridianctl").string();
}

CtlRun RunCtl(const std::string& address, const std::string& admin_key, const std::string& args,
              int timeout_s) {
  return RunCommand("'" + CtlPath() + "' --endpoint http://" + address + " --admin-key '" +
                        admin_key + "' " + args,
                    timeout_s);
}

}  // namespace meridian::test
