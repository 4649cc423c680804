// Hot backup endpoint (see backup_api.h).
#include "api/admin/backup_api.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include "api/admin/ops_worker.h"
#include "api/router.h"
#include "storage/backup.h"

namespace meridian::api::admin {
namespace {

// The backup file's bytes: the head lines from memory, then the copy's data, each piece read
// on the operator thread into a buffer of the job's own (the session may end meanwhile).
class BackupBody : public BodySource {
 public:
  BackupBody(OpsWorker* worker, std::shared_ptr<const storage::BackupCopy> copy)
      : worker_(worker), copy_(std::move(copy)), head_(copy_->Head()) {}

  uint64_t length() const { return head_.size() + copy_->manifest().data_bytes; }

  boost::asio::awaitable<Result<size_t>> Read(char* out, size_t room) override {
    if (head_sent_ < head_.size()) {
      const size_t n = std::min(room, head_.size() - head_sent_);
      std::memcpy(out, head_.data() + head_sent_, n);
      head_sent_ += n;
      co_return n;
    }
    std::function<Result<std::string>()> job = [copy = copy_, offset = data_sent_, room] {
      return ReadPiece(*copy, offset, room);
    };
    auto piece = co_await worker_->Run(std::move(job));
    if (!piece->ok()) co_return piece->status();
    std::memcpy(out, (*piece)->data(), (*piece)->size());
    data_sent_ += (*piece)->size();
    co_return (*piece)->size();
  }

 private:
  static Result<std::string> ReadPiece(const storage::BackupCopy& copy, uint64_t offset,
                                       size_t room) {
    std::string piece(room, '\0');
    auto got = copy.ReadData(offset, piece.data(), piece.size());
    if (!got.ok()) return got.status();
    piece.resize(*got);
    return piece;
  }

  OpsWorker* worker_;
  std::shared_ptr<const storage::BackupCopy> copy_;
  const std::string head_;
  size_t head_sent_ = 0;
  uint64_t data_sent_ = 0;
};

boost::asio::awaitable<Reply> Backup(const ApiContext& ctx, Call& call, Resolved& r) {
  r.txn.reset();  // the copy takes its own snapshot, on the node's operator thread
  if (ctx.ops_worker == nullptr) co_return Status::Unavailable("backups are not wired here");
  std::function<Result<std::shared_ptr<storage::BackupCopy>>()> job = [&ctx] {
    std::error_code ec;
    std::string scratch = std::filesystem::temp_directory_path(ec).string();
    if (ec) scratch = "/tmp";
    return storage::MakeBackupCopy(*ctx.store, ctx.node_id, scratch);
  };
  auto copy = co_await ctx.ops_worker->Run(std::move(job));
  if (!copy->ok()) co_return copy->status();
  auto body = std::make_shared<BackupBody>(ctx.ops_worker, std::move(**copy));
  const uint64_t length = body->length();
  co_return StreamedResponse(call, http::status::ok, "application/octet-stream", length,
                             std::move(body));
}

}  // namespace

std::vector<Route> BackupRoutes() {
  return {{http::verb::get, "/admin/v1/backup", kScopeAdmin, OrgFrom::kNone, false, Backup}};
}

}  // namespace meridian::api::admin
