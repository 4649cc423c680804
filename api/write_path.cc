// Commit and consistency waits as coroutines (see write_path.h).
#include "api/write_path.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <memory>
#include <string>

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

// Waits until write (origin, seq) satisfies `level` or `deadline`; this node's own log through
// the gate's durable positions, another origin's through what the gate knows of it.
asio::awaitable<bool> AwaitWrite(const ApiContext& ctx, const std::string& origin, uint64_t seq,
                                 replication::ConsistencyLevel level,
                                 std::chrono::steady_clock::time_point deadline) {
  const bool own = origin == ctx.store->origin_id();
  // Named, not a temporary inside the co_await: GCC 12 may destroy such temporaries twice.
  auto arm_gate = [&](std::function<void()> fire) {
    auto id = own ? ctx.gate->Wait(seq, level, std::move(fire))
                  : ctx.gate->WaitRemote(origin, seq, level, std::move(fire));
    return std::function<bool()>([gate = ctx.gate, id] { return id != 0 && gate->Cancel(id); });
  };
  co_return co_await WaitFor(deadline, arm_gate);
}

}  // namespace

asio::awaitable<WriteResult> CommitAndWait(const ApiContext& ctx, storage::WriteBatch batch,
                                           WriteConsistency consistency) {
  if (ctx.writes_paused != nullptr && ctx.writes_paused->load()) {
    co_return WriteResult{
        Status::Unavailable("the node is drained and accepts no writes; use another region"),
        {},
        {}};
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
  WriteResult out;
  if (!state->result.ok()) {
    out.status = state->result.status();
    co_return out;
  }
  const storage::CommitInfo& info = *state->result;
  out.commit = info;
  const std::string& self = ctx.store->origin_id();
  // What the answer rests on: the write itself (its seq implies every earlier own write) and
  // the writes that set the keys it left unchanged. A batch that changed nothing and found
  // nothing rests on nothing.
  std::map<std::string, uint64_t> rests_on = info.observed;
  if (info.logged) rests_on[self] = info.seq;
  const auto wait_started = std::chrono::steady_clock::now();
  for (const auto& [origin, seq] : rests_on) {
    if (!co_await AwaitWrite(ctx, origin, seq, consistency.level, deadline)) {
      ctx.metrics->consistency_timeouts.fetch_add(1, std::memory_order_relaxed);
      out.status = Status::Timeout(
          "the requested consistency level was not reached in time; the write is kept and will "
          "still be replicated");
      break;
    }
  }
  if (!rests_on.empty()) {
    ctx.metrics->ObserveConsistencyWait(
        consistency.level == replication::ConsistencyLevel::kAllRegions, out.status.ok(),
        wait_started);
  }
  out.token.assign(rests_on.begin(), rests_on.end());
  if (out.token.empty()) out.token.emplace_back(self, info.seq);
  co_return out;
}

asio::awaitable<Status> AwaitMinCommitToken(const ApiContext& ctx, const Request& req) {
  auto it = req.find(kMinCommitTokenHeader);
  if (it == req.end()) co_return Status::Ok();
  auto token = ParseCommitToken(it->value());
  if (!token.ok()) co_return token.status();
  auto timeout = ParseConsistencyTimeout(req);
  if (!timeout.ok()) co_return timeout.status();
  const auto deadline = std::chrono::steady_clock::now() + *timeout;
  for (const auto& entry : *token) {
    // Named copies: clang before 16 cannot capture structured bindings in a lambda.
    const auto& origin = entry.first;
    const auto seq = entry.second;
    if (ctx.store->applied().Get(origin) >= seq) continue;
    auto arm_applied = [&](std::function<void()> fire) {
      auto id = ctx.store->applied().Wait(origin, seq, std::move(fire));
      return std::function<bool()>(
          [store = ctx.store, id] { return id != 0 && store->applied().Cancel(id); });
    };
    bool reached = co_await WaitFor(deadline, arm_applied);
    if (!reached) {
      co_return Status::Timeout(
          "this node has not yet applied the Meridian-Min-Commit-Token; nothing was done");
    }
  }
  co_return Status::Ok();
}

}  // namespace meridian::api
