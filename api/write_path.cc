// Commit and consistency waits as coroutines (see write_path.h).
#include "api/write_path.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace meridian::api {
namespace asio = boost::asio;
namespace {

// State shared between a coroutine and a callback fired on another thread. The callback posts
// to the coroutine's executor, so `done`/`result` are only touched there.
struct Rendezvous {
  explicit Rendezvous(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  bool done = false;
  Result<storage::CommitInfo> result = Status::Internal("no commit result");
};

// Waits until `fire` (called once from any thread) or `deadline`. `start` registers the
// callback and returns a cancel function used if the deadline comes first. True if fired.
asio::awaitable<bool> WaitFor(
    std::chrono::steady_clock::time_point deadline,
    const std::function<std::function<bool()>(std::function<void()> fire)>& start) {
  auto state = std::make_shared<Rendezvous>(co_await asio::this_coro::executor);
  state->timer.expires_at(deadline);
  auto ex = state->timer.get_executor();
  std::function<bool()> cancel = start([state, ex] {
    asio::post(ex, [state] {
      state->done = true;
      state->timer.cancel();
    });
  });
  if (!state->done) {
    co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!state->done && cancel && !cancel()) {
    // The callback won the race with the timer: its post is queued; let it run.
    state->timer.expires_at(std::chrono::steady_clock::time_point::max());
    if (!state->done) co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return state->done;
}

}  // namespace

asio::awaitable<Result<storage::CommitInfo>> CommitAndWait(const ApiContext& ctx,
                                                           storage::WriteBatch batch,
                                                           WriteConsistency consistency) {
  if (ctx.writes_paused != nullptr && ctx.writes_paused->load()) {
    co_return Status::Unavailable("the node is drained and accepts no writes; use another region");
  }
  const auto deadline = std::chrono::steady_clock::now() + consistency.timeout;
  auto state = std::make_shared<Rendezvous>(co_await asio::this_coro::executor);
  state->timer.expires_at(std::chrono::steady_clock::time_point::max());
  auto ex = state->timer.get_executor();
  // The commit itself is not bounded by the consistency timeout: 2xx must mean fsync'd, and a
  // queued write cannot be withdrawn, so the answer waits for the writer.
  ctx.store->Submit(std::move(batch), [state, ex](Result<storage::CommitInfo> r) {
    asio::post(ex, [state, r = std::move(r)]() mutable {
      state->result = std::move(r);
      state->done = true;
      state->timer.cancel();
    });
  });
  while (!state->done) co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!state->result.ok() || !state->result->logged) co_return state->result;

  const uint64_t seq = state->result->seq;
  // Named, not a temporary inside the co_await: GCC 12 may destroy such temporaries twice.
  auto arm_gate = [&](std::function<void()> fire) {
    auto id = ctx.gate->Wait(seq, consistency.level, std::move(fire));
    return std::function<bool()>([gate = ctx.gate, id] { return id != 0 && gate->Cancel(id); });
  };
  bool reached = co_await WaitFor(deadline, arm_gate);
  if (!reached) {
    ctx.metrics->consistency_timeouts.fetch_add(1, std::memory_order_relaxed);
    co_return Status::Timeout(
        "the requested consistency level was not reached in time; the write is kept and will "
        "still be replicated");
  }
  co_return state->result;
}

asio::awaitable<Status> AwaitMinCommitToken(const ApiContext& ctx, const Request& req) {
  auto it = req.find(kMinCommitTokenHeader);
  if (it == req.end()) co_return Status::Ok();
  auto token = ParseCommitToken(it->value());
  if (!token.ok()) co_return token.status();
  auto timeout = ParseConsistencyTimeout(req);
  if (!timeout.ok()) co_return timeout.status();
  const auto deadline = std::chrono::steady_clock::now() + *timeout;
  for (const auto& [origin, seq] : *token) {
    if (ctx.store->applied().Get(origin) >= seq) continue;
    auto arm_applied = [&](std::function<void()> fire) {
      auto id = ctx.store->applied().Wait(origin, seq, std::move(fire));
      return std::function<bool()>(
          [store = ctx.store, id] { return id != 0 && store->applied().Cancel(id); });
    };
    bool reached = co_await WaitFor(deadline, arm_applied);
    if (!reached) co_return Status::Timeout("this node has not yet applied the commit token");
  }
  co_return Status::Ok();
}

void SetCommitToken(Response& res, const ApiContext& ctx, const storage::CommitInfo& info) {
  res.set(kCommitTokenHeader, FormatCommitToken({{ctx.store->origin_id(), info.seq}}));
}

}  // namespace meridian::api
