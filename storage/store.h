// Store: one node's storage, opened from a data directory. Owns the LMDB environment, the
// applied-position index and the single writer; checks that the directory belongs to this node.
// Thread-safe: reads from any thread through short read transactions, writes through Submit.
#pragma once

#include <memory>
#include <string>

#include "storage/applied_index.h"
#include "storage/lmdb_env.h"
#include "storage/writer.h"

namespace meridian::storage {

struct StoreOptions {
  std::string dir;
  std::string node_id;
  uint64_t map_size_bytes = uint64_t{64} << 30;
  WriterOptions writer;
};

class Store {
 public:
  // Fails with InvalidArgument if `dir` holds another node's data.
  static Result<std::unique_ptr<Store>> Open(StoreOptions options);
  ~Store();

  Result<ReadTxn> Read() const { return env_->BeginRead(); }
  // See Writer::Submit.
  void Submit(WriteBatch batch, CommitCallback done) {
    writer_->Submit(std::move(batch), std::move(done));
  }
  // Commits what is queued and stops accepting writes. Idempotent.
  void Stop() { writer_->Stop(); }

  const std::string& node_id() const { return node_id_; }
  // This data directory's incarnation of the node: the name of its log, its commit tokens and
  // its records' origin. Created with the directory, so a wiped node starts a new log.
  const std::string& origin_id() const { return origin_id_; }
  AppliedIndex& applied() { return applied_; }
  Writer& writer() { return *writer_; }
  const Env& env() const { return *env_; }

 private:
  Store() = default;
  std::string node_id_;
  std::string origin_id_;
  std::unique_ptr<Env> env_;
  AppliedIndex applied_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace meridian::storage
