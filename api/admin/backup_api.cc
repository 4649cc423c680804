// Hot backup endpoint (see backup_api.h).
#include "api/admin/backup_api.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "storage/backup.h"

namespace meridian::api::admin {
namespace asio = boost::asio;
namespace {

using Bytes = std::shared_ptr<Result<std::string>>;

// Makes the backup file in the temp folder and reads it back; blocking, so run off-thread.
Result<std::string> MakeBackup(const ApiContext& ctx) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("meridian-backup-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  auto made = storage::WriteBackupFile(*ctx.store, ctx.node_id, path.string());
  if (!made.ok()) return made.status();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  if (!in) return Status::IOError("reading the backup file back failed");
  return std::move(body).str();
}

// Runs MakeBackup on a new thread; resumes the caller on its own executor when done.
asio::awaitable<Bytes> MakeBackupOffThread(const ApiContext& ctx) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Bytes)>(
      [&ctx](auto handler) {
        std::thread([&ctx, handler = std::move(handler)]() mutable {
          auto bytes = std::make_shared<Result<std::string>>(MakeBackup(ctx));
          auto ex = asio::get_associated_executor(handler);
          asio::post(
              ex, [handler = std::move(handler), bytes]() mutable { std::move(handler)(bytes); });
        }).detach();
      },
      asio::use_awaitable);
}

asio::awaitable<Reply> Backup(const ApiContext& ctx, Call&, Resolved& r) {
  r.txn.reset();  // the copy takes its own snapshot, off this thread
  Bytes bytes = co_await MakeBackupOffThread(ctx);
  if (!bytes->ok()) co_return bytes->status();
  co_return MakeResponse(http::status::ok, std::move(**bytes), "application/octet-stream");
}

}  // namespace

std::vector<Route> BackupRoutes() {
  return {{http::verb::get, "/admin/v1/backup", kScopeAdmin, OrgFrom::kNone, false, Backup}};
}

}  // namespace meridian::api::admin
