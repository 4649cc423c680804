// Node: wires one meridiand process: store, consistency gate, authenticator, router with every
// dialect, HTTP server, I/O threads, and signal-driven graceful shutdown. The only code that
// knows every concrete type. Not thread-safe: created and run from main().
#pragma once

#include <atomic>
#include <memory>

#include "node/config.h"

namespace meridian::node {

class Node {
 public:
  // Opens the store, makes sure an admin key exists (printing a generated one once), binds the
  // API. Fails with a Status an operator can act on.
  static Result<std::unique_ptr<Node>> Create(Config config);
  ~Node();

  // Serves until SIGTERM/SIGINT, then drains: stops accepting, lets in-flight requests finish
  // (bounded), commits what the writer holds, and returns the process exit code.
  int Run();

  struct Parts;  // everything the node owns (node.cc)

 private:
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace meridian::node
