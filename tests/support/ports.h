// Test harness: ports for listeners a test configures before the process that binds them runs
// (a cluster file's replication addresses). Thread-safe.
#pragma once

#include <cstdint>

namespace meridian::test {

// A port on 127.0.0.1 that binds at the time of the call, chosen at random below the kernel's
// ephemeral range. A port the kernel hands out (bind to port 0, an outgoing connection) is one
// it may hand out again at once, to a parallel test's node or client, before our process binds
// it; below the ephemeral range only another test's pick can collide. 0 if none was found in
// a bounded number of tries.
uint16_t FreeLoopbackPort();

}  // namespace meridian::test
