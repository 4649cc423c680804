// Hot backup endpoint (see backup_api.h).
#include "api/admin/backup_api.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>

#include "api/admin/ops_worker.h"
#include "storage/backup.h"

namespace meridian::api::admin {
namespace {

// Makes the backup file in the temp folder and reads it back; blocking, so run off-thread.
Result<std::string> MakeBackup(const ApiContext& ctx) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("meridian-backup-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  auto made = storage::WriteBackupFile(*ctx.store, ctx.node_id, path.string());
  if (!made.ok()) return made.status();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::string body;
  if (!ec) {
    body.resize(size);  // one buffer: the response takes it as is
    std::ifstream in(path, std::ios::binary);
    in.read(body.data(), static_cast<std::streamsize>(size));
    if (!in) ec = std::make_error_code(std::errc::io_error);
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  if (ec) return Status::IOError("reading the backup file back failed: " + ec.message());
  return body;
}

boost::asio::awaitable<Reply> Backup(const ApiContext& ctx, Call&, Resolved& r) {
  r.txn.reset();  // the copy takes its own snapshot, on the node's operator thread
  if (ctx.ops_worker == nullptr) co_return Status::Unavailable("backups are not wired here");
  std::function<Result<std::string>()> job = [&ctx] { return MakeBackup(ctx); };
  auto bytes = co_await ctx.ops_worker->Run(std::move(job));
  if (!bytes->ok()) co_return bytes->status();
  co_return MakeResponse(http::status::ok, std::move(**bytes), "application/octet-stream");
}

}  // namespace

std::vector<Route> BackupRoutes() {
  return {{http::verb::get, "/admin/v1/backup", kScopeAdmin, OrgFrom::kNone, false, Backup}};
}

}  // namespace meridian::api::admin
