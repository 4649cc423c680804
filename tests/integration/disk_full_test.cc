// A node whose data directory runs out of space (a small tmpfs mounted for the test; needs root,
// skipped otherwise): writes answer 507 in the dialect's format, /readyz says "storage full",
// every acknowledged write stays readable, and once space is freed the node writes again
// without a restart.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/node_process.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {

constexpr std::string_view kToken = "disk-full-admin-token-0123456789";

class DiskFullNodeTest : public testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    char tmpl[] = "/tmp/meridian-disk-full-node-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    if (mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=6m") != 0) {
      std::filesystem::remove_all(dir_);
      dir_.clear();
      GTEST_SKIP() << "cannot mount a tmpfs here";
    }
    mounted_ = true;
    NodeOptions options;
    options.work_dir = dir_;
    options.admin_token = std::string(kToken);
    node_ = std::make_unique<NodeProcess>(std::move(options));
    ASSERT_TRUE(node_->Start());
    client_ = std::make_unique<HttpClient>(node_->address());
  }
  void TearDown() override {
    client_.reset();
    node_.reset();
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Headers Admin(const Headers& extra = {}) const {
    Headers h = BearerAuth(kToken);
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
  }

  std::string dir_;
  bool mounted_ = false;
  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(DiskFullNodeTest, WritesAre507UntilSpaceIsFreedAndNothingAcknowledgedIsLost) {
  Response org =
      client_->Request(http::verb::post, "/admin/v1/organizations", Admin(), R"({"name":"full"})");
  ASSERT_EQ(org.status, 201) << org.body;
  const std::string org_id(ParseJson(org.body).at("id").as_string());
  const Headers slashid = Admin({{"SlashID-OrgID", org_id}});
  const std::string target = "/organizations/attributes/end_user_read_write";
  ASSERT_EQ(client_->Request(http::verb::patch, target, slashid, R"({"kept":1.5})").status, 204);
  {  // take most of the filesystem with a file the operator can delete
    std::ofstream out(dir_ + "/filler", std::ios::binary);
    const std::string chunk(64 << 10, 'f');
    for (int i = 0; i < 200 && out.write(chunk.data(), chunk.size()); ++i) {
    }
  }
  const std::string big(60000, 'v');
  Response full;
  for (int i = 0; i < 200; ++i) {
    full = client_->Request(http::verb::patch, target, slashid,
                            "{\"k" + std::to_string(i) + "\":\"" + big + "\"}");
    if (full.status != 204) break;
  }
  ASSERT_EQ(full.status, 507) << full.body;
  EXPECT_TRUE(IsErrorEnvelope(full, 507));
  Response ready = client_->Request(http::verb::get, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("storage full"), std::string::npos) << ready.body;
  Response read = client_->Request(http::verb::get, target + "?attributes=kept", slashid);
  EXPECT_EQ(read.status, 200);
  EXPECT_NE(read.body.find("\"kept\":1.5"), std::string::npos) << read.body;

  std::filesystem::remove(dir_ + "/filler");  // the operator frees space; no restart
  EXPECT_EQ(client_->Request(http::verb::patch, target, slashid, R"({"after":true})").status, 204);
  EXPECT_EQ(client_->Request(http::verb::get, "/readyz").status, 200);
  read = client_->Request(http::verb::get, target + "?attributes=kept,after", slashid);
  EXPECT_NE(read.body.find("\"kept\":1.5"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find("\"after\":true"), std::string::npos) << read.body;
}

}  // namespace
}  // namespace meridian::test
