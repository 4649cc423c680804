// Proof with the real client: python-swiftclient's `swift` CLI authenticates through TempAuth
// v1 against a real meridiand, sets account metadata with `post -m`, reads it with `stat`, and
// removes it. Skipped when the `swift` binary is not installed (tools/setup.sh installs it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {

struct ShellRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` through the shell; bounded by `timeout` so a hung client cannot stall the run.
ShellRun Shell(const std::string& command) {
  ShellRun run;
  FILE* pipe = popen(("timeout 60 " + command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.output.append(buf.data(), n);
  const int rc = pclose(pipe);
  run.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return run;
}

bool HaveSwiftClient() { return std::system("command -v swift >/dev/null 2>&1") == 0; }

class SwiftClientTest : public NodeTest {
 protected:
  // `swift` with TempAuth v1 credentials for this node; keys are hex, ids UUIDs: no quoting needed.
  std::string Swift(const std::string& user, const std::string& key) {
    return "env -u OS_AUTH_URL -u OS_USERNAME -u OS_PASSWORD -u OS_STORAGE_URL -u OS_AUTH_TOKEN "
           "-u ST_AUTH -u ST_USER -u ST_KEY swift -A http://127.0.0.1:" +
           std::to_string(node().port()) + "/auth/v1.0 -U " + user + " -K " + key + " ";
  }
};

TEST_F(SwiftClientTest, PostStatAndRemoveWithTheRealSwiftClient) {
  if (!HaveSwiftClient()) {
    GTEST_SKIP() << "the `swift` CLI (python3-swiftclient) is not installed; tools/setup.sh "
                    "installs it";
  }
  const std::string org = CreateOrg("swift-cli");
  const std::string key = CreateKey(org, {"read", "write"});
  const std::string swift = Swift(org + ":cli", key);

  ShellRun post = Shell(swift + "post -m Book:MobyDick -m Subject:Literature");
  ASSERT_EQ(post.status, 0) << post.output;
  ShellRun stat = Shell(swift + "stat");
  ASSERT_EQ(stat.status, 0) << stat.output;
  EXPECT_NE(stat.output.find("Meta Book: MobyDick"), std::string::npos) << stat.output;
  EXPECT_NE(stat.output.find("Meta Subject: Literature"), std::string::npos) << stat.output;
  EXPECT_NE(stat.output.find("AUTH_" + org), std::string::npos) << stat.output;
  EXPECT_NE(stat.output.find("Containers: 0"), std::string::npos) << stat.output;

  ShellRun remove = Shell(swift + "post -m Book:");
  ASSERT_EQ(remove.status, 0) << remove.output;
  stat = Shell(swift + "stat");
  ASSERT_EQ(stat.status, 0) << stat.output;
  EXPECT_EQ(stat.output.find("Meta Book"), std::string::npos) << stat.output;
  EXPECT_NE(stat.output.find("Meta Subject: Literature"), std::string::npos) << stat.output;

  // An empty account listing, and a wrong key refused by the client's auth step.
  ShellRun list = Shell(swift + "list");
  EXPECT_EQ(list.status, 0) << list.output;
  EXPECT_EQ(list.output, "");
  ShellRun denied = Shell(Swift(org + ":cli", key + "0") + "stat");
  EXPECT_NE(denied.status, 0) << denied.output;
  EXPECT_NE(denied.output.find("401"), std::string::npos) << denied.output;
}

}  // namespace
}  // namespace meridian::test
