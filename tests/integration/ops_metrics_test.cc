// /metrics against a real meridiand: the Prometheus text format 0.0.4 (its Content-Type, HELP and
// TYPE for every family, per-peer replication gauges), checked by promtool when it is installed
// (tools/setup.sh); the example alerting rules (tools/deploy/alerts.yml) checked by promtool.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using V = http::verb;

class OpsMetricsTest : public NodeTest {};

TEST_F(OpsMetricsTest, EveryFamilyHasHelpAndTypeInTheTextFormat) {
  Response r = Client().Request(V::get, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  std::set<std::string> helped, typed, sampled;
  std::istringstream in(r.body);
  std::string line;
  for (int i = 0; i < 100000 && std::getline(in, line); ++i) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (!line.empty() && line[0] != '#') {
      const std::string name = line.substr(0, line.find_first_of("{ "));
      EXPECT_TRUE(typed.count(name)) << name << " has no TYPE before its samples";
      sampled.insert(name);
    }
  }
  EXPECT_FALSE(sampled.empty());
  EXPECT_EQ(helped, typed);
  EXPECT_TRUE(sampled.count("meridian_writes_paused"));
  EXPECT_TRUE(typed.count("meridian_replication_lag_seconds"));
}

TEST_F(OpsMetricsTest, PromtoolAcceptsTheMetrics) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; tools/setup.sh)";
  }
  Response r = Client().Request(V::get, "/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string path = dir_ + "/metrics.txt";
  std::ofstream(path) << r.body;
  const std::string command = "promtool check metrics < '" + path + "' > '" + dir_ +
                              "/promtool.log' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log(dir_ + "/promtool.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text.str();
}

TEST(OpsAlertRulesTest, PromtoolAcceptsTheExampleRules) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; tools/setup.sh)";
  }
  const std::string command =
      std::string("promtool check rules '") + MERIDIAN_SOURCE_DIR + "/tools/deploy/alerts.yml'";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace meridian::test
