// LogReader: the seam through which the pure core reads its own node's log (an LMDB read in
// the node, a vector in the simulation). Called only from the core's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "replication/core/messages.h"
#include "storage/base/status.h"

namespace meridian::replication {

class LogReader {
 public:
  virtual ~LogReader() = default;
  // The oldest retained sequence number (entries below it were truncated).
  virtual uint64_t FirstSeq() const = 0;
  // Entries from `from_seq` on, in order, at most `max_entries` and about `max_bytes` (at least
  // one entry if any exists). Fewer than asked means the log ends there. A storage failure is
  // an error, never a short read: the core must not mistake a broken disk for the log's end.
  virtual Result<std::vector<WireEntry>> Read(uint64_t from_seq, size_t max_entries,
                                              size_t max_bytes) = 0;
};

}  // namespace meridian::replication
