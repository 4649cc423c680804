// Shared pieces of the Attio handlers (see handler_common.h), and route registration.
#include "api/attio/handler_common.h"

#include <chrono>

#include "api/attio/attio_api.h"
#include "api/attio/errors.h"
#include "api/http.h"
#include "api/json_util.h"
#include "api/write_path.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace asio = boost::asio;

Result<json::value> ParseBody(const Call& call) {
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) return Invalid(body.status().message());
  // Values are kept parsed: a number is accepted only if it comes back as written.
  if (Status exact = CheckNumbersExact(call.req.body()); !exact.ok())
    return Invalid(exact.message());
  return std::move(*body);
}

Response DataResponse(const json::value& data) {
  return MakeResponse(http::status::ok, SerializeExact(json::object{{"data", data}}));
}

asio::awaitable<Reply> CommitAndAnswer(const ApiContext& ctx, Resolved& r,
                                       storage::WriteBatch batch,
                                       std::function<json::value()> body) {
  r.txn.reset();
  auto committed = co_await CommitAndWait(ctx, std::move(batch), r.consistency);
  if (committed.ok()) co_return Committed(committed, DataResponse(body()));
  Reply kept = Committed(committed, Response());
  // Kept: the error also carries what was written (for a create, its new id) in `data`.
  if (committed.status.IsTimeout()) kept.error_fields["data"] = body();
  co_return kept;
}

Result<Target> TargetOf(const Call& call) {
  auto target = ParseTarget(call.params[0]);
  if (!target) {
    return NotFoundError("unknown target \"" + call.params[0] + "\": use objects or lists");
  }
  return *target;
}

Result<bool> ShowArchived(const Call& call) {
  auto raw = QueryParam(call.query, "show_archived");
  if (!raw || *raw == "false") return false;
  if (*raw == "true") return true;
  return Invalid("show_archived must be true or false");
}

std::string NowRfc3339() {
  using namespace std::chrono;
  return Rfc3339(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

const Dialect& AttioDialect() {
  static const Dialect dialect = [] {
    Dialect d;
    d.prefixes = {"/v2"};
    d.encode = ErrorResponse;
    d.limit_group = RateLimitGroup::kAttio;
    d.routes = ObjectAndListRoutes();
    for (Route& route : AttributeRoutes()) d.routes.push_back(std::move(route));
    for (Route& route : ChoiceRoutes()) d.routes.push_back(std::move(route));
    return d;
  }();
  return dialect;
}

}  // namespace meridian::api::attio
