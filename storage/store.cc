// Store opening and identity check (see store.h).
#include "storage/store.h"

#include <cstdio>
#include <random>

#include "storage/keys.h"
#include "storage/records.h"
#include "storage/replica.h"

namespace meridian::storage {
namespace {

// A fresh incarnation id: a wiped data dir gets a new one, so its new log never collides with
// sequence numbers peers already applied from the old one.
std::string NewOriginId(const std::string& node_id) {
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rd()));
  return node_id + "." + suffix;
}

// Present once every tombstone of the data database is in Db::kTombstones.
constexpr std::string_view kMetaTombstoneIndex = "tombstone_index";

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(StoreOptions options) {
  if (MaxKeyBytes() < kMaxStorageKeyBytes) {  // the dialects' key budget would not fit
    return Status::Internal("liblmdb holds keys of at most " + std::to_string(MaxKeyBytes()) +
                            " bytes; Meridian needs " + std::to_string(kMaxStorageKeyBytes));
  }
  auto env = Env::Open({options.dir, options.map_size_bytes});
  if (!env.ok()) return env.status();
  std::unique_ptr<Store> store(new Store());
  store->node_id_ = options.node_id;
  store->env_ = std::move(*env);

  uint64_t last_seq = 0, hlc = 0;
  {
    auto txn = store->env_->BeginWrite();
    if (!txn.ok()) return txn.status();
    auto owner = txn->Get(Db::kMeta, "node_id");
    if (!owner.ok()) return owner.status();
    if (owner->has_value() && **owner != options.node_id) {
      return Status::InvalidArgument("data dir " + options.dir + " belongs to node " +
                                     std::string(**owner) + ", not " + options.node_id);
    }
    if (auto v = txn->Get(Db::kMeta, kMetaLastSeq); v.ok() && v->has_value()) {
      last_seq = DecodeFixed64(**v);
    }
    if (auto v = txn->Get(Db::kMeta, kMetaHlc); v.ok() && v->has_value()) {
      hlc = DecodeFixed64(**v);
    }
    auto origin = txn->Get(Db::kMeta, "origin_id");
    if (!origin.ok()) return origin.status();
    store->origin_id_ = origin->has_value() ? std::string(**origin) : NewOriginId(options.node_id);
    auto applied = AppliedPositions(*txn);
    if (!applied.ok()) return applied.status();
    for (const auto& [from, seq] : *applied) store->applied_.Advance(from, seq);
    bool changed = false;
    if (!owner->has_value() || !origin->has_value()) {
      MERIDIAN_RETURN_IF_ERROR(txn->Put(Db::kMeta, "node_id", options.node_id));
      MERIDIAN_RETURN_IF_ERROR(txn->Put(Db::kMeta, "origin_id", store->origin_id_));
      changed = true;
    }
    // A data directory written before the tombstone index existed gets it built once.
    auto indexed = txn->Get(Db::kMeta, kMetaTombstoneIndex);
    if (!indexed.ok()) return indexed.status();
    if (!indexed->has_value()) {
      size_t count = 0;
      MERIDIAN_RETURN_IF_ERROR(IndexAllTombstones(*txn, count));
      MERIDIAN_RETURN_IF_ERROR(txn->Put(Db::kMeta, kMetaTombstoneIndex, "1"));
      changed = true;
    }
    if (changed) MERIDIAN_RETURN_IF_ERROR(txn->Commit());
  }
  store->writer_ = std::make_unique<Writer>(store->env_.get(), &store->applied_, store->origin_id_,
                                            last_seq, Hlc(hlc), std::move(options.writer));
  return store;
}

Store::~Store() {
  if (writer_) writer_->Stop();
}

}  // namespace meridian::storage
