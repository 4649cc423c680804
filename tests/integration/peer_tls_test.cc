// Replication over mutually authenticated TLS 1.3 (docs/security.md), end to end with the
// Cluster harness: a three-region cluster with peer_tls replicates, answers all_regions, catches
// up after a cut and rebuilds a wiped node by snapshot through the byte-moving proxy; a node
// whose certificate comes from another CA or names another node is refused (logged) and
// all_regions answers 408; a plaintext client on the replication port gets nothing; a
// certificate swapped under SIGHUP is used by the next connection. Certificates are made at run
// time with the openssl command. Every wait is bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tests/support/cluster.h"
#include "tests/support/test_certs.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr char kBucket[] = "/organizations/attributes/end_user_read_write";

class PeerTlsTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ca_.ok());
    ASSERT_TRUE(other_ca_.ok());
    for (int i = 0; i < 3; ++i) {
      CertFiles files;
      const std::string id = "n" + std::to_string(i + 1);
      ASSERT_TRUE(ca_.Issue(id, id, {"DNS:" + id}, &files));
      node_certs_.push_back(files);
    }
  }

  // peer_tls with the CA at the top and each node's own certificate in its entry.
  ClusterSpec TlsSpec() {
    ClusterSpec spec;
    spec.extra_fields["peer_tls"] = {{"ca_file", ca_.ca_file()},
                                     {"cert_file", node_certs_[0].cert},
                                     {"key_file", node_certs_[0].key}};
    for (const auto& files : node_certs_) {
      spec.node_fields.push_back({{"cert_file", files.cert}, {"key_file", files.key}});
    }
    return spec;
  }

  void StartCluster(ClusterSpec spec) {
    cluster_ = std::make_unique<Cluster>(std::move(spec));
    ASSERT_TRUE(cluster_->Start());
    Response org = cluster_->Client(0).Request(http::verb::post, "/admin/v1/organizations",
                                               cluster_->AdminAuth(), R"({"name":"acme"})");
    ASSERT_EQ(org.status, 201) << org.body;
    org_ = std::string(org.Json().at("id").as_string());
    Response key = cluster_->Client(0).Request(
        http::verb::post, "/admin/v1/organizations/" + org_ + "/api-keys", cluster_->AdminAuth(),
        R"({"name":"k","scopes":["read","write"]})");
    ASSERT_EQ(key.status, 201) << key.body;
    key_ = std::string(key.Json().at("key").as_string());
  }

  void TearDown() override {
    if (HasFailure() && cluster_) std::cerr << cluster_->Diagnostics(4000);
  }

  Response Patch(int i, const std::string& body, const std::string& level, int timeout_s = 10) {
    Headers h = {{"SlashID-API-Key", key_},
                 {"SlashID-OrgID", org_},
                 {"SlashID-Required-Consistency", level},
                 {"SlashID-Required-Consistency-Timeout", std::to_string(timeout_s)}};
    return cluster_->Client(i).Request(http::verb::patch, kBucket, h, body);
  }

  // Attribute `name` on node i as JSON text, "" when absent or unreadable.
  std::string Attribute(int i, const std::string& name) {
    Response r = cluster_->Client(i).Request(http::verb::get, kBucket,
                                             {{"SlashID-API-Key", key_}, {"SlashID-OrgID", org_}});
    if (r.status != 200) return "";
    const json::value v = r.Json();
    const json::value* result = v.is_object() ? v.as_object().if_contains("result") : nullptr;
    const json::value* value =
        result && result->is_object() ? result->as_object().if_contains(name) : nullptr;
    return value ? json::serialize(*value) : "";
  }

  bool EveryNodeHas(const std::string& name, const std::string& value) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (Attribute(i, name) != value) return false;
    }
    return true;
  }

  bool LogHas(int i, const std::string& text) {
    return cluster_->Log(i).find(text) != std::string::npos;
  }

  TempDir certs_dir_{"meridian-peer-tls-"};
  TestCa ca_{certs_dir_.path(), "cluster"};
  TestCa other_ca_{certs_dir_.path(), "other"};
  std::vector<CertFiles> node_certs_;
  std::unique_ptr<Cluster> cluster_;
  std::string org_;
  std::string key_;
};

TEST_F(PeerTlsTest, ThreeRegionsReplicateAnswerAllRegionsCatchUpAfterACutAndRebuildByTls) {
  ClusterSpec spec = TlsSpec();
  spec.max_log_entries = 20;
  StartCluster(std::move(spec));
  for (int round = 0; round < 3; ++round) {
    Response w = Patch(round, "{\"r" + std::to_string(round) + "\":" + std::to_string(round) + "}",
                       "all_regions");
    ASSERT_EQ(w.status, 204) << w.body;
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(Attribute(i, "r" + std::to_string(round)), std::to_string(round));
  }
  EXPECT_FALSE(LogHas(0, "peer_links_unencrypted"));
  EXPECT_TRUE(LogHas(0, "peer_connected"));

  // Catch-up after a cut.
  ASSERT_TRUE(cluster_->Cut(2));
  EXPECT_EQ(Patch(0, R"({"during_cut":1})", "all_regions", 1).status, 408);
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(Patch(i % 2, "{\"c" + std::to_string(i) + "\":1}", "local_region").status, 204);
  }
  ASSERT_TRUE(cluster_->Heal());
  EXPECT_TRUE(
      PollUntil([&] { return EveryNodeHas("c29", "1") && EveryNodeHas("during_cut", "1"); }, 30s));

  // A wiped node is rebuilt by a snapshot over TLS (its log is too short to replay).
  ASSERT_TRUE(PollUntil(
      [&] {
        const json::value st = cluster_->Status(0);
        return st.is_object() && st.at("log_first_seq").to_number<int64_t>() > 15;
      },
      15s));
  ASSERT_TRUE(cluster_->Wipe(2));
  EXPECT_TRUE(
      PollUntil([&] { return Attribute(2, "c0") == "1" && Attribute(2, "r1") == "1"; }, 30s));
  EXPECT_TRUE(LogHas(2, "snapshot_installed"));
  EXPECT_EQ(Patch(2, R"({"rebuilt":1})", "all_regions").status, 204);
}

TEST_F(PeerTlsTest, ACertificateFromAnotherCaOrNamingAnotherNodeIsRefusedAndAllRegionsTimesOut) {
  CertFiles foreign, misnamed;
  ASSERT_TRUE(other_ca_.Issue("n3-foreign", "n3", {"DNS:n3"}, &foreign));
  ASSERT_TRUE(ca_.Issue("n3-as-n2", "n2", {"DNS:n2"}, &misnamed));
  ClusterSpec spec = TlsSpec();
  spec.node_fields[2] = {{"cert_file", foreign.cert}, {"key_file", foreign.key}};
  StartCluster(std::move(spec));
  EXPECT_EQ(Patch(0, R"({"a":1})", "all_regions", 2).status, 408);
  EXPECT_TRUE(PollUntil([&] { return LogHas(0, "peer_tls_refused"); }, 10s));
  EXPECT_TRUE(LogHas(0, "certificate")) << cluster_->Log(0);
  EXPECT_EQ(Attribute(2, "a"), "");

  // The flags override the file: n3 now has a certificate of the right CA naming n2.
  cluster_->node(2).set_extra_args({"--config", cluster_->config_path(), "--node-id", "n3",
                                    "--peer-tls-cert", misnamed.cert, "--peer-tls-key",
                                    misnamed.key});
  ASSERT_TRUE(cluster_->Restart(2));
  EXPECT_EQ(Patch(0, R"({"b":1})", "all_regions", 2).status, 408);
  EXPECT_TRUE(PollUntil([&] { return LogHas(0, "does not name node n3"); }, 10s))
      << cluster_->Log(0);
  EXPECT_EQ(Attribute(2, "b"), "");
}

TEST_F(PeerTlsTest, APlaintextClientOnTheReplicationPortGetsNothingInOrOut) {
  StartCluster(TlsSpec());
  ASSERT_EQ(Patch(0, R"({"x":1})", "all_regions").status, 204);
  const uint16_t port = cluster_->ReplicationPort(0);
  // Silent: no challenge is sent before a TLS handshake; the link is dropped after 5 s.
  RawReply silent = SendRawBytes(port, "", 8s);
  EXPECT_EQ(silent.bytes, "");
  EXPECT_TRUE(silent.peer_closed);
  // A plaintext frame: at most a TLS alert record comes back (content type 21), never a frame.
  RawReply talk = SendRawBytes(port, std::string("\0\0\0\x10", 4) + std::string(16, 'A'), 8s);
  EXPECT_TRUE(talk.peer_closed);
  if (!talk.bytes.empty()) {
    EXPECT_EQ(talk.bytes[0], '\x15') << talk.bytes.size() << " bytes";
  }
  EXPECT_TRUE(PollUntil([&] { return LogHas(0, "peer_tls_refused"); }, 10s));
  EXPECT_EQ(Patch(1, R"({"y":1})", "all_regions").status, 204) << "the cluster must still work";
}

TEST_F(PeerTlsTest, ACertificateSwappedUnderSighupIsUsedByTheNextConnection) {
  StartCluster(TlsSpec());
  ASSERT_EQ(Patch(0, R"({"x":1})", "all_regions").status, 204);
  namespace fs = std::filesystem;
  const CertFiles good = node_certs_[0];
  const fs::path keep_cert = good.cert + ".orig", keep_key = good.key + ".orig";
  fs::copy_file(good.cert, keep_cert);
  fs::copy_file(good.key, keep_key);

  // A file that does not load: the old material stays, the reason is logged.
  { std::ofstream(good.cert, std::ios::trunc) << "not a certificate\n"; }
  ASSERT_TRUE(cluster_->node(0).Signal(SIGHUP));
  EXPECT_TRUE(PollUntil([&] { return LogHas(0, "peer_tls_reload_failed"); }, 10s));
  ASSERT_TRUE(cluster_->Isolate(0));
  ASSERT_TRUE(cluster_->Heal());
  EXPECT_EQ(Patch(0, R"({"still":1})", "all_regions").status, 204);

  // n1's certificate swapped for one of another CA: after SIGHUP its next links are refused.
  CertFiles foreign;
  ASSERT_TRUE(other_ca_.Issue("n1-foreign", "n1", {"DNS:n1"}, &foreign));
  fs::copy_file(foreign.cert, good.cert, fs::copy_options::overwrite_existing);
  fs::copy_file(foreign.key, good.key, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(cluster_->node(0).Signal(SIGHUP));
  EXPECT_TRUE(PollUntil([&] { return LogHas(0, "peer_tls_reloaded"); }, 10s));
  ASSERT_TRUE(cluster_->Isolate(0));
  ASSERT_TRUE(cluster_->Heal());
  EXPECT_EQ(Patch(0, R"({"foreign":1})", "all_regions", 2).status, 408);
  EXPECT_TRUE(PollUntil([&] { return LogHas(1, "peer_tls_refused"); }, 10s)) << cluster_->Log(1);

  // Back to a good certificate: the next connections work again, without a restart.
  fs::copy_file(keep_cert, good.cert, fs::copy_options::overwrite_existing);
  fs::copy_file(keep_key, good.key, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(cluster_->node(0).Signal(SIGHUP));
  EXPECT_TRUE(PollUntil([&] { return Patch(0, R"({"back":1})", "all_regions", 2).status == 204; },
                        30s, 500ms));
}

}  // namespace
}  // namespace meridian::test
