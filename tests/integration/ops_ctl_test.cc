// End-to-end tests of meridianctl (docs/meridianctl.md) against a real meridiand: every verb,
// its table and JSON output, its exit codes, and the operator store and drain endpoints it
// uses (docs/http-api.md, Operator store access). meridianctl is built beside meridiand.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/ctl_run.h"
#include "tests/support/node_test.h"
#include "tests/support/test_certs.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using V = http::verb;

class OpsCtlTest : public NodeTest {
 protected:
  // Runs `meridianctl --endpoint <node> --admin-key <admin> <args>` through the shell.
  CtlRun Ctl(const std::string& args, const std::string& key = "") {
    return RunCtl(node().address(), key.empty() ? AdminToken() : key, args, 60);
  }
};

TEST_F(OpsCtlTest, HelpForTheToolAndEveryVerb) {
  CtlRun top = Ctl("--help");
  EXPECT_EQ(top.exit_code, 0) << top.out;
  for (const char* verb : {"status", "orgs", "keys", "get", "put", "delete", "ls", "drain",
                           "backup", "restore", "verify", "repair"}) {
    CtlRun help = Ctl(std::string(verb) + " --help");
    EXPECT_EQ(help.exit_code, 0) << verb << ": " << help.out;
    EXPECT_NE(help.out.find(std::string("usage: meridianctl [OPTIONS] ") + verb), std::string::npos)
        << help.out;
    EXPECT_NE(top.out.find(std::string("  ") + verb), std::string::npos) << verb;
  }
  EXPECT_EQ(Ctl("no-such-verb").exit_code, 2);
  EXPECT_EQ(Ctl("get onlyone").exit_code, 2);
  EXPECT_EQ(Ctl("ls t ns --bogus").exit_code, 2);
  EXPECT_EQ(Ctl("-o yaml status").exit_code, 2);
}

TEST_F(OpsCtlTest, StatusIsHealthyAndUnreachableNodesExitThree) {
  CtlRun table = Ctl("status");
  EXPECT_EQ(table.exit_code, 0) << table.out;
  EXPECT_NE(table.out.find("NODE"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("ready"), std::string::npos) << table.out;
  CtlRun js = Ctl("-o json status");
  ASSERT_EQ(js.exit_code, 0) << js.out;
  json::value v = ParseJson(js.out);
  ASSERT_TRUE(v.is_object()) << js.out;
  EXPECT_EQ(v.at("ready"), true);
  EXPECT_TRUE(v.as_object().contains("peers"));
  EXPECT_EQ(Ctl("status", "wrong-key").exit_code, 4);
  EXPECT_EQ(RunCtl("127.0.0.1:1", AdminToken(), "status", 60).exit_code, 3);
}

TEST_F(OpsCtlTest, OrgsCreateListRevoke) {
  CtlRun created = Ctl("-o json orgs create acme");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  const std::string id = std::string(ParseJson(created.out).at("id").as_string());
  CtlRun list = Ctl("orgs list");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("acme"), std::string::npos) << list.out;
  EXPECT_EQ(Ctl("orgs revoke " + id).exit_code, 0);
  CtlRun after = Ctl("-o json orgs list");
  EXPECT_EQ(after.out.find(id), std::string::npos) << after.out;
  EXPECT_EQ(Ctl("orgs revoke " + id).exit_code, 4);
}

TEST_F(OpsCtlTest, KeysCreateListRevoke) {
  const std::string org = CreateOrg("keys-org");
  CtlRun created = Ctl("-o json keys create " + org + " ci --scopes read,write");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  json::value key = ParseJson(created.out);
  const std::string id = std::string(key.at("id").as_string());
  EXPECT_TRUE(std::string(key.at("key").as_string()).starts_with("mrd_"));
  CtlRun list = Ctl("keys list " + org);
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
  EXPECT_EQ(Ctl("keys revoke " + org + " " + id).exit_code, 0);
  EXPECT_EQ(Ctl("-o json keys list " + org).out.find(id), std::string::npos);
  EXPECT_EQ(Ctl("keys create " + org + " bad --scopes nope").exit_code, 4);
}

TEST_F(OpsCtlTest, PutGetLsDeleteOverTheStoresKeySpace) {
  EXPECT_EQ(Ctl("put t1 ns1 alpha 'hello world'").exit_code, 0);
  EXPECT_EQ(Ctl("put t1 ns1 'b/eta' two").exit_code, 0);
  EXPECT_EQ(Ctl("put t1 ns2 other x").exit_code, 0);
  CtlRun got = Ctl("get t1 ns1 alpha");
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_EQ(got.out, "hello world");
  CtlRun gj = Ctl("-o json get t1 ns1 b/eta");
  ASSERT_EQ(gj.exit_code, 0) << gj.out;
  EXPECT_EQ(ParseJson(gj.out).at("value"), "two");
  CtlRun ls = Ctl("-o json ls t1 ns1");
  ASSERT_EQ(ls.exit_code, 0) << ls.out;
  json::value names = ParseJson(ls.out);
  ASSERT_TRUE(names.is_array()) << ls.out;
  ASSERT_EQ(names.as_array().size(), 2u);
  EXPECT_EQ(names.as_array()[0].at("name"), "alpha");
  EXPECT_EQ(names.as_array()[1].at("name"), "b%2Feta");
  EXPECT_EQ(ParseJson(Ctl("-o json ls t1 ns1 --prefix b").out).as_array().size(), 1u);
  EXPECT_EQ(ParseJson(Ctl("-o json ls t1 ns1 --limit 1").out).as_array().size(), 1u);
  EXPECT_EQ(Ctl("delete t1 ns1 alpha").exit_code, 0);
  EXPECT_EQ(Ctl("get t1 ns1 alpha").exit_code, 4);
  EXPECT_EQ(Ctl("delete t1 ns1 alpha").exit_code, 4);
  // Organizations and keys are written only through their own verbs.
  EXPECT_EQ(Ctl("put _ orgs x y").exit_code, 4);
  EXPECT_EQ(Ctl("put t1 ns1 alpha v", "wrong-key").exit_code, 4);
}

TEST_F(OpsCtlTest, StoreListingPagesWithNext) {
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_EQ(Client()
                  .Request(V::put, std::string("/admin/v1/store/t/n/") + name, AdminAuth(), "v")
                  .status,
              204);
  }
  Response page = Client().Request(V::get, "/admin/v1/store/t/n?limit=2", AdminAuth());
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Json().at("next"), "b");
  Response rest = Client().Request(V::get, "/admin/v1/store/t/n?limit=2&after=b", AdminAuth());
  ASSERT_EQ(rest.Json().at("result").as_array().size(), 1u);
  EXPECT_FALSE(rest.Json().as_object().contains("next"));
  EXPECT_TRUE(
      IsErrorEnvelope(Client().Request(V::get, "/admin/v1/store/t/n?limit=0", AdminAuth()), 400));
  EXPECT_TRUE(IsErrorEnvelope(Client().Request(V::get, "/admin/v1/store/t/n/a"), 401));
  EXPECT_TRUE(IsErrorEnvelope(
      Client().Request(V::put, "/admin/v1/store/t/n/" + std::string(600, 'x'), AdminAuth(), "v"),
      400));
}

TEST_F(OpsCtlTest, DrainRefusesWritesUntilCancelled) {
  ASSERT_EQ(Ctl("put t n before 1").exit_code, 0);
  CtlRun drained = Ctl("-o json drain --timeout 5");
  ASSERT_EQ(drained.exit_code, 0) << drained.out;
  EXPECT_EQ(ParseJson(drained.out).at("replicated"), true);
  EXPECT_EQ(Client().Request(V::get, "/readyz").status, 503);
  CtlRun refused = Ctl("put t n during 2");
  EXPECT_EQ(refused.exit_code, 4) << refused.out;
  EXPECT_NE(refused.out.find("503"), std::string::npos) << refused.out;
  EXPECT_EQ(Ctl("get t n before").out, "1");  // reads still served
  EXPECT_EQ(Ctl("status").exit_code, 1);      // not ready while drained
  EXPECT_EQ(Ctl("drain --cancel").exit_code, 0);
  EXPECT_EQ(Ctl("put t n after 3").exit_code, 0);
  EXPECT_EQ(Client().Request(V::get, "/readyz").status, 200);
}

// --cacert: meridianctl reaches an HTTPS-only API when the node's certificate chains to the
// given CA, and refuses (exit 3, no answer) when it does not.
TEST(OpsCtlTlsTest, CacertReachesAnHttpsNode) {
  TempDir dir("meridian-ctl-tls-");
  TestCa ca(dir.path(), "api");
  TestCa other(dir.path(), "other");
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(other.ok());
  CertFiles server;
  ASSERT_TRUE(ca.IssueForLoopback("server", &server));
  const std::string config = dir.path() + "/node.json";
  std::ofstream(config) << R"({"api_tls": {"cert_file": ")" << server.cert << R"(", "key_file": ")"
                        << server.key << "\"}}\n";
  NodeOptions options;
  options.work_dir = dir.path();
  options.admin_token = "ctl-tls-test-admin-token-5e6f7a";
  options.extra_args = {"--config", config};
  NodeProcess node(options);
  ASSERT_TRUE(node.Start());
  const std::string base = "'" + CtlPath() +
                           "' --endpoint https://127.0.0.1:" + std::to_string(node.port()) +
                           " --admin-key " + options.admin_token;
  auto run = [](const std::string& command) {
    const int status = std::system(("timeout 60 " + command + " > /dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run(base + " --cacert " + ca.ca_file() + " status"), 0) << node.ReadLog();
  EXPECT_EQ(run(base + " --cacert " + ca.ca_file() + " put t ns k v"), 0);
  EXPECT_EQ(run(base + " --cacert " + other.ca_file() + " status"), 3);
}

}  // namespace
}  // namespace meridian::test
