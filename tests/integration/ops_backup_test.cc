// meridianctl backup and restore (docs/meridianctl.md, docs/operations.md): a hot backup taken
// under write load restores into a data folder that a new node serves every write acknowledged
// before the backup began from; a corrupt backup is refused.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/ctl_run.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using V = http::verb;

class OpsBackupTest : public NodeTest {
 protected:
  CtlRun Ctl(const std::string& args) { return RunCtl(node().address(), AdminToken(), args); }
};

TEST_F(OpsBackupTest, BackupUnderWriteLoadRestoresEveryAcknowledgedWrite) {
  std::mutex mu;
  size_t acked = 0;  // keys k0..k(acked-1) were acknowledged (2xx = fsync'd)
  std::atomic<bool> stop{false};
  const std::string address = node().address();
  const Headers auth = AdminAuth();
  std::thread writer([&] {
    HttpClient client(address);
    for (size_t i = 0; i < 5000 && !stop.load(); ++i) {
      auto res = client.Request(V::put, "/admin/v1/store/t/n/k" + std::to_string(i), auth,
                                "value-" + std::to_string(i));
      if (res.status / 100 != 2) break;
      std::lock_guard lock(mu);
      acked = i + 1;
    }
  });
  // Let some writes land, note what was acknowledged, then back up while writes continue.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (acked >= 100) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  size_t before;
  {
    std::lock_guard lock(mu);
    before = acked;
  }
  ASSERT_GT(before, 0u);
  const std::string file = dir_ + "/backup.mbk";
  CtlRun backup = Ctl("backup " + file);
  stop = true;
  writer.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.out;

  CtlRun restore = Ctl("restore " + file + " --data-dir " + dir_ + "/node2.data");
  ASSERT_EQ(restore.exit_code, 0) << restore.out;
  const std::string restored = StartNode({});
  ASSERT_FALSE(restored.empty());
  HttpClient client(restored);
  for (size_t i = 0; i < before; ++i) {
    auto res = client.Request(V::get, "/admin/v1/store/t/n/k" + std::to_string(i), auth);
    ASSERT_EQ(res.status, 200) << "k" << i;
    EXPECT_EQ(res.body, "value-" + std::to_string(i));
  }
  // The restored node is a new incarnation: a new origin id, so peers never skip its writes.
  auto original = Client().Request(V::get, "/cluster/v1/status", auth);
  auto copy = client.Request(V::get, "/cluster/v1/status", auth);
  ASSERT_EQ(original.status, 200) << original.body;
  ASSERT_EQ(copy.status, 200) << copy.body;
  EXPECT_NE(ParseJson(original.body).at("origin_id"), ParseJson(copy.body).at("origin_id"));
  auto put = client.Request(V::put, "/admin/v1/store/t/n/after", auth, "x");
  EXPECT_EQ(put.status / 100, 2);
}

TEST_F(OpsBackupTest, CorruptOrTruncatedBackupIsRefused) {
  ASSERT_EQ(Client().Request(V::put, "/admin/v1/store/t/n/a", AdminAuth(), "v").status / 100, 2);
  const std::string file = dir_ + "/backup.mbk";
  ASSERT_EQ(Ctl("backup " + file).exit_code, 0);
  const auto size = std::filesystem::file_size(file);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 100));
    f.put('\x5a');
  }
  CtlRun corrupt = Ctl("restore " + file + " --data-dir " + dir_ + "/r1");
  EXPECT_EQ(corrupt.exit_code, 1) << corrupt.out;
  EXPECT_NE(corrupt.out.find("corrupt"), std::string::npos) << corrupt.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/r1/data.mdb"));
  std::filesystem::resize_file(file, size - 10);
  CtlRun truncated = Ctl("restore " + file + " --data-dir " + dir_ + "/r2");
  EXPECT_EQ(truncated.exit_code, 1) << truncated.out;
  EXPECT_NE(truncated.out.find("truncated"), std::string::npos) << truncated.out;
  EXPECT_EQ(Ctl("restore " + file).exit_code, 2);
}

}  // namespace
}  // namespace meridian::test
