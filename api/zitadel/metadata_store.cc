// Metadata layout, write batches and reads (see metadata_store.h).
#include "api/zitadel/metadata_store.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "api/auth.h"
#include "api/zitadel/errors.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::zitadel {
namespace {

using storage::Mutation;

Status OrgMustExist(const storage::Txn& txn, const std::string& org_id) {
  auto record =
      storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return WithCode(Status::NotFound("Organisation not found"), "MERIDIAN-org404");
  }
  return Status::Ok();
}

std::string SequenceKey(const std::string& org_id) {
  return storage::DataKey(org_id, kSeqNs, kSeqName);
}

std::string EntryKey(const std::string& org_id, std::string_view key) {
  return storage::DataKey(org_id, kMetaNs, key);
}

// Advances the sequence by `events` inside the writer's transaction; returns the new value.
Result<uint64_t> AdvanceSequence(const storage::Txn& txn, const std::string& org_id,
                                 uint64_t events, std::vector<Mutation>& extra) {
  auto current = CurrentSequence(txn, org_id);
  if (!current.ok()) return current.status();
  const uint64_t next = *current + events;
  extra.push_back({Mutation::Kind::kPut, SequenceKey(org_id), EncodeSequence(next)});
  return next;
}

}  // namespace

int64_t WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

storage::WriteBatch SetBatch(std::string org_id, std::vector<MetadataItem> items, bool bulk,
                             std::shared_ptr<WriteOutcome> outcome, WallClock clock) {
  storage::WriteBatch batch;
  batch.prepare = [org_id = std::move(org_id), items = std::move(items), bulk,
                   outcome = std::move(outcome), clock = std::move(clock)](
                      const storage::Txn& txn, std::vector<Mutation>& extra) -> Status {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    const int64_t now = clock();
    auto last = AdvanceSequence(txn, org_id, items.size(), extra);
    if (!last.ok()) return last.status();
    uint64_t seq = *last - items.size();
    // Creation times of keys set earlier in this batch (a repeated key is created once).
    std::map<std::string_view, int64_t> created_here;
    int64_t created_of_last = now;
    for (const auto& item : items) {
      ++seq;
      int64_t created = now;
      if (auto it = created_here.find(item.key); it != created_here.end()) {
        created = it->second;
      } else {
        auto existing = GetEntry(txn, org_id, item.key);
        // An undecodable old entry is replaced rather than blocking the key forever.
        if (!existing.ok() && existing.status().code() != Status::Code::kCorruption) {
          return existing.status();
        }
        if (existing.ok() && existing->has_value()) created = (*existing)->created_ms;
        created_here.emplace(item.key, created);
      }
      created_of_last = created;
      extra.push_back({Mutation::Kind::kPut, EntryKey(org_id, item.key),
                       EncodeEntry({item.value, seq, created, now})});
    }
    outcome->details = Details{*last, bulk ? 0 : created_of_last, now, org_id};
    return Status::Ok();
  };
  return batch;
}

storage::WriteBatch RemoveBatch(std::string org_id, std::vector<std::string> keys,
                                std::string missing_id, std::shared_ptr<WriteOutcome> outcome,
                                WallClock clock) {
  storage::WriteBatch batch;
  batch.prepare = [org_id = std::move(org_id), keys = std::move(keys),
                   missing_id = std::move(missing_id), outcome = std::move(outcome),
                   clock = std::move(clock)](const storage::Txn& txn,
                                             std::vector<Mutation>& extra) -> Status {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    // Every key is checked before anything is added: one missing key rejects the batch.
    for (const auto& key : keys) {
      auto record = storage::GetLiveRecord(txn, EntryKey(org_id, key));
      if (!record.ok()) return record.status();
      if (!record->has_value()) return WithCode(Status::NotFound("Metadata not found"), missing_id);
    }
    auto last = AdvanceSequence(txn, org_id, keys.size(), extra);
    if (!last.ok()) return last.status();
    for (const auto& key : keys) {
      extra.push_back({Mutation::Kind::kDelete, EntryKey(org_id, key), {}});
    }
    outcome->details = Details{*last, 0, clock(), org_id};
    return Status::Ok();
  };
  return batch;
}

Result<std::optional<StoredEntry>> GetEntry(const storage::Txn& txn, const std::string& org_id,
                                            std::string_view key) {
  auto record = storage::GetLiveRecord(txn, EntryKey(org_id, key));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return std::optional<StoredEntry>();
  auto entry = DecodeEntry((*record)->value());
  if (!entry) return Status::Corruption("undecodable metadata entry");
  return std::optional<StoredEntry>(std::move(*entry));
}

Result<uint64_t> CurrentSequence(const storage::Txn& txn, const std::string& org_id) {
  auto record = storage::GetLiveRecord(txn, SequenceKey(org_id));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return uint64_t{0};
  auto seq = DecodeSequence((*record)->value());
  if (!seq) return Status::Corruption("undecodable metadata sequence");
  return *seq;
}

Result<SearchPage> Search(const storage::Txn& txn, const std::string& org_id,
                          const SearchRequest& request) {
  SearchPage page;
  auto seq = CurrentSequence(txn, org_id);
  if (!seq.ok()) return seq.status();
  page.processed_sequence = *seq;
  // Names only first: values are decoded just for the requested page.
  auto names = storage::LiveNames(txn, storage::NamespacePrefix(org_id, kMetaNs));
  if (!names.ok()) return names.status();
  std::vector<std::string> matches;
  for (auto& name : *names) {
    if (MatchesAll(request.filters, name)) matches.push_back(std::move(name));
  }
  if (!request.asc) std::reverse(matches.begin(), matches.end());
  page.total = matches.size();
  if (request.offset >= matches.size()) return page;
  const size_t begin = static_cast<size_t>(request.offset);
  const size_t end = std::min(matches.size(), begin + request.limit);
  for (size_t i = begin; i < end; ++i) {
    auto entry = GetEntry(txn, org_id, matches[i]);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) continue;  // same snapshot: cannot vanish; be safe anyway
    page.entries.push_back({std::move(matches[i]), std::move(**entry)});
  }
  return page;
}

}  // namespace meridian::api::zitadel
