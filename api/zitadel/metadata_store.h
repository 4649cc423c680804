// Storage of ZITADEL organization metadata on the one store, and the batches that change it.
// Layout (tenant = organization id): `zitadel:meta` / <key> -> StoredEntry JSON (codec.h);
// `zitadel:seq` / `org` -> the organization's metadata sequence (decimal). Every batch reads
// and advances the sequence inside its precondition, so concurrent writes serialize through
// the writer. Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/zitadel/codec.h"
#include "api/zitadel/search.h"
#include "storage/keys.h"
#include "storage/lmdb_env.h"
#include "storage/write_batch.h"

namespace meridian::api::zitadel {

inline constexpr std::string_view kMetaNs = "zitadel:meta";
inline constexpr std::string_view kSeqNs = "zitadel:seq";
inline constexpr std::string_view kSeqName = "org";
static_assert(storage::KeyFits(kMetaNs.size(), kMaxKeyBytes));

// What a committed write answers. Filled by the batch's precondition on the writer thread;
// the handler reads it only after the commit callback, which runs after the precondition.
struct WriteOutcome {
  Details details;
};

using WallClock = std::function<int64_t()>;  // milliseconds since the epoch
int64_t WallMs();

struct MetadataItem {
  std::string key;    // REQUIRES: CheckKey passed
  std::string value;  // canonical base64 (CheckValue's result)
};

// Sets every item in order (a repeated key keeps its last value). Each item is one ZITADEL
// event, so the sequence grows by items.size(); a key keeps its first creation time.
// `bulk` answers change details (no creationDate), a single set the key's details.
// Fails with NotFound if the organization no longer exists when the batch commits.
storage::WriteBatch SetBatch(std::string org_id, std::vector<MetadataItem> items, bool bulk,
                             std::shared_ptr<WriteOutcome> outcome, WallClock clock = WallMs);

// Removes every key, or nothing: NotFound tagged `missing_id` if any key is not set when the
// batch commits (decided inside the writer's transaction). The sequence grows by keys.size().
storage::WriteBatch RemoveBatch(std::string org_id, std::vector<std::string> keys,
                                std::string missing_id, std::shared_ptr<WriteOutcome> outcome,
                                WallClock clock = WallMs);

// The entry under `key`, or nullopt. Corruption if the stored value is not an entry.
Result<std::optional<StoredEntry>> GetEntry(const storage::Txn& txn, const std::string& org_id,
                                            std::string_view key);
// The organization's metadata sequence (0 before the first write).
Result<uint64_t> CurrentSequence(const storage::Txn& txn, const std::string& org_id);

struct Entry {
  std::string key;
  StoredEntry stored;
};
struct SearchPage {
  uint64_t total = 0;               // every match, before offset and limit
  uint64_t processed_sequence = 0;  // the sequence this snapshot reflects
  std::vector<Entry> entries;       // ordered by key (bytes), ascending iff request.asc
};
Result<SearchPage> Search(const storage::Txn& txn, const std::string& org_id,
                          const SearchRequest& request);

}  // namespace meridian::api::zitadel
