// Configuration of TLS and Swift tokens (docs/configuration.md "TLS", "Swift tokens"):
// peer_tls at the top, a node entry's cert_file/key_file over it, the --peer-tls-* flags over
// both; api_tls and its flags; half a TLS configuration refused; swift.token_ttl_s.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "node/config.h"

namespace meridian::node {
namespace {

class TlsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-tls-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string File(const std::string& text) {
    const std::string path = dir_ + "/c.json";
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

constexpr const char* kCluster = R"({
  "cluster_secret": "s", "admin_token": "t",
  "peer_tls": {"ca_file": "ca.pem", "cert_file": "top.pem", "key_file": "top.key"},
  "api_tls": {"cert_file": "api.pem", "key_file": "api.key"},
  "swift": {"token_ttl_s": 600},
  "nodes": [
    {"id": "n1", "region": "a", "api": "127.0.0.1:1", "replication": "127.0.0.1:2",
     "cert_file": "n1.pem", "key_file": "n1.key"},
    {"id": "n2", "region": "b", "api": "127.0.0.1:3", "replication": "127.0.0.1:4"}
  ]
})";

TEST_F(TlsConfigTest, NodeEntryOverridesPeerTlsAndFlagsOverrideBoth) {
  const std::string path = File(kCluster);
  auto n1 = LoadConfig({"--config", path, "--node-id", "n1"}, nullptr);
  ASSERT_TRUE(n1.ok()) << n1.status().ToString();
  EXPECT_EQ(n1->peer_tls.ca_file, "ca.pem");
  EXPECT_EQ(n1->peer_tls.cert_file, "n1.pem");
  EXPECT_EQ(n1->peer_tls.key_file, "n1.key");
  EXPECT_EQ(n1->api_tls.cert_file, "api.pem");
  EXPECT_EQ(n1->swift_token_ttl_s, 600u);
  auto n2 = LoadConfig({"--config", path, "--node-id", "n2"}, nullptr);
  ASSERT_TRUE(n2.ok());
  EXPECT_EQ(n2->peer_tls.cert_file, "top.pem");
  auto flags = LoadConfig(
      {"--config", path, "--node-id", "n1", "--peer-tls-ca", "f.ca", "--peer-tls-cert", "f.pem",
       "--peer-tls-key", "f.key", "--api-tls-cert", "fa.pem", "--api-tls-key", "fa.key"},
      nullptr);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->peer_tls.ca_file, "f.ca");
  EXPECT_EQ(flags->peer_tls.cert_file, "f.pem");
  EXPECT_EQ(flags->peer_tls.key_file, "f.key");
  EXPECT_EQ(flags->api_tls.cert_file, "fa.pem");
  EXPECT_EQ(flags->api_tls.key_file, "fa.key");
}

TEST_F(TlsConfigTest, WithoutTlsKeysEverythingStaysPlainAndTheTtlIsADay) {
  auto c = LoadConfig({}, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->peer_tls.enabled());
  EXPECT_FALSE(c->api_tls.enabled());
  EXPECT_EQ(c->swift_token_ttl_s, 86400u);
}

TEST_F(TlsConfigTest, HalfATlsConfigurationIsRefused) {
  for (const char* text :
       {R"({"peer_tls": {"cert_file": "a", "key_file": "b"}})",
        R"({"peer_tls": {"ca_file": "a", "cert_file": "b"}})", R"({"api_tls": {"cert_file": "a"}})",
        R"({"peer_tls": "x"})", R"({"peer_tls": {"ca_file": "a", "cert": "b"}})",
        R"({"swift": {"token_ttl_s": 0}})"}) {
    auto c = LoadConfig({"--config", File(text)}, nullptr);
    EXPECT_FALSE(c.ok()) << text;
  }
  EXPECT_FALSE(LoadConfig({"--api-tls-cert", "a.pem"}, nullptr).ok());
  EXPECT_FALSE(LoadConfig({"--peer-tls-ca", "a.pem"}, nullptr).ok());
}

}  // namespace
}  // namespace meridian::node
