// Test harness: runs the meridianctl built beside meridiand ($MERIDIAND's folder) through the
// shell against one node, bounded by `timeout`, and captures its exit code and output.
#ifndef MERIDIAN_TESTS_SUPPORT_CTL_RUN_H_
#define MERIDIAN_TESTS_SUPPORT_CTL_RUN_H_

#include <string>

#include "tests/support/command.h"

namespace meridian::test {

using CtlRun = CommandRun;

// The meridianctl binary beside meridiand.
std::string CtlPath();

// `meridianctl --endpoint http://<address> --admin-key <key> <args>`, killed after
// `timeout_s` seconds. `args` is shell text (quote what needs it).
CtlRun RunCtl(const std::string& address, const std::string& admin_key, const std::string& args,
              int timeout_s = 120);

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_CTL_RUN_H_
