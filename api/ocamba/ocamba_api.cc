// Ocamba Hood profile-property handlers (see ocamba_api.h). Every handler runs through Run:
// authentication, the rate limit, organization resolution, then the handler, whose answer
// gets the X-RateLimit-* headers.
#include "api/ocamba/ocamba_api.h"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

#include "api/json_util.h"
#include "api/ocamba/property.h"
#include "api/ocamba/property_list.h"
#include "api/rate_limit.h"
#include "api/write_path.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::ocamba {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

// Built once, so a rate-limit check that is off allocates nothing.
const ErrorFormatter kFormat = ErrorResponse;

struct Caller {
  std::string org_id;
  std::optional<RateLimitDecision> limit;
};

Response Error(const Call& call, const Status& st) {
  return ErrorResponse(HttpStatusOf(st), PublicMessage(st), call.request_id);
}

// The key's own organization, or the one SlashID-OrgID names (which the key must be allowed).
Result<std::string> ResolveOrg(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                               const Principal& who, uint8_t scope) {
  std::string org_id = who.org_id;
  if (auto h = call.req.find("SlashID-OrgID"); h != call.req.end() && !h->value().empty()) {
    org_id = std::string(h->value());
  } else if (who.operator_admin) {
    return Status::InvalidArgument("the operator key must name the organization in SlashID-OrgID");
  }
  Status allowed = ctx.auth->Authorize(who, org_id, scope, txn);
  if (allowed.IsPermissionDenied() && who.org_id == org_id) {
    return Status::PermissionDenied(scope == kScopeWrite ? "the API key lacks the write scope"
                                                         : "the API key lacks the read scope");
  }
  MERIDIAN_RETURN_IF_ERROR(allowed);
  return org_id;
}

using Inner = asio::awaitable<Response> (*)(const ApiContext&, Call&, const Caller&);

asio::awaitable<Response> Run(const ApiContext* ctx, Call& call, uint8_t scope, Inner inner) {
  Caller caller;
  {
    auto txn = ctx->store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto who = ctx->auth->Authenticate(call.req, *txn);
    if (!who.ok()) co_return Error(call, who.status());
    // Counted before authorization: a key that keeps knocking at a foreign organization is
    // limited like any other.
    const std::string key_id = who->key_id.empty() ? std::string("operator") : who->key_id;
    if (auto refused = CheckRateLimit(*ctx, RateLimitGroup::kOcamba, key_id, kFormat,
                                      call.request_id, caller.limit)) {
      co_return std::move(*refused);
    }
    auto org_id = ResolveOrg(*ctx, call, *txn, *who, scope);
    if (!org_id.ok()) {
      Response res = Error(call, org_id.status());
      AddRateLimitHeaders(res, caller.limit);
      co_return res;
    }
    caller.org_id = std::move(*org_id);
  }  // no read transaction across a suspension
  // Reads and writes alike, once the caller is known to be allowed.
  Status waited = co_await AwaitMinCommitToken(*ctx, call.req);
  Response res;
  if (waited.ok()) {
    res = co_await inner(*ctx, call, caller);
  } else {
    res = Error(call, waited);
  }
  AddRateLimitHeaders(res, caller.limit);
  co_return res;
}

Status CheckId(const std::string& id) {
  if (!IsPropertyId(id)) return Status::InvalidArgument("The id is not valid: expected digits");
  return Status::Ok();
}

std::string PropKey(const std::string& org_id, std::string_view id) {
  return storage::DataKey(org_id, kPropsNamespace, id);
}

// 408 of a create that was committed: the error body also carries the new property's `id`, and
// Location names it.
Response CreatedButTimedOut(const Call& call, const Status& st, const std::string& id) {
  Response res = WithErrorField(Error(call, st), "id", json::value(id));
  res.set(http::field::location, std::string(kBasePath) + "/" + id);
  return res;
}

Result<json::value> Body(const Call& call) {
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) return Status::InvalidArgument("The request body is not valid: " +
                                                 body.status().message());
  return std::move(*body);
}

asio::awaitable<Response> ListHandler(const ApiContext& ctx, Call& call, const Caller& caller) {
  auto query = ParseListQuery(call.query);
  if (!query.ok()) co_return Error(call, query.status());
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto all = LoadAll(*txn, caller.org_id);
  if (!all.ok()) co_return Error(call, all.status());
  co_return MakeResponse(http::status::ok, json::serialize(ListBody(*all, *query)));
}

asio::awaitable<Response> GetHandler(const ApiContext& ctx, Call& call, const Caller& caller) {
  const std::string& id = call.params[0];
  if (Status st = CheckId(id); !st.ok()) co_return Error(call, st);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto prop = LoadOne(*txn, caller.org_id, id);
  if (!prop.ok()) co_return Error(call, prop.status());
  co_return MakeResponse(http::status::ok, json::serialize(ToJson(*prop)));
}

asio::awaitable<Response> CreateHandler(const ApiContext& ctx, Call& call, const Caller& caller) {
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) co_return Error(call, consistency.status());
  auto body = Body(call);
  if (!body.ok()) co_return Error(call, body.status());
  auto prop = ParseCreate(*body);
  if (!prop.ok()) co_return Error(call, prop.status());
  if (IsSystemTarget(prop->target)) {
    co_return Error(call, Status::Conflict("a system property already has the target " +
                                           prop->target));
  }
  prop->id = NewPropertyId();
  const std::string key = PropKey(caller.org_id, prop->id);
  storage::WriteBatch batch;
  batch.Put(key, EncodeStored(*prop));
  // Uniqueness and the per-organization bound are checked on the writer's merged view.
  batch.prepare = [prefix = storage::NamespacePrefix(caller.org_id, kPropsNamespace), key,
                   target = prop->target](const storage::Txn& txn, std::vector<storage::Mutation>&) {
    return CheckCreate(txn, prefix, key, target);
  };
  auto committed = co_await CommitAndWait(ctx, std::move(batch), *consistency);
  if (committed.status.IsTimeout()) {
    // Created and kept: name it, so a retry finds it instead of creating another.
    co_return WithCommitToken(CreatedButTimedOut(call, committed.status, prop->id), committed);
  }
  if (!committed.ok()) co_return Error(call, committed.status);
  // The answer shows the times the store recorded.
  prop->create_ms = prop->update_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto txn = ctx.store->Read(); txn.ok()) {
    if (auto stored = LoadOne(*txn, caller.org_id, prop->id); stored.ok()) *prop = *stored;
  }
  Response res = MakeResponse(http::status::created, json::serialize(ToJson(*prop)));
  SetCommitToken(res, committed);
  co_return res;
}

// 204 that still says application/json, as Ocamba's PATCH does; errors with the commit token
// when the write was kept (408).
Response Answer(const Call& call, const WriteResult& committed) {
  if (!committed.ok()) return WithCommitToken(Error(call, committed.status), committed);
  Response res{http::status::no_content, 11};
  res.set(http::field::content_type, "application/json");
  SetCommitToken(res, committed);
  return res;
}

asio::awaitable<Response> PatchHandler(const ApiContext& ctx, Call& call, const Caller& caller) {
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) co_return Error(call, consistency.status());
  const std::string& id = call.params[0];
  if (Status st = CheckId(id); !st.ok()) co_return Error(call, st);
  if (IsSystemId(id)) {
    co_return Error(call, Status::InvalidArgument("System properties are not updatable."));
  }
  auto body = Body(call);
  if (!body.ok()) co_return Error(call, body.status());
  auto patch = ParsePatch(*body);
  if (!patch.ok()) co_return Error(call, patch.status());
  storage::WriteBatch batch;
  // Read-modify-write inside the writer, so concurrent PATCHes of different fields both land.
  batch.prepare = [key = PropKey(caller.org_id, id), id, patch = std::move(*patch)](
                      const storage::Txn& txn, std::vector<storage::Mutation>& extra) -> Status {
    auto record = storage::GetLiveRecord(txn, key);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return Status::NotFound("profile property " + id + " not found");
    auto prop = DecodeStored(id, (*record)->value());
    if (!prop.ok()) return prop.status();
    ApplyPatch(patch, *prop);
    extra.push_back({storage::Mutation::Kind::kPut, key, EncodeStored(*prop)});
    return Status::Ok();
  };
  auto committed = co_await CommitAndWait(ctx, std::move(batch), *consistency);
  co_return Answer(call, committed);
}

asio::awaitable<Response> DeleteHandler(const ApiContext& ctx, Call& call, const Caller& caller) {
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) co_return Error(call, consistency.status());
  const std::string& id = call.params[0];
  if (Status st = CheckId(id); !st.ok()) co_return Error(call, st);
  if (IsSystemId(id)) {
    co_return Error(call, Status::InvalidArgument("System properties can not be deleted."));
  }
  // Idempotent, like Ocamba's DELETE of a profile: deleting an absent property is a no-op.
  storage::WriteBatch batch;
  batch.Delete(PropKey(caller.org_id, id));
  auto committed = co_await CommitAndWait(ctx, std::move(batch), *consistency);
  co_return Answer(call, committed);
}

std::string_view Title(unsigned code) {
  switch (code) {
    case 400: return "Bad request.";
    case 401: return "Unauthorized.";
    case 403: return "Forbidden.";
    case 404: return "Not found.";
    case 405: return "Method not allowed.";
    case 408: return "Request timeout.";
    case 409: return "Conflict.";
    case 413: return "Payload too large.";
    case 429: return "Too many requests.";
    case 500: return "Internal server error.";
    case 503: return "Service unavailable.";
    case 507: return "Insufficient storage.";
    default: return code >= 500 ? "Internal server error." : "Bad request.";
  }
}

}  // namespace

Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& request_id) {
  const unsigned code = static_cast<unsigned>(status);
  json::object body{{"code", code}, {"title", Title(code)}};
  // Ocamba's 500 carries no message; ours would only say "internal error" anyway.
  if (code != 500) body["message"] = message;
  body["trace_id"] = request_id;
  return MakeResponse(status, json::serialize(body));
}

void RegisterRoutes(Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  router.SetErrorFormat("/v1/hood", ErrorResponse);
  const std::string one = std::string(kBasePath) + "/{}";
  auto add = [&](V method, std::string_view pattern, uint8_t scope, Inner inner) {
    router.Add(method, pattern, [c, scope, inner](Call& call) { return Run(c, call, scope, inner); });
  };
  add(V::get, kBasePath, kScopeRead, &ListHandler);
  add(V::post, kBasePath, kScopeWrite, &CreateHandler);
  add(V::get, one, kScopeRead, &GetHandler);
  add(V::patch, one, kScopeWrite, &PatchHandler);
  add(V::delete_, one, kScopeWrite, &DeleteHandler);
}

}  // namespace meridian::api::ocamba
