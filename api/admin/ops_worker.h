// OpsWorker: the thread the node owns for long operator jobs (digests for verify, backups), so
// they never run on an I/O thread. Jobs run one at a time in submission order; the destructor
// finishes the running job and joins the thread (the node destroys it after its I/O threads
// stopped). Thread-safe.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>

namespace meridian::api::admin {

class OpsWorker {
 public:
  OpsWorker() : pool_(1) {}
  ~OpsWorker() { pool_.join(); }
  OpsWorker(const OpsWorker&) = delete;
  OpsWorker& operator=(const OpsWorker&) = delete;

  // Runs `job` on the worker thread and resumes the caller on its own executor with the result.
  // Not a coroutine itself (no temporaries live across a suspension); callers keep `job` in a
  // named variable for the same reason.
  template <typename T>
  boost::asio::awaitable<std::shared_ptr<T>> Run(std::function<T()> job) {
    namespace asio = boost::asio;
    return asio::async_initiate<decltype(asio::use_awaitable), void(std::shared_ptr<T>)>(
        [this](auto handler, std::function<T()> work) {
          asio::post(pool_, [work = std::move(work), handler = std::move(handler)]() mutable {
            auto value = std::make_shared<T>(work());
            work = nullptr;  // released here, before the caller resumes
            auto ex = asio::get_associated_executor(handler);
            asio::post(
                ex, [handler = std::move(handler), value]() mutable { std::move(handler)(value); });
          });
        },
        asio::use_awaitable, std::move(job));
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace meridian::api::admin
