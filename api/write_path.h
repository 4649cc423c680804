// The one write path of every dialect: submit a batch to the group-commit writer without
// blocking the I/O thread, then wait for the requested consistency level under the request's
// own timer (408 = Status Timeout; the write is kept). Also the wait for a
// Meridian-Min-Commit-Token, which the pipeline (api/pipeline.h) runs for every route after
// authorization and before the handler reads. Coroutines run on the calling session's executor.
// REQUIRES: that executor is a strand (or runs on one thread). The writer's and the gate's
// callbacks post the wake-up to it, and the coroutine tests its flag and arms its timer without
// a lock; on a plain multi-threaded executor the post can land between the two and the wake-up
// is lost (the call then hangs until its client gives up).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>

#include "api/api_context.h"
#include "api/consistency.h"
#include "storage/write_batch.h"

namespace meridian::api {

// The outcome of CommitAndWait.
struct WriteResult {
  // OK; Timeout: committed (fsync'd, kept, still replicating) but the level was not reached in
  // time; anything else: nothing was committed (the batch's precondition Status,
  // ResourceExhausted for a full map, Unavailable when shutting down, drained
  // or after a store failure).
  Status status;
  std::optional<storage::CommitInfo> commit;  // set when committed (OK or Timeout)
  // The answer's Meridian-Commit-Token: this write, plus the writes it found and rests on (for a
  // batch that changed nothing, only those). Empty when nothing was committed.
  CommitToken token;
  bool ok() const { return status.ok(); }
};

// Commits `batch` and waits until what the answer rests on has reached `consistency`: the new
// write, and the writes that set the keys it found unchanged (CommitInfo::observed), so a
// retried delete or an update that changes nothing is not confirmed before the state it found
// has travelled as far as asked.
boost::asio::awaitable<WriteResult> CommitAndWait(const ApiContext& ctx, storage::WriteBatch batch,
                                                  WriteConsistency consistency);

// OK at once without a Meridian-Min-Commit-Token header; otherwise waits until this node has
// applied every (origin, seq) of the token: InvalidArgument if malformed, Timeout after the
// request's consistency timeout.
boost::asio::awaitable<Status> AwaitMinCommitToken(const ApiContext& ctx, const Request& req);

}  // namespace meridian::api
