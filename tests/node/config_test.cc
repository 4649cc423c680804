// Tests of node configuration (node/config.h, docs/configuration.md): the embedded default,
// flags in both forms, the cluster file of docs/configuration.md picked by --node-id, flags over
// the file, the admin token from the environment over the file, and every kind of bad input.
#include "node/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace meridian::node {
namespace {

// The cluster file of docs/configuration.md.
constexpr const char* kDesignCluster = R"({
  "cluster_secret": "change-me",
  "nodes": [
    {"id": "n1", "region": "eu-west", "api": "127.0.0.1:8081", "replication": "127.0.0.1:9081"},
    {"id": "n2", "region": "us-east", "api": "127.0.0.1:8082", "replication": "127.0.0.1:9082"},
    {"id": "n3", "region": "ap-south", "api": "127.0.0.1:8083", "replication": "127.0.0.1:9083"}
  ]
})";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Writes `text` to a fresh file in the temp dir and returns its path.
  std::string WriteFile(const std::string& text) {
    const std::string path = dir_ + "/cluster" + std::to_string(files_++) + ".json";
    std::ofstream out(path);
    out << text;
    return path;
  }
  // A single-node file whose extra top-level members are `extra` (e.g. "\"limits\": {...},").
  std::string SingleNodeFile(const std::string& extra) {
    return WriteFile("{" + extra +
                     R"("nodes": [{"id": "n1", "region": "eu", "api": "127.0.0.1:7000"}]})");
  }
  static void ExpectInvalid(const std::vector<std::string>& args, const char* env = nullptr,
                            const std::string& mentions = "") {
    auto c = LoadConfig(args, env);
    ASSERT_FALSE(c.ok()) << ::testing::PrintToString(args);
    EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
    if (!mentions.empty()) {
      EXPECT_NE(c.status().message().find(mentions), std::string::npos) << c.status().ToString();
    }
  }
  std::string dir_;
  int files_ = 0;
};

TEST_F(ConfigTest, WithoutFlagsTheEmbeddedDefaultIsOneLocalNode) {
  auto c = LoadConfig({}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_id, "n1");
  EXPECT_EQ(c->region, "local");
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_FALSE(c->admin_token.has_value());
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->io_threads, 0u);
  EXPECT_EQ(c->map_size_bytes, uint64_t{64} << 30);
  EXPECT_EQ(c->max_group_batches, 4096u);
  EXPECT_EQ(c->ready_file, "");
  ASSERT_EQ(c->nodes.size(), 1u);
  EXPECT_EQ(c->nodes[0].id, "n1");
  EXPECT_EQ(c->nodes[0].region, "local");
  EXPECT_EQ(c->nodes[0].api, "127.0.0.1:8080");
}

TEST_F(ConfigTest, FlagsOverrideTheDefault) {
  auto c =
      LoadConfig({"--node-id", "n7", "--listen", "0.0.0.0:9000", "--data-dir", "/srv/m", "--region",
                  "eu", "--io-threads", "4", "--map-size-mb", "128", "--ready-file", "/tmp/ready",
                  "--log-level", "debug", "--max-log-entries", "50"},
                 nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_id, "n7");
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 9000);
  EXPECT_EQ(c->data_dir, "/srv/m");
  EXPECT_EQ(c->region, "eu");
  EXPECT_EQ(c->io_threads, 4u);
  EXPECT_EQ(c->map_size_bytes, uint64_t{128} << 20);
  EXPECT_EQ(c->ready_file, "/tmp/ready");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->max_log_entries, 50u);
  ASSERT_EQ(c->nodes.size(), 1u);
  EXPECT_EQ(c->nodes[0].id, "n7");
  EXPECT_EQ(c->nodes[0].region, "eu");
  EXPECT_EQ(c->nodes[0].api, "0.0.0.0:9000");
}

TEST_F(ConfigTest, FlagsAcceptTheEqualsForm) {
  auto c = LoadConfig({"--listen=127.0.0.1:0", "--node-id=n2", "--data-dir=/d=1"}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_port, 0);  // any free port
  EXPECT_EQ(c->node_id, "n2");
  EXPECT_EQ(c->data_dir, "/d=1");  // only the first '=' separates
}

TEST_F(ConfigTest, BracketedIpv6HostIsUnwrapped) {
  auto c = LoadConfig({"--listen", "[::1]:8443"}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "::1");
  EXPECT_EQ(c->listen_port, 8443);
}

TEST_F(ConfigTest, ClusterFilePicksTheEntryOfTheNodeId) {
  const std::string path = WriteFile(kDesignCluster);
  auto c = LoadConfig({"--config", path, "--node-id", "n2"}, "env-admin");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_id, "n2");
  EXPECT_EQ(c->region, "us-east");
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8082);
  EXPECT_EQ(c->data_dir, "./data/n2");
  EXPECT_EQ(c->cluster_secret, "change-me");
  ASSERT_EQ(c->nodes.size(), 3u);
  EXPECT_EQ(c->nodes[0].id, "n1");
  EXPECT_EQ(c->nodes[2].region, "ap-south");
  EXPECT_EQ(c->nodes[2].replication, "127.0.0.1:9083");
  EXPECT_EQ(c->admin_token, "env-admin");
}

TEST_F(ConfigTest, ClusterFileWithoutNodeIdIsNodeN1) {
  const std::string path = WriteFile(kDesignCluster);
  auto c = LoadConfig({"--config=" + path}, "env-admin");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_id, "n1");
  EXPECT_EQ(c->region, "eu-west");
  EXPECT_EQ(c->listen_port, 8081);
  EXPECT_EQ(c->data_dir, "./data/n1");
}

TEST_F(ConfigTest, FlagsOverrideTheClusterFile) {
  const std::string path = WriteFile(kDesignCluster);
  auto c = LoadConfig({"--config", path, "--node-id", "n3", "--listen", "0.0.0.0:1234",
                       "--data-dir", "/var/m3", "--region", "elsewhere"},
                      "env-admin");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 1234);
  EXPECT_EQ(c->data_dir, "/var/m3");
  EXPECT_EQ(c->region, "elsewhere");
}

TEST_F(ConfigTest, NodeEntryMayCarryItsDataDirAndPeerRoutes) {
  const std::string path = WriteFile(R"({"nodes": [
      {"id": "n1", "region": "eu", "api": "127.0.0.1:7001", "data_dir": "/data/one",
       "peers_via": {"n2": "127.0.0.1:19000"}}]})");
  auto c = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "/data/one");
  ASSERT_EQ(c->nodes.size(), 1u);
  EXPECT_EQ(c->nodes[0].peers_via.at("n2"), "127.0.0.1:19000");
}

TEST_F(ConfigTest, UnknownNodeIdIsRejected) {
  const std::string path = WriteFile(kDesignCluster);
  ExpectInvalid({"--config", path, "--node-id", "n9"}, "env-admin", "n9");
}

TEST_F(ConfigTest, UnknownFlagOrPositionalArgumentIsRejected) {
  ExpectInvalid({"--colour", "blue"}, nullptr, "--colour");
  ExpectInvalid({"--colour=blue"}, nullptr, "--colour");
  ExpectInvalid({"stray"}, nullptr, "stray");
  ExpectInvalid({"-x"}, nullptr);
}

TEST_F(ConfigTest, BadPortIsRejected) {
  for (const char* listen : {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:abc",
                             "127.0.0.1:", "noport", ":80", "127.0.0.1:-1", "127.0.0.1:80x"}) {
    ExpectInvalid({"--listen", listen}, nullptr);
  }
  auto top = LoadConfig({"--listen", "127.0.0.1:65535"}, nullptr);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->listen_port, 65535);
}

TEST_F(ConfigTest, BadPortInTheChosenEntryIsRejected) {
  const std::string path =
      WriteFile(R"({"nodes": [{"id": "n1", "region": "eu", "api": "127.0.0.1:http"}]})");
  ExpectInvalid({"--config", path}, nullptr);
}

TEST_F(ConfigTest, FlagWithoutAValueIsRejected) {
  ExpectInvalid({"--listen"}, nullptr, "--listen");
  ExpectInvalid({"--node-id", "n2", "--data-dir"}, nullptr, "--data-dir");
}

TEST_F(ConfigTest, BadNumericFlagsAreRejected) {
  ExpectInvalid({"--io-threads", "257"}, nullptr, "--io-threads");
  ExpectInvalid({"--io-threads", "many"}, nullptr);
  ExpectInvalid({"--map-size-mb", "0"}, nullptr, "--map-size-mb");
  ExpectInvalid({"--max-log-entries", "0"}, nullptr);
  ExpectInvalid({"--log-level", "verbose"}, nullptr);
  ExpectInvalid({"--node-id", ""}, nullptr);
  ExpectInvalid({"--region="}, nullptr);
}

TEST_F(ConfigTest, MalformedOrMissingFileIsRejected) {
  ExpectInvalid({"--config", WriteFile("{\"nodes\": [")}, nullptr, "not valid JSON");
  ExpectInvalid({"--config", WriteFile("[1, 2]")}, nullptr, "JSON object");
  ExpectInvalid({"--config", dir_ + "/does-not-exist.json"}, nullptr, "cannot read");
}

TEST_F(ConfigTest, MalformedNodeEntriesAreRejected) {
  ExpectInvalid({"--config", WriteFile(R"({"nodes": {"id": "n1"}})")}, nullptr);
  ExpectInvalid({"--config", WriteFile(R"({"nodes": ["n1"]})")}, nullptr);
  ExpectInvalid({"--config", WriteFile(R"({"nodes": [{"id": "n1", "region": "eu"}]})")}, nullptr,
                "id, region and api");
  ExpectInvalid({"--config", WriteFile(R"({"nodes": [{"id": 1, "region": "eu", "api": "h:1"}]})")},
                nullptr);
  ExpectInvalid({"--config", WriteFile(R"({"nodes": [
      {"id": "n1", "region": "eu", "api": "127.0.0.1:1"},
      {"id": "n1", "region": "us", "api": "127.0.0.1:2"}]})")},
                "token", "duplicate");
}

TEST_F(ConfigTest, ClusterOfSeveralNodesNeedsAdminTokenSecretAndReplicationAddresses) {
  ExpectInvalid({"--config", WriteFile(kDesignCluster)}, nullptr, "admin_token");
  ExpectInvalid({"--config", WriteFile(R"({"admin_token": "t", "nodes": [
      {"id": "n1", "region": "eu", "api": "127.0.0.1:1", "replication": "127.0.0.1:3"},
      {"id": "n2", "region": "us", "api": "127.0.0.1:2", "replication": "127.0.0.1:4"}]})")},
                nullptr, "cluster_secret");
  ExpectInvalid({"--config", WriteFile(R"({"admin_token": "t", "cluster_secret": "s", "nodes": [
      {"id": "n1", "region": "eu", "api": "127.0.0.1:1", "replication": "127.0.0.1:3"},
      {"id": "n2", "region": "us", "api": "127.0.0.1:2"}]})")},
                nullptr, "n2");
}

TEST_F(ConfigTest, AdminTokenComesFromTheFileUnlessTheEnvironmentSetsIt) {
  const std::string path = SingleNodeFile(R"("admin_token": "file-token",)");
  auto from_file = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->admin_token, "file-token");
  auto from_env = LoadConfig({"--config", path}, "env-token");
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->admin_token, "env-token");
  auto empty_env = LoadConfig({"--config", path}, "");
  ASSERT_TRUE(empty_env.ok());
  EXPECT_EQ(empty_env->admin_token, "file-token");  // an empty variable is not a token
  auto env_only = LoadConfig({}, "env-token");
  ASSERT_TRUE(env_only.ok());
  EXPECT_EQ(env_only->admin_token, "env-token");
}

TEST_F(ConfigTest, FileTopLevelSettingsApply) {
  const std::string path = SingleNodeFile(R"("log_level": "warn", "io_threads": 3,)");
  auto c = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->io_threads, 3u);
  EXPECT_EQ(c->region, "eu");
  EXPECT_EQ(c->listen_port, 7000);
  // A flag still wins over the file.
  auto flag = LoadConfig({"--config", path, "--log-level", "error"}, nullptr);
  ASSERT_TRUE(flag.ok());
  EXPECT_EQ(flag->log_level, "error");
}

TEST_F(ConfigTest, LimitsSectionSetsTheHttpLimits) {
  const std::string path = SingleNodeFile(
      R"("limits": {"max_header_bytes": 16384, "max_body_bytes": 1048576,
                    "idle_timeout_s": 5, "read_timeout_s": 7},)");
  auto c = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.max_header_bytes, 16384u);
  EXPECT_EQ(c->http.max_body_bytes, 1048576u);
  EXPECT_EQ(c->http.idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->http.read_timeout, std::chrono::seconds(7));
}

TEST_F(ConfigTest, PartialLimitsKeepTheOtherDefaults) {
  const api::ServerOptions defaults;
  auto c = LoadConfig({"--config", SingleNodeFile(R"("limits": {"idle_timeout_s": 9},)")}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.idle_timeout, std::chrono::seconds(9));
  EXPECT_EQ(c->http.max_header_bytes, defaults.max_header_bytes);
  EXPECT_EQ(c->http.max_body_bytes, defaults.max_body_bytes);
  EXPECT_EQ(c->http.read_timeout, defaults.read_timeout);
}

TEST_F(ConfigTest, BadLimitsAreRejectedNamingTheKey) {
  ExpectInvalid({"--config", SingleNodeFile(R"("limits": {"max_header_bytes": 10},)")}, nullptr,
                "limits.max_header_bytes");
  ExpectInvalid({"--config", SingleNodeFile(R"("limits": {"idle_timeout_s": "60"},)")}, nullptr,
                "limits.idle_timeout_s");
  ExpectInvalid({"--config", SingleNodeFile(R"("limits": {"read_timeout_s": -1},)")}, nullptr,
                "limits.read_timeout_s");
  ExpectInvalid({"--config", SingleNodeFile(R"("limits": {"max_body_bytes": 2048.5},)")}, nullptr,
                "limits.max_body_bytes");
  ExpectInvalid({"--config", SingleNodeFile(R"("limits": [],)")}, nullptr, "limits");
}

TEST_F(ConfigTest, StorageSectionSetsMapSizeAndGroupBound) {
  const std::string path =
      SingleNodeFile(R"("storage": {"map_size_mb": 1024, "max_group_batches": 100},)");
  auto c = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->map_size_bytes, uint64_t{1} << 30);
  EXPECT_EQ(c->max_group_batches, 100u);
  // The flag wins over the file.
  auto flag = LoadConfig({"--config", path, "--map-size-mb", "2"}, nullptr);
  ASSERT_TRUE(flag.ok());
  EXPECT_EQ(flag->map_size_bytes, uint64_t{2} << 20);
}

TEST_F(ConfigTest, BadStorageSectionIsRejected) {
  ExpectInvalid({"--config", SingleNodeFile(R"("storage": {"map_size_mb": 0},)")}, nullptr,
                "storage.map_size_mb");
  ExpectInvalid({"--config", SingleNodeFile(R"("storage": {"max_group_batches": 0},)")}, nullptr,
                "storage.max_group_batches");
  ExpectInvalid({"--config", SingleNodeFile(R"("storage": 5,)")}, nullptr, "storage");
}

TEST_F(ConfigTest, ReplicationSectionSetsRetentionAndGcInterval) {
  const std::string path =
      SingleNodeFile(R"("replication": {"max_log_entries": 777, "gc_interval_ms": 250},)");
  auto c = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->max_log_entries, 777u);
  EXPECT_EQ(c->gc_interval_ms, 250u);
  ExpectInvalid({"--config", SingleNodeFile(R"("replication": {"gc_interval_ms": 10},)")}, nullptr,
                "replication.gc_interval_ms");
}

TEST_F(ConfigTest, UnknownFileKeysAreIgnored) {
  auto c =
      LoadConfig({"--config", SingleNodeFile(R"("tls": {"cert": "x"}, "future": 1,)")}, nullptr);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

TEST_F(ConfigTest, RateLimitsDefaultToOcambaOnly) {
  auto c = LoadConfig({}, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rate_limits[api::RateLimitGroup::kOcamba].burst_per_second, 10u);
  EXPECT_EQ(c->rate_limits[api::RateLimitGroup::kOcamba].per_minute, 150u);
  EXPECT_FALSE(c->rate_limits[api::RateLimitGroup::kSlashId].enabled());
  EXPECT_FALSE(c->rate_limits[api::RateLimitGroup::kAttio].enabled());
}

TEST_F(ConfigTest, RateLimitsSectionSetsGroupsAndKeepsOthersDefault) {
  auto c = LoadConfig({"--config", SingleNodeFile(R"("rate_limits": {
      "slashid": {"burst_per_second": 5, "per_minute": 100},
      "zitadel": {"per_minute": 30}, "max_tracked_keys": 5000},)")},
                      nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const auto& r = c->rate_limits;
  EXPECT_EQ(r[api::RateLimitGroup::kSlashId].burst_per_second, 5u);
  EXPECT_EQ(r[api::RateLimitGroup::kSlashId].per_minute, 100u);
  EXPECT_EQ(r[api::RateLimitGroup::kZitadel].burst_per_second, 0u);  // named: omitted = off
  EXPECT_EQ(r[api::RateLimitGroup::kZitadel].per_minute, 30u);
  EXPECT_EQ(r[api::RateLimitGroup::kOcamba].burst_per_second, 10u);  // absent: default
  EXPECT_EQ(r.max_tracked_keys, 5000u);
  auto off = LoadConfig(
      {"--config", SingleNodeFile(R"("rate_limits": {"ocamba": {"burst_per_second": 0}},)")},
      nullptr);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->rate_limits[api::RateLimitGroup::kOcamba].enabled());
}

TEST_F(ConfigTest, BadRateLimitsAreRejected) {
  ExpectInvalid({"--config", SingleNodeFile(R"("rate_limits": [],)")}, nullptr, "rate_limits");
  ExpectInvalid({"--config", SingleNodeFile(R"("rate_limits": {"swfit": {}},)")}, nullptr, "swfit");
  ExpectInvalid({"--config", SingleNodeFile(R"("rate_limits": {"ocamba": 10},)")}, nullptr,
                "rate_limits.ocamba");
  ExpectInvalid(
      {"--config", SingleNodeFile(R"("rate_limits": {"ocamba": {"burst_per_second": -1}},)")},
      nullptr, "burst_per_second");
  ExpectInvalid(
      {"--config", SingleNodeFile(R"("rate_limits": {"ocamba": {"per_minute": "150"}},)")}, nullptr,
      "per_minute");
  ExpectInvalid(
      {"--config", SingleNodeFile(R"("rate_limits": {"attio": {"per_minute": 99999999999}},)")},
      nullptr, "per_minute");
  ExpectInvalid({"--config", SingleNodeFile(R"("rate_limits": {"max_tracked_keys": 1},)")}, nullptr,
                "max_tracked_keys");
}

TEST_F(ConfigTest, HelpGivesNotFoundWithTheUsage) {
  for (const char* flag : {"--help", "-h"}) {
    auto c = LoadConfig({flag}, nullptr);
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(c.status().IsNotFound());
    EXPECT_EQ(c.status().message(), Usage());
  }
  EXPECT_NE(Usage().find("--node-id"), std::string::npos);
  EXPECT_NE(Usage().find("MERIDIAN_ADMIN_TOKEN"), std::string::npos);
  // --help wins even after other valid flags.
  auto later = LoadConfig({"--node-id", "n2", "--help"}, nullptr);
  EXPECT_TRUE(later.status().IsNotFound());
}

TEST_F(ConfigTest, SplitHostPortParsesAndRejects) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort("example.com:443", host, port).ok());
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 443);
  ASSERT_TRUE(SplitHostPort("[2001:db8::1]:80", host, port).ok());
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, 80);
  EXPECT_TRUE(SplitHostPort("nocolon", host, port).IsInvalidArgument());
  EXPECT_TRUE(SplitHostPort(":1", host, port).IsInvalidArgument());
  EXPECT_TRUE(SplitHostPort("h:70000", host, port).IsInvalidArgument());
}

}  // namespace
}  // namespace meridian::node
