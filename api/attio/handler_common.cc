// Shared pieces of the Attio handlers (see handler_common.h), and route registration.
#include "api/attio/handler_common.h"

#include <chrono>

#include "api/attio/attio_api.h"
#include "api/attio/errors.h"
#include "api/json_util.h"
#include "api/write_path.h"

namespace meridian::api::attio {
namespace json = boost::json;
namespace asio = boost::asio;

Result<Caller> AuthorizeCall(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                             uint8_t scope) {
  auto who = ctx.auth->Authenticate(call.req, txn);
  if (!who.ok()) return who.status();
  Caller caller{*who, {}};
  if (auto header = call.req.find(kOrgHeader);
      header != call.req.end() && !header->value().empty()) {
    caller.org_id = std::string(header->value());
  } else if (who->operator_admin) {
    return Invalid("the operator key must name the organization in the SlashID-OrgID header");
  } else {
    caller.org_id = who->org_id;
  }
  Status allowed = ctx.auth->Authorize(*who, caller.org_id, scope, txn);
  if (allowed.IsPermissionDenied() && who->org_id == caller.org_id) {
    return Status::PermissionDenied(scope == kScopeSchema
                                        ? "the API key lacks the schema scope needed for writes"
                                        : "the API key lacks the read scope");
  }
  if (allowed.IsNotFound()) return NotFoundError("organization not found");
  MERIDIAN_RETURN_IF_ERROR(allowed);
  return caller;
}

Result<json::value> ParseBody(const Call& call) {
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) return Invalid(body.status().message());
  return std::move(*body);
}

Response DataResponse(const json::value& data) {
  return MakeResponse(http::status::ok, json::serialize(json::object{{"data", data}}));
}

Response Error(const Call& call, const Status& status) {
  return ErrorFromStatus(status, call.request_id);
}

asio::awaitable<Response> CommitAndAnswer(const ApiContext& ctx, const Call& call,
                                          storage::WriteBatch batch,
                                          std::function<json::value()> body) {
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) co_return Error(call, Invalid(consistency.status().message()));
  auto committed = co_await CommitAndWait(ctx, std::move(batch), *consistency);
  if (committed.status.IsTimeout()) {
    // Kept: the error also carries what was written (for a create, its new id) in `data`.
    co_return WithCommitToken(WithErrorField(Error(call, committed.status), "data", body()),
                              committed);
  }
  if (!committed.ok()) co_return Error(call, committed.status);
  Response res = DataResponse(body());
  SetCommitToken(res, committed);
  co_return res;
}

asio::awaitable<Status> AuthorizeThenAwaitToken(const ApiContext& ctx, const Call& call,
                                                uint8_t scope) {
  // The hot path (no token) allocates nothing.
  if (call.req.find(kMinCommitTokenHeader) == call.req.end()) co_return Status::Ok();
  const AuthorizeFn authorize = [&](const storage::Txn& txn) {
    return AuthorizeCall(ctx, call, txn, scope).status();
  };
  co_return co_await api::AuthorizeThenAwaitToken(ctx, call.req, authorize);
}

std::string NowRfc3339() {
  using namespace std::chrono;
  return Rfc3339(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

void RegisterRoutes(Router& router, const ApiContext& ctx) {
  router.SetErrorFormat("/v2", ErrorResponse);
  // Every route counts against the "attio" rate-limit group (off unless configured).
  RateLimitedRoutes routes(router, ctx, RateLimitGroup::kAttio, ErrorResponse);
  RegisterObjectAndListRoutes(routes, ctx);
  RegisterAttributeRoutes(routes, ctx);
}

}  // namespace meridian::api::attio
