// StoreLogReader: the core's view of this node's own log in the store (the LogReader seam over
// LMDB). Reads run in short read transactions; a storage failure comes back as an error, never
// as a short read. The first retained sequence is cached and changes only through Refresh()
// (the driver calls it after a truncation commits). Used on the replication strand only.
#pragma once

#include "replication/core/log_reader.h"
#include "storage/store.h"

namespace meridian::replication {

class StoreLogReader : public LogReader {
 public:
  // REQUIRES: `store` outlives the reader.
  explicit StoreLogReader(storage::Store* store);
  // Re-reads the first retained sequence; on failure the cached one stays and the error is
  // returned.
  Status Refresh();
  uint64_t FirstSeq() const override { return first_; }
  Result<std::vector<WireEntry>> Read(uint64_t from_seq, size_t max_entries,
                                      size_t max_bytes) override;

 private:
  storage::Store* const store_;
  uint64_t first_ = 1;
};

}  // namespace meridian::replication
