// `grpc_listen` / `--grpc-listen`: off by default, HOST:PORT from the file or the flag (the
// flag wins), anything else refused with a readable message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "node/config.h"

namespace meridian::node {
namespace {

TEST(GrpcListenConfigTest, OffUnlessSetByFlagOrFile) {
  auto none = LoadConfig({}, nullptr);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->grpc_listen.empty());

  auto flag = LoadConfig({"--grpc-listen", "127.0.0.1:9090"}, nullptr);
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  EXPECT_EQ(flag->grpc_listen, "127.0.0.1:9090");

  const std::string path = std::filesystem::temp_directory_path() / "meridian-grpc-listen.json";
  std::ofstream(path) << R"({"grpc_listen": "0.0.0.0:9091"})";
  auto file = LoadConfig({"--config", path}, nullptr);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->grpc_listen, "0.0.0.0:9091");
  auto both = LoadConfig({"--config", path, "--grpc-listen=127.0.0.1:0"}, nullptr);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->grpc_listen, "127.0.0.1:0");
  std::filesystem::remove(path);
}

TEST(GrpcListenConfigTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"9090", "127.0.0.1:", "127.0.0.1:99999", ":9090"}) {
    auto config = LoadConfig({"--grpc-listen", bad}, nullptr);
    EXPECT_FALSE(config.ok()) << bad;
  }
}

}  // namespace
}  // namespace meridian::node
