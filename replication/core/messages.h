// Messages of the replication protocol as the pure core sees them: already parsed and
// validated (replication/net/ converts them from and to Protobuf frames). Value types.
//
// Every node streams its own log (origin = the node's incarnation id) to every peer over the
// link it dials; the receiver answers on the same link with acknowledgements. See
// docs/replication.md for the protocol and its state diagram.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace meridian::replication {

// One entry of an origin's log. `payload` is the serialized storage LogEntry; the core never
// looks inside it.
struct WireEntry {
  uint64_t seq = 0;
  std::string payload;
};

// Origin -> receiver: entries (prev_seq, ...]; with no entries it is a heartbeat.
struct EntriesMsg {
  uint64_t prev_seq = 0;
  std::vector<WireEntry> entries;
  uint64_t last_seq = 0;    // the origin's durable log end when this was sent
  uint64_t stable_seq = 0;  // every node has acknowledged the origin's log up to here
};

// Receiver -> origin: the origin's log is durably applied here up to `applied_seq`.
struct AckMsg {
  uint64_t applied_seq = 0;
};

}  // namespace meridian::replication
