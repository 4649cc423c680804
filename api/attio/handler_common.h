// What every Attio handler shares: body parsing, the `{"data": ...}` answer, and committing a
// batch. Internal to api/attio/. Stateless; thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>

#include "api/api_context.h"
#include "api/attio/attribute_model.h"
#include "api/auth.h"
#include "api/pipeline.h"
#include "storage/write_batch.h"

namespace meridian::api::attio {

// The request body as JSON; 400 validation_type if it is not JSON, or holds a number that
// would not be echoed exactly as written (json_util.h CheckNumbersExact).
Result<boost::json::value> ParseBody(const Call& call);

// 200 {"data": <data>}, numbers as the client wrote them (SerializeExact).
Response DataResponse(const boost::json::value& data);

// Commits `batch` at the resolved consistency (408 if not reached in time: the error then also
// carries "data": body(), as the write is kept), then answers 200 {"data": body()}; the commit
// token goes on either. `body` runs after the commit, so it may read what the batch's
// precondition produced.
boost::asio::awaitable<Reply> CommitAndAnswer(const ApiContext& ctx, Resolved& r,
                                              storage::WriteBatch batch,
                                              std::function<boost::json::value()> body);

// CommitAndAnswer answering `outcome->body`, which the batch's precondition fills in.
template <typename Outcome>
boost::asio::awaitable<Reply> CommitOutcome(const ApiContext& ctx, Resolved& r,
                                            storage::WriteBatch batch,
                                            const std::shared_ptr<Outcome>& outcome) {
  // Named, not a temporary inside the co_await expression: g++ 12 may destroy such temporaries
  // twice (a lambda's captured shared_ptr then loses a reference too many).
  std::function<boost::json::value()> body = [outcome] {
    return boost::json::value(outcome->body);
  };
  Reply reply = co_await CommitAndAnswer(ctx, r, std::move(batch), std::move(body));
  co_return reply;
}

// The `{target}` path parameter (params[0]): 404 not_found unless objects or lists.
Result<Target> TargetOf(const Call& call);
// The `show_archived` query parameter: absent or false, true; 400 otherwise.
Result<bool> ShowArchived(const Call& call);

// The current wall-clock time as RFC 3339 with milliseconds.
std::string NowRfc3339();

// The routes of attributes_api.cc, choices_api.cc and objects_api.cc.
std::vector<Route> AttributeRoutes();
std::vector<Route> ChoiceRoutes();
std::vector<Route> ObjectAndListRoutes();

}  // namespace meridian::api::attio
