// meridianctl backup and restore (docs/meridianctl.md, docs/operations.md): a hot backup taken
// under write load restores into a data folder that a new node serves every write acknowledged
// before the backup began from; a corrupt backup is refused; in a two-region cluster, a region
// restored from a backup taken under write load serves every write and catches up from its peer;
// the backup of a store many stream pieces big streams in bounded node memory (VmHWM) and
// restores byte for byte.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/ctl_run.h"
#include "tests/support/local_cluster.h"
#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
using V = http::verb;

// Writes k0, k1, ... ("value-<i>") to a node's operator store endpoint on a thread of its own,
// counting the acknowledged ones (k0..k(acked-1); 2xx means fsync'd), until stopped, refused,
// or `max` writes.
class AckedWriter {
 public:
  AckedWriter(const std::string& address, const Headers& auth, size_t max)
      : thread_([this, address, auth, max] {
          HttpClient client(address);
          for (size_t i = 0; i < max && !stop_.load(); ++i) {
            auto res = client.Request(V::put, "/admin/v1/store/t/n/k" + std::to_string(i), auth,
                                      "value-" + std::to_string(i));
            if (res.status / 100 != 2) break;
            acked_ = i + 1;
          }
        }) {}
  ~AckedWriter() { Stop(); }
  size_t acked() const { return acked_.load(); }
  // Waits (bounded: 5 s) until at least `n` writes were acknowledged.
  void WaitFor(size_t n) const {
    for (int i = 0; i < 500 && acked() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acked_{0};
  std::thread thread_;
};

// The peak resident memory of process `pid` (VmHWM) in bytes; 0 if unreadable.
uint64_t PeakRssBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) {
      std::istringstream fields(line.substr(6));
      uint64_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

// Value i of the big-store test: 1 MiB, different for every i and every offset.
std::string BigValue(int i) {
  std::string v(size_t{1} << 20, '\0');
  uint32_t x = 2654435761u * static_cast<uint32_t>(i + 1);
  for (char& c : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return v;
}

class OpsBackupTest : public NodeTest {
 protected:
  CtlRun Ctl(const std::string& args) { return RunCtl(node().address(), AdminToken(), args); }
};

TEST_F(OpsBackupTest, BackupUnderWriteLoadRestoresEveryAcknowledgedWrite) {
  AckedWriter writer(node().address(), AdminAuth(), 5000);
  // Let some writes land, note what was acknowledged, then back up while writes continue.
  writer.WaitFor(100);
  const size_t before = writer.acked();
  ASSERT_GT(before, 0u);
  const std::string file = dir_ + "/backup.mbk";
  CtlRun backup = Ctl("backup " + file);
  writer.Stop();
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  const Headers auth = AdminAuth();

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

TEST_F(OpsBackupTest, ABigStoreStreamsInBoundedMemoryAndRestoresByteForByte) {
  constexpr int kValues = 64;  // 64 MiB of data: 256 pieces of the response stream
  const Headers auth = AdminAuth();
  for (int i = 0; i < kValues; ++i) {
    auto put =
        Client().Request(V::put, "/admin/v1/store/t/big/v" + std::to_string(i), auth, BigValue(i));
    ASSERT_EQ(put.status / 100, 2) << put.body;
  }
  // Reading every value once maps every page of the store in, so what the backup itself maps
  // in while copying adds nothing: what is left to grow is memory the backup holds.
  for (int i = 0; i < kValues; ++i) {
    ASSERT_EQ(Client().Request(V::get, "/admin/v1/store/t/big/v" + std::to_string(i), auth).status,
              200);
  }
  const uint64_t before = PeakRssBytes(node().pid());
  ASSERT_GT(before, 0u);
  const std::string file = dir_ + "/big.mbk";
  CtlRun backup = Ctl("backup " + file);
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  const uint64_t after = PeakRssBytes(node().pid());
  ASSERT_GT(std::filesystem::file_size(file), uint64_t{kValues} << 20);
  std::printf("backup of %d MiB: peak RSS %llu -> %llu bytes\n", kValues,
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(after));
  // A backup held whole in memory would grow the peak by the store's size at least.
  EXPECT_LT(after - before, (uint64_t{kValues} << 20) / 2)
      << "peak RSS before " << before << " after " << after;

  CtlRun restore = Ctl("restore " + file + " --data-dir " + dir_ + "/node2.data");
  ASSERT_EQ(restore.exit_code, 0) << restore.out;
  const std::string restored = StartNode({});
  ASSERT_FALSE(restored.empty());
  HttpClient client(restored);
  for (int i = 0; i < kValues; ++i) {
    auto res = client.Request(V::get, "/admin/v1/store/t/big/v" + std::to_string(i), auth);
    ASSERT_EQ(res.status, 200) << "v" << i;
    ASSERT_TRUE(res.body == BigValue(i)) << "v" << i << " differs after restore";
  }
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

// meridianctl streams the backup into FILE.partial and renames it only once it is checked and
// synced: a refused backup leaves neither FILE nor the partial file, and a good one no partial.
TEST_F(OpsBackupTest, ABackupIsWholeAndCheckedUnderItsNameOrAbsent) {
  ASSERT_EQ(Client().Request(V::put, "/admin/v1/store/t/n/a", AdminAuth(), "v").status / 100, 2);
  const std::string file = dir_ + "/refused.mbk";
  CtlRun refused = RunCtl(node().address(), "not-the-admin-key", "backup " + file);
  EXPECT_EQ(refused.exit_code, 4) << refused.out;  // the node refused: 401
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
  const std::string good = dir_ + "/good.mbk";
  CtlRun backup = Ctl("backup " + good);
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  EXPECT_TRUE(std::filesystem::exists(good));
  EXPECT_FALSE(std::filesystem::exists(good + ".partial"));
  EXPECT_EQ(Ctl("restore " + good + " --data-dir " + dir_ + "/r").exit_code, 0);
}

// Node n2 (index 1) of `cluster` loses its disk and is restored from the backup `file`; then
// every one of the `total` writes AckedWriter made ("k<i>" = "value-<i>") is read back from it
// (bounded: 30 s for the last to arrive).
void RestoreNode2AndAwaitEveryWrite(LocalCluster& cluster, const std::string& file, size_t total) {
  const Headers auth = cluster.AdminAuth();
  NodeProcess& n2 = cluster.node(1);
  ASSERT_EQ(n2.Terminate(), 0);
  std::filesystem::remove_all(n2.data_dir());
  CtlRun restore = RunCtl(cluster.node(0).address(), cluster.admin_token(),
                          "restore " + file + " --data-dir " + n2.data_dir());
  ASSERT_EQ(restore.exit_code, 0) << restore.out;
  ASSERT_TRUE(n2.Start());
  HttpClient client(n2.address());
  const std::string last = "/admin/v1/store/t/n/k" + std::to_string(total - 1);
  for (int i = 0; i < 300 && client.Request(V::get, last, auth).status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (size_t i = 0; i < total; ++i) {
    auto res = client.Request(V::get, "/admin/v1/store/t/n/k" + std::to_string(i), auth);
    ASSERT_EQ(res.status, 200) << "k" << i << " of " << total;
    ASSERT_EQ(res.body, "value-" + std::to_string(i));
  }
}

// Peers truncate their log once every peer acked it, so the restored node is normally caught up
// by a snapshot from its peer (docs/operations.md, Backups and restores); this test holds either.
TEST(OpsBackupClusterTest, RestoredRegionServesEveryAckedWriteAndCatchesUp) {
  if (MeridiandPath().empty() || ProxyPath().empty()) GTEST_SKIP() << "MERIDIAND or the proxy";
  ClusterOptions options;
  options.regions = 2;
  LocalCluster cluster(options);
  ASSERT_TRUE(cluster.Start());
  const Headers auth = cluster.AdminAuth();
  // Writes go to n1 (region r1) and replicate to n2 (r2), whose backup is taken meanwhile.
  AckedWriter writer(cluster.node(0).address(), auth, 20000);
  writer.WaitFor(300);
  ASSERT_GE(writer.acked(), 1u);
  TempDir scratch("meridian-backup-");
  const std::string file = scratch.path() + "/n2.mbk";
  CtlRun backup =
      RunCtl(cluster.node(1).address(), cluster.admin_token(), "-o json backup " + file);
  // More writes after the backup: the restored node must get these from n1's log.
  const size_t at_backup = writer.acked();
  writer.WaitFor(at_backup + 300);
  writer.Stop();
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  const size_t total = writer.acked();
  ASSERT_GT(total, at_backup);

  // n2's disk is lost: restore its backup into a fresh folder and start n2 from it; every
  // write n1 acknowledged reaches it.
  ASSERT_NO_FATAL_FAILURE(RestoreNode2AndAwaitEveryWrite(cluster, file, total));
  HttpClient client(cluster.node(1).address());
  // And the restored region takes writes that reach the other region.
  ASSERT_EQ(client.Request(V::put, "/admin/v1/store/t/n/after", auth, "x").status / 100, 2);
  HttpClient c1(cluster.node(0).address());
  int got = 0;
  for (int i = 0;
       i < 300 && (got = c1.Request(V::get, "/admin/v1/store/t/n/after", auth).status) != 200;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(got, 200);
}

// The peer `id` in a node's /cluster/v1/status (null if absent).
boost::json::value PeerOf(const boost::json::value& status, const std::string& id) {
  if (!status.is_object()) return nullptr;
  for (const auto& p : status.at("peers").as_array()) {
    if (p.at("id").as_string() == id) return p;
  }
  return nullptr;
}

// A restored node starts from the backup's applied positions: while its peer's log still reaches
// back to them (here a third region is down, so no peer may truncate), it catches up by log,
// and no snapshot is sent (the status's snapshot counters stay 0 on both ends).
TEST(OpsBackupClusterTest, RestoredNodeCatchesUpByLogWhenThePeersLogReachesBack) {
  if (MeridiandPath().empty() || ProxyPath().empty()) GTEST_SKIP() << "MERIDIAND or the proxy";
  LocalCluster cluster;  // three regions
  ASSERT_TRUE(cluster.Start());
  const Headers auth = cluster.AdminAuth();
  ASSERT_EQ(cluster.node(2).Terminate(), 0);  // n3 holds n1's log from here on
  AckedWriter writer(cluster.node(0).address(), auth, 20000);
  writer.WaitFor(200);
  TempDir scratch("meridian-backup-");
  const std::string file = scratch.path() + "/n2.mbk";
  CtlRun backup = RunCtl(cluster.node(1).address(), cluster.admin_token(), "backup " + file);
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  const size_t at_backup = writer.acked();
  writer.WaitFor(at_backup + 300);
  writer.Stop();
  const size_t total = writer.acked();
  ASSERT_GT(total, at_backup);

  ASSERT_NO_FATAL_FAILURE(RestoreNode2AndAwaitEveryWrite(cluster, file, total));
  const boost::json::value from_n1 = PeerOf(cluster.Status(1), "n1");
  const boost::json::value to_n2 = PeerOf(cluster.Status(0), "n2");
  ASSERT_TRUE(from_n1.is_object() && to_n2.is_object());
  EXPECT_EQ(from_n1.at("snapshot_records_received"), 0) << from_n1;
  EXPECT_EQ(to_n2.at("snapshot_records_sent"), 0) << to_n2;
  // What the backup lacked came by log: at least the writes acknowledged after it.
  EXPECT_GE(from_n1.at("entries_received").to_number<uint64_t>(), total - at_backup) << from_n1;
}

}  // namespace
}  // namespace meridian::test
