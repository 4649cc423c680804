// meridiand: one Meridian node. Flags and file: docs/configuration.md.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "node/config.h"
#include "node/node.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto config = meridian::node::LoadConfig(args, std::getenv("MERIDIAN_ADMIN_TOKEN"));
  if (!config.ok()) {
    if (config.status().IsNotFound()) {  // --help
      std::fputs(config.status().message().c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "meridiand: %s\n", config.status().message().c_str());
    return 2;
  }
  auto node = meridian::node::Node::Create(std::move(*config));
  if (!node.ok()) {
    std::fprintf(stderr, "meridiand: cannot start: %s\n", node.status().ToString().c_str());
    return 1;
  }
  return (*node)->Run();
}
