// What every Attio handler shares: caller and organization resolution, body parsing, the
// `{"data": ...}` answer, and committing a batch with the consistency headers and the commit
// token. Internal to api/attio/. Stateless; thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <functional>
#include <string>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/rate_limit.h"
#include "api/router.h"
#include "storage/write_batch.h"

namespace meridian::api::attio {

struct Caller {
  Principal who;
  std::string org_id;
};

// Authenticates the key (401) and checks it may act with `scope` (read for GETs, schema for
// writes) on the organization: the key's own, or the one SlashID-OrgID names (403 for another
// organization; the operator key must name an existing one).
Result<Caller> AuthorizeCall(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                             uint8_t scope);

// The request body as JSON; 400 validation_type if it is not JSON.
Result<boost::json::value> ParseBody(const Call& call);

// 200 {"data": <data>}.
Response DataResponse(const boost::json::value& data);
// The Attio error response of `status`.
Response Error(const Call& call, const Status& status);

// Commits `batch` honouring the consistency headers (400 if malformed, 408 if not reached in
// time: the error then also carries "data": body(), as the write is kept), then answers 200
// {"data": body()} with Meridian-Commit-Token (on the 408 too). `body` runs after the
// commit, so it may read what the batch's precondition produced.
boost::asio::awaitable<Response> CommitAndAnswer(const ApiContext& ctx, const Call& call,
                                                 storage::WriteBatch batch,
                                                 std::function<boost::json::value()> body);

// Refuses a caller that may not act with `scope` at once, then waits for the request's
// Meridian-Min-Commit-Token (api/write_path.h). Every handler starts with it.
boost::asio::awaitable<Status> AuthorizeThenAwaitToken(const ApiContext& ctx, const Call& call,
                                                       uint8_t scope);

// The current wall-clock time as RFC 3339 with milliseconds.
std::string NowRfc3339();

void RegisterAttributeRoutes(RateLimitedRoutes& router, const ApiContext& ctx);
void RegisterObjectAndListRoutes(RateLimitedRoutes& router, const ApiContext& ctx);

}  // namespace meridian::api::attio
