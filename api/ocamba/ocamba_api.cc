// Ocamba Hood profile-property handlers (see ocamba_api.h), behind the shared pipeline.
#include "api/ocamba/ocamba_api.h"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "api/json_util.h"
#include "api/ocamba/property.h"
#include "api/ocamba/property_list.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::ocamba {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

Status CheckId(const std::string& id) {
  if (!IsPropertyId(id)) return Status::InvalidArgument("The id is not valid: expected digits");
  return Status::Ok();
}

std::string PropKey(const std::string& org_id, std::string_view id) {
  return storage::DataKey(org_id, kPropsNamespace, id);
}

Result<json::value> Body(const Call& call) {
  auto body = ParseJsonBody(call.req);
  if (!body.ok())
    return Status::InvalidArgument("The request body is not valid: " + body.status().message());
  return std::move(*body);
}

asio::awaitable<Reply> ListHandler(const ApiContext&, Call& call, Resolved& r) {
  auto query = ParseListQuery(call.query);
  if (!query.ok()) co_return query.status();
  auto all = LoadAll(*r.txn, r.org_id);
  if (!all.ok()) co_return all.status();
  co_return MakeResponse(http::status::ok, json::serialize(ListBody(*all, *query)));
}

asio::awaitable<Reply> GetHandler(const ApiContext&, Call& call, Resolved& r) {
  const std::string& id = call.params[0];
  if (Status st = CheckId(id); !st.ok()) co_return st;
  auto prop = LoadOne(*r.txn, r.org_id, id);
  if (!prop.ok()) co_return prop.status();
  co_return MakeResponse(http::status::ok, json::serialize(ToJson(*prop)));
}

asio::awaitable<Reply> CreateHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  r.txn.reset();
  auto body = Body(call);
  if (!body.ok()) co_return body.status();
  auto prop = ParseCreate(*body);
  if (!prop.ok()) co_return prop.status();
  if (IsSystemTarget(prop->target)) {
    co_return Status::Conflict("a system property already has the target " + prop->target);
  }
  prop->id = NewPropertyId();
  const std::string key = PropKey(r.org_id, prop->id);
  storage::WriteBatch batch;
  batch.Put(key, EncodeStored(*prop));
  // Uniqueness and the per-organization bound are checked on the writer's merged view.
  batch.prepare = [prefix = storage::NamespacePrefix(r.org_id, kPropsNamespace), key,
                   target = prop->target](const storage::Txn& txn,
                                          std::vector<storage::Mutation>&) {
    return CheckCreate(txn, prefix, key, target);
  };
  auto committed = co_await CommitAndWait(ctx, std::move(batch), r.consistency);
  if (!committed.ok()) {
    Reply kept = Committed(committed, Response());
    if (committed.status.IsTimeout()) {
      // Created and kept: name it, so a retry finds it instead of creating another.
      kept.error_fields["id"] = prop->id;
      kept.error_headers.emplace_back("Location", std::string(kBasePath) + "/" + prop->id);
    }
    co_return kept;
  }
  // The answer shows the times the store recorded.
  prop->create_ms = prop->update_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count();
  if (auto txn = ctx.store->Read(); txn.ok()) {
    if (auto stored = LoadOne(*txn, r.org_id, prop->id); stored.ok()) *prop = *stored;
  }
  co_return Committed(committed,
                      MakeResponse(http::status::created, json::serialize(ToJson(*prop))));
}

// 204 that still says application/json, as Ocamba's PATCH does.
Response NoContent() {
  Response res{http::status::no_content, 11};
  res.set(http::field::content_type, "application/json");
  return res;
}

asio::awaitable<Reply> PatchHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string& id = call.params[0];
  if (Status st = CheckId(id); !st.ok()) co_return st;
  if (IsSystemId(id)) {
    co_return Status::InvalidArgument("System properties are not updatable.");
  }
  auto body = Body(call);
  if (!body.ok()) co_return body.status();
  auto patch = ParsePatch(*body);
  if (!patch.ok()) co_return patch.status();
  storage::WriteBatch batch;
  // Read-modify-write inside the writer, so concurrent PATCHes of different fields both land.
  batch.prepare = [key = PropKey(r.org_id, id), id, patch = std::move(*patch)](
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
  co_return co_await Commit(ctx, r, std::move(batch), NoContent());
}

asio::awaitable<Reply> DeleteHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string& id = call.params[0];
  if (Status st = CheckId(id); !st.ok()) co_return st;
  if (IsSystemId(id)) {
    co_return Status::InvalidArgument("System properties can not be deleted.");
  }
  // Idempotent, like Ocamba's DELETE of a profile: deleting an absent property is a no-op.
  storage::WriteBatch batch;
  batch.Delete(PropKey(r.org_id, id));
  co_return co_await Commit(ctx, r, std::move(batch), NoContent());
}

std::string_view Title(unsigned code) {
  switch (code) {
    case 400:
      return "Bad request.";
    case 401:
      return "Unauthorized.";
    case 403:
      return "Forbidden.";
    case 404:
      return "Not found.";
    case 405:
      return "Method not allowed.";
    case 408:
      return "Request timeout.";
    case 409:
      return "Conflict.";
    case 413:
      return "Payload too large.";
    case 429:
      return "Too many requests.";
    case 500:
      return "Internal server error.";
    case 503:
      return "Service unavailable.";
    case 507:
      return "Insufficient storage.";
    default:
      return code >= 500 ? "Internal server error." : "Bad request.";
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

const Dialect& OcambaDialect() {
  static const Dialect dialect = [] {
    using V = http::verb;
    constexpr OrgFrom kOrg = OrgFrom::kHeaderOrKey;
    const std::string all(kBasePath), one = all + "/{}";
    Dialect d;
    d.prefixes = {"/v1/hood"};
    d.encode = [](const ApiError& e) { return ErrorResponse(e.status, e.message, e.request_id); };
    d.limit_group = RateLimitGroup::kOcamba;
    d.routes = {
        {V::get, all, kScopeRead, kOrg, false, ListHandler},
        {V::post, all, kScopeWrite, kOrg, true, CreateHandler},
        {V::get, one, kScopeRead, kOrg, false, GetHandler},
        {V::patch, one, kScopeWrite, kOrg, true, PatchHandler},
        {V::delete_, one, kScopeWrite, kOrg, true, DeleteHandler},
    };
    return d;
  }();
  return dialect;
}

}  // namespace meridian::api::ocamba
