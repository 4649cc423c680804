// The store-backed log reader (see log_source.h).
#include "replication/log_source.h"

#include "storage/replica.h"

namespace meridian::replication {

StoreLogReader::StoreLogReader(storage::Store* store) : store_(store) { (void)Refresh(); }

Status StoreLogReader::Refresh() {
  auto txn = store_->Read();
  if (!txn.ok()) return txn.status();
  auto first = storage::FirstLogSeq(*txn);
  if (!first.ok()) return first.status();
  first_ = *first;
  return Status::Ok();
}

Result<std::vector<WireEntry>> StoreLogReader::Read(uint64_t from_seq, size_t max_entries,
                                                    size_t max_bytes) {
  auto txn = store_->Read();
  if (!txn.ok()) return txn.status();
  auto records = storage::ReadLog(*txn, from_seq, max_entries, max_bytes);
  if (!records.ok()) return records.status();
  std::vector<WireEntry> out;
  out.reserve(records->size());
  for (auto& r : *records) out.push_back({r.seq, std::move(r.payload)});
  return out;
}

}  // namespace meridian::replication
