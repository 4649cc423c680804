// Store opening and identity check (see store.h).
#include "storage/store.h"

#include "storage/keys.h"

namespace meridian::storage {

Result<std::unique_ptr<Store>> Store::Open(StoreOptions options) {
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
    if (!owner->has_value()) {
      MERIDIAN_RETURN_IF_ERROR(txn->Put(Db::kMeta, "node_id", options.node_id));
      MERIDIAN_RETURN_IF_ERROR(txn->Commit());
    }
  }
  store->writer_ = std::make_unique<Writer>(store->env_.get(), &store->applied_, options.node_id,
                                            last_seq, Hlc(hlc), std::move(options.writer));
  return store;
}

Store::~Store() {
  if (writer_) writer_->Stop();
}

}  // namespace meridian::storage
