// The one write path of every dialect: submit a batch to the group-commit writer without
// blocking the I/O thread, then wait for the requested consistency level under the request's
// own timer (408 = Status Timeout; the write is kept). Also the read-side wait for a
// Meridian-Min-Commit-Token. Coroutines run on the calling session's executor.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/api_context.h"
#include "api/consistency.h"
#include "storage/write_batch.h"

namespace meridian::api {

// Commits `batch` (fsync'd when this returns OK) and waits for `consistency`. Errors: the
// batch's precondition Status; ResourceExhausted (map full); Unavailable (shutting down, drained,
// or a failed store); Timeout (committed, level not reached in time).
boost::asio::awaitable<Result<storage::CommitInfo>> CommitAndWait(
    const ApiContext& ctx, storage::WriteBatch batch, WriteConsistency consistency);

// OK at once without a Meridian-Min-Commit-Token header; otherwise waits until this node has
// applied every (origin, seq) of the token: InvalidArgument if malformed, Timeout after the
// request's consistency timeout.
boost::asio::awaitable<Status> AwaitMinCommitToken(const ApiContext& ctx, const Request& req);

// Adds Meridian-Commit-Token for a committed write.
void SetCommitToken(Response& res, const ApiContext& ctx, const storage::CommitInfo& info);

}  // namespace meridian::api
