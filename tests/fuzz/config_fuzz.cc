// Fuzzes the cluster file loader (node/config.h): the bytes are written to a file and loaded
// with `--config FILE`, once as node n1 and once with the flags that override the file, so both
// the file's checks and the flag/file merge see every input. Any answer is fine; a crash,
// sanitizer report or hang is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "node/config.h"

namespace {

const std::string& ConfigPath() {
  static const std::string path =
      "/tmp/meridian_config_fuzz_" + std::to_string(::getpid()) + ".json";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = ConfigPath();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  (void)meridian::node::LoadConfig({"--config", path}, nullptr);
  (void)meridian::node::LoadConfig(
      {"--config=" + path, "--node-id", "n2", "--listen", "127.0.0.1:0", "--map-size-mb", "64"},
      "fuzz-admin-token");
  return 0;
}
