// /metrics against a real meridiand: the Prometheus text format 0.0.4 (its Content-Type, HELP and
// TYPE for every family, per-peer replication gauges), checked by promtool (installed by
// tools/setup.sh; a missing promtool fails, never skips); the example alerting rules
// (tools/deploy/alerts.yml) checked by promtool.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
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
      std::string name = line.substr(0, line.find_first_of("{ "));
      // A histogram's samples are its name with _bucket, _sum or _count.
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string base = name.substr(0, name.size() - std::strlen(suffix));
        if (name.ends_with(suffix) && !typed.count(name) && typed.count(base)) name = base;
      }
      EXPECT_TRUE(typed.count(name)) << name << " has no TYPE before its samples";
      sampled.insert(name);
    }
  }
  EXPECT_FALSE(sampled.empty());
  EXPECT_EQ(helped, typed);
  EXPECT_TRUE(sampled.count("meridian_writes_paused"));
  EXPECT_TRUE(typed.count("meridian_replication_lag_seconds"));
}

// The value of the sample `series` (name and labels exactly as rendered), -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + series.size() + 2, nullptr);
}

TEST_F(OpsMetricsTest, HistogramsAppearAndMoveWithTraffic) {
  const std::string commit = "meridian_storage_commit_duration_seconds_count";
  const std::string group = "meridian_storage_commit_group_batches_count";
  const std::string wait =
      "meridian_consistency_wait_seconds_count{level=\"local_region\",outcome=\"reached\"}";
  const std::string wait_all =
      "meridian_consistency_wait_seconds_count{level=\"all_regions\",outcome=\"reached\"}";
  const std::string request =
      "meridian_http_request_duration_seconds_count{dialect=\"operator\",route=\"write\","
      "status=\"2xx\"}";
  const std::string refused =
      "meridian_http_request_duration_seconds_count{dialect=\"operator\","
      "route=\"read\",status=\"4xx\"}";
  const std::string before = Client().Request(V::get, "/metrics").body;
  for (const std::string& series : {commit, group, wait, wait_all}) {
    EXPECT_GE(Sample(before, series), 0) << series << " missing:\n" << before;
  }
  EXPECT_GE(Sample(before, "meridian_rate_limited_total{dialect=\"ocamba\"}"), 0) << before;
  EXPECT_NE(before.find("# TYPE meridian_http_request_duration_seconds histogram"),
            std::string::npos);

  Headers all = AdminAuth();
  all.push_back({"SlashID-Required-Consistency", "all_regions"});
  ASSERT_EQ(Client().Request(V::put, "/admin/v1/store/t/ns/a", AdminAuth(), "1").status, 204);
  ASSERT_EQ(Client().Request(V::put, "/admin/v1/store/t/ns/b", all, "2").status, 204);
  ASSERT_EQ(Client().Request(V::get, "/admin/v1/store/t/ns/none", AdminAuth()).status, 404);
  const std::string after = Client().Request(V::get, "/metrics").body;
  for (const std::string& series : {commit, group, wait, wait_all, request, refused}) {
    EXPECT_GT(Sample(after, series), std::max(0.0, Sample(before, series)))
        << series << " did not move:\n"
        << after;
  }
}

TEST_F(OpsMetricsTest, PromtoolAcceptsTheMetrics) {
  // Never skipped: tools/setup.sh installs promtool (Debian package prometheus) for every build.
  ASSERT_EQ(std::system("command -v promtool > /dev/null 2>&1"), 0)
      << "promtool is not installed: run tools/setup.sh (Debian package prometheus)";
  // Traffic first, so the histograms have samples for promtool to check.
  ASSERT_EQ(Client().Request(V::put, "/admin/v1/store/t/ns/a", AdminAuth(), "1").status, 204);
  ASSERT_EQ(Client().Request(V::get, "/admin/v1/store/t/ns/none", AdminAuth()).status, 404);
  Response r = Client().Request(V::get, "/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string path = dir_ + "/metrics.txt";
  std::ofstream(path) << r.body;
  const std::string command =
      "promtool check metrics < '" + path + "' > '" + dir_ + "/promtool.log' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log(dir_ + "/promtool.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text.str();
}

TEST(OpsAlertRulesTest, PromtoolAcceptsTheExampleRules) {
  // Never skipped: tools/setup.sh installs promtool (Debian package prometheus) for every build.
  ASSERT_EQ(std::system("command -v promtool > /dev/null 2>&1"), 0)
      << "promtool is not installed: run tools/setup.sh (Debian package prometheus)";
  const std::string command =
      std::string("promtool check rules '") + MERIDIAN_SOURCE_DIR + "/tools/deploy/alerts.yml'";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace meridian::test
