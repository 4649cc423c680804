// meridianctl verify and repair against a three-region LocalCluster (docs/operations.md, Verify
// and repair): zero differences once converged; a replica made to diverge on purpose (its store
// edited directly while the node is stopped, as bit rot or an operator's mistake would) is
// found record by record with exit 1, and repair heals it through the replication apply path.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "storage.pb.h"
#include "storage/keys.h"
#include "storage/lmdb_env.h"
#include "tests/support/ctl_run.h"
#include "tests/support/http_client.h"
#include "tests/support/local_cluster.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using V = http::verb;

class OpsVerifyTest : public testing::Test {
 protected:
  void SetUp() override {
    if (MeridiandPath().empty() || ProxyPath().empty())
      GTEST_SKIP() << "MERIDIAND or the proxy is not set";
    cluster_ = std::make_unique<LocalCluster>();
    ASSERT_TRUE(cluster_->Start());
  }

  // meridianctl against node 0 naming every node (their API ports are ephemeral).
  CtlRun Ctl(const std::string& args) {
    std::string endpoints;
    for (int i = 0; i < cluster_->size(); ++i) {
      endpoints += (i ? "," : "") + std::string("http://") + cluster_->node(i).address();
    }
    return RunCtl(cluster_->node(0).address(), cluster_->admin_token(),
                  args + " --endpoints " + endpoints + " --wait 60");
  }

  void Put(int node, const std::string& name, const std::string& value) {
    HttpClient client(cluster_->node(node).address());
    Headers h = cluster_->AdminAuth();
    h.push_back({"SlashID-Required-Consistency", "all_regions"});
    auto r = client.Request(V::put, "/admin/v1/store/t/ns/" + name, h, value);
    ASSERT_EQ(r.status, 204) << r.body;
  }

  std::string Get(int node, const std::string& name) {
    return RunCtl(cluster_->node(node).address(), cluster_->admin_token(), "get t ns " + name).out;
  }

  std::unique_ptr<LocalCluster> cluster_;
};

// Writes `record` under t/ns/`name` straight into a stopped node's store (no log entry).
void WriteBehindTheNodesBack(const std::string& data_dir, const std::string& name,
                             const storage::pb::Record* record) {
  auto env = storage::Env::Open({data_dir});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto txn = (*env)->BeginWrite();
  ASSERT_TRUE(txn.ok());
  const std::string key = storage::DataKey("t", "ns", name);
  if (record == nullptr) {
    ASSERT_TRUE(txn->Delete(storage::Db::kData, key).ok());
  } else {
    ASSERT_TRUE(txn->Put(storage::Db::kData, key, record->SerializeAsString()).ok());
  }
  ASSERT_TRUE(txn->Commit().ok());
}

storage::pb::Record ReadRecord(const std::string& data_dir, const std::string& name) {
  storage::pb::Record record;
  auto env = storage::Env::Open({data_dir});
  if (!env.ok()) return record;
  auto txn = (*env)->BeginRead();
  if (!txn.ok()) return record;
  auto raw = txn->Get(storage::Db::kData, storage::DataKey("t", "ns", name));
  if (raw.ok() && raw->has_value()) record.ParseFromString(std::string(**raw));
  return record;
}

TEST_F(OpsVerifyTest, FindsEveryDivergedRecordAndRepairHealsIt) {
  for (int i = 0; i < 60; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "k%03d", i);
    Put(i % 3, name, "value-" + std::to_string(i));
  }
  CtlRun converged = Ctl("verify");
  EXPECT_EQ(converged.exit_code, 0) << converged.out;
  EXPECT_NE(converged.out.find("hold the same records"), std::string::npos) << converged.out;

  // Node 3 diverges while stopped: a record lost, one rolled back to an older version, and
  // one that only it holds.
  NodeProcess& n3 = cluster_->node(2);
  ASSERT_EQ(n3.Terminate(), 0);
  const std::string dir = n3.data_dir();
  storage::pb::Record k010 = ReadRecord(dir, "k010");
  ASSERT_GT(k010.hlc(), 1u);
  storage::pb::Record older = k010;
  older.set_hlc(k010.hlc() - 1);
  older.set_value("stale");
  storage::pb::Record extra = k010;
  extra.set_value("only-on-n3");
  WriteBehindTheNodesBack(dir, "k005", nullptr);
  WriteBehindTheNodesBack(dir, "k010", &older);
  WriteBehindTheNodesBack(dir, "extra", &extra);
  ASSERT_TRUE(n3.Start());
  EXPECT_EQ(Get(2, "k005").find("value-5"), std::string::npos);

  CtlRun diverged = Ctl("verify");
  EXPECT_EQ(diverged.exit_code, 1) << diverged.out;
  EXPECT_NE(diverged.out.find("3 records differ"), std::string::npos) << diverged.out;
  for (const char* record : {"t/ns/k005", "t/ns/k010", "t/ns/extra"}) {
    EXPECT_NE(diverged.out.find(record), std::string::npos) << record << "\n" << diverged.out;
  }
  CtlRun as_json = Ctl("-o json verify");
  EXPECT_EQ(as_json.exit_code, 1) << as_json.out;
  boost::json::value v = ParseJson(as_json.out);
  ASSERT_TRUE(v.is_object()) << as_json.out;
  EXPECT_EQ(v.at("equal"), false);
  EXPECT_EQ(v.at("differences").as_array().size(), 3u) << as_json.out;

  CtlRun repaired = Ctl("repair");
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out;
  CtlRun healed = Ctl("verify");
  EXPECT_EQ(healed.exit_code, 0) << healed.out;
  // Last-writer-wins decided: the newer versions everywhere, the lone record spread.
  EXPECT_EQ(Get(2, "k005"), "value-5");
  EXPECT_EQ(Get(2, "k010"), "value-10");
  EXPECT_EQ(Get(0, "extra"), "only-on-n3");
  EXPECT_EQ(Get(1, "extra"), "only-on-n3");
}

TEST_F(OpsVerifyTest, RefusesWithoutEveryNodeAndWithoutTheAdminKey) {
  // The cluster file's API addresses are ephemeral (port 0): verify must be told every node.
  CtlRun missing = RunCtl(cluster_->node(0).address(), cluster_->admin_token(), "verify");
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.out.find("--endpoints"), std::string::npos) << missing.out;
  HttpClient client(cluster_->node(0).address());
  EXPECT_EQ(client.Request(V::get, "/admin/v1/digest").status, 401);
  auto bad = client.Request(V::get, "/admin/v1/digest?prefix=zz", cluster_->AdminAuth());
  EXPECT_EQ(bad.status, 400) << bad.body;
  auto repair = client.Request(V::post, "/admin/v1/repair", cluster_->AdminAuth(),
                               R"({"records":[{"key":"7400","record":"ffff"}]})");
  EXPECT_EQ(repair.status, 400) << repair.body;
  EXPECT_EQ(RunCtl(cluster_->node(0).address(), cluster_->admin_token(), "verify --help").exit_code,
            0);
  EXPECT_EQ(RunCtl(cluster_->node(0).address(), cluster_->admin_token(), "repair --help").exit_code,
            0);
}

}  // namespace
}  // namespace meridian::test
