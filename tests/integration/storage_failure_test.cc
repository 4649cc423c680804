// Storage failures under a real meridiand, injected through the failpoints of
// storage/failpoint.h (MERIDIAN_FAILPOINTS_FILE: the test arms a running node by writing the
// file). A failed commit stops writes (503) with /readyz naming the failure, loses nothing
// acknowledged, and a restart recovers; a replica whose fsync fails does not acknowledge, so its
// origin does not count it for all_regions. Every wait is bounded.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "tests/support/bucket_test.h"
#include "tests/support/local_cluster.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

class StickyCommitTest : public BucketTest {
 protected:
  void SetUp() override {
    // The node inherits the variable; the file starts empty (nothing armed).
    failpoints_ = "/tmp/meridian-failpoints-" + std::to_string(::getpid());
    WriteFile(failpoints_, "");
    ::setenv("MERIDIAN_FAILPOINTS_FILE", failpoints_.c_str(), 1);
    BucketTest::SetUp();
  }
  void TearDown() override {
    BucketTest::TearDown();
    std::remove(failpoints_.c_str());
  }
  std::string failpoints_;
};

TEST_F(StickyCommitTest, AFailedCommitStopsWritesWith503AndARestartRecovers) {
  std::map<std::string, std::string> acked;
  for (int i = 0; i < 5; ++i) {
    const std::string name = "before" + std::to_string(i);
    ASSERT_EQ(Patch(kReadWrite, "{\"" + name + "\":" + std::to_string(i) + "}").status, 204);
    acked[name] = std::to_string(i);
  }
  WriteFile(failpoints_, "storage.commit");
  Response failed = Patch(kReadWrite, R"({"failed":1})");
  EXPECT_GE(failed.status, 500) << failed.body;
  WriteFile(failpoints_, "");  // the disk is fine again; the writer does not trust it
  for (int i = 0; i < 3; ++i) {
    Response later = Patch(kReadWrite, R"({"later":1})");
    EXPECT_EQ(later.status, 503) << later.body;
  }
  Response ready = Client().Request(http::verb::get, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("storage failed"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("failpoint storage.commit"), std::string::npos) << ready.body;
  // Reads go on, and serve everything acknowledged.
  json::value before = Attributes(kReadWrite);
  for (const auto& [name, value] : acked) {
    EXPECT_EQ(json::serialize(before.at(name)), value) << name;
  }

  // The node stops cleanly but reports the storage failure in its exit code.
  EXPECT_NE(node().Terminate(), 0);
  ASSERT_TRUE(node().Start());
  EXPECT_EQ(Client().Request(http::verb::get, "/readyz").status, 200);
  json::value after = Attributes(kReadWrite);
  for (const auto& [name, value] : acked) {
    EXPECT_EQ(json::serialize(after.at(name)), value) << name;
  }
  EXPECT_FALSE(after.as_object().contains("failed"));
  EXPECT_FALSE(after.as_object().contains("later"));
  EXPECT_EQ(Patch(kReadWrite, R"({"after":"restart"})").status, 204);
}

constexpr char kBucket[] = "/organizations/attributes/end_user_read_write";

class ReplicaFsyncTest : public testing::Test {
 protected:
  void SetUp() override {
    failpoints_ = "/tmp/meridian-failpoints-" + std::to_string(::getpid());
    WriteFile(failpoints_, "");
    ::setenv("MERIDIAN_FAILPOINTS_FILE", failpoints_.c_str(), 1);
    ClusterOptions options;
    options.regions = 2;
    cluster_ = std::make_unique<LocalCluster>(options);
    ASSERT_TRUE(cluster_->Start());
    Response r = Client(0).Request(http::verb::post, "/admin/v1/organizations",
                                   cluster_->AdminAuth(), R"({"name":"acme"})");
    ASSERT_EQ(r.status, 201) << r.body;
    org_ = std::string(r.Json().at("id").as_string());
    ASSERT_TRUE(Eventually([&] { return Read(1).status == 200; }));
  }
  void TearDown() override {
    cluster_.reset();
    std::remove(failpoints_.c_str());
  }
  HttpClient Client(int i) { return HttpClient(cluster_->node(i).address(), 15s); }
  Headers Auth() const {
    return {{"Authorization", "Bearer " + cluster_->admin_token()}, {"SlashID-OrgID", org_}};
  }
  Response Patch(int i, const std::string& body, const std::string& level, int timeout_s) {
    Headers h = Auth();
    h.emplace_back("SlashID-Required-Consistency", level);
    h.emplace_back("SlashID-Required-Consistency-Timeout", std::to_string(timeout_s));
    return Client(i).Request(http::verb::patch, kBucket, h, body);
  }
  Response Read(int i) { return Client(i).Request(http::verb::get, kBucket, Auth()); }
  // Node 0's view of how far node 1 acknowledged node 0's log, and node 0's log end.
  std::pair<uint64_t, uint64_t> AckedByPeer() {
    json::value status = cluster_->Status(0);
    if (!status.is_object()) return {0, 0};
    const uint64_t last = status.at("last_seq").to_number<uint64_t>();
    for (const auto& peer : status.at("peers").as_array()) {
      if (peer.at("id") == "n2") return {peer.at("acked_seq").to_number<uint64_t>(), last};
    }
    return {0, last};
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::string org_;
  std::string failpoints_;
};

TEST_F(ReplicaFsyncTest, AReplicaWhoseFsyncFailsIsNotCountedAndCatchesUpAfterRestart) {
  ASSERT_EQ(Patch(0, R"({"first":1})", "all_regions", 10).status, 204);
  // Every node shares the file, but only node 1 applies another node's entries here.
  WriteFile(failpoints_, "storage.commit.remote");
  EXPECT_EQ(Patch(0, R"({"second":2})", "local_region", 5).status, 204);
  Response all = Patch(0, R"({"third":3})", "all_regions", 2);
  EXPECT_EQ(all.status, 408) << "counted a replica whose fsync failed: " << all.body;
  auto [acked, last] = AckedByPeer();
  EXPECT_LT(acked, last) << "node 1 acknowledged entries it could not make durable";
  Response ready = Client(1).Request(http::verb::get, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("storage failed"), std::string::npos) << ready.body;

  WriteFile(failpoints_, "");
  EXPECT_NE(cluster_->node(1).Terminate(), 0) << "exit code hides the storage failure";
  ASSERT_TRUE(cluster_->node(1).Start());
  EXPECT_TRUE(Eventually([&] {
    auto [a, l] = AckedByPeer();
    return l > 0 && a == l;
  })) << "node 1 did not catch up after its restart";
  Response read = Read(1);
  ASSERT_EQ(read.status, 200);
  const json::value result = read.Json().at("result");
  EXPECT_TRUE(result.as_object().contains("second"));
  EXPECT_TRUE(result.as_object().contains("third"));
  EXPECT_EQ(Patch(0, R"({"fourth":4})", "all_regions", 10).status, 204);
}

}  // namespace
}  // namespace meridian::test
