// Operator API handlers (see admin_api.h).
#include "api/admin/admin_api.h"

#include <chrono>

#include "api/admin/backup_api.h"
#include "api/admin/store_api.h"
#include "api/json_util.h"
#include "api/slashid/attributes_api.h"
#include "api/slashid/buckets.h"
#include "api/write_path.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::admin {
namespace asio = boost::asio;
namespace json = boost::json;
using storage::DataKey;

// Every system key the operator API writes is generated (UUIDs, hex SHA-256), so it always fits.
static_assert(storage::KeyFits(kKeyIdsNs.size(), 36) && storage::KeyFits(kKeysNs.size(), 64));
using storage::kSystemTenant;
namespace {

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Response Error(const Call& call, const Status& st) {
  return slashid::ErrorResponse(HttpStatusOf(st), PublicMessage(st), call.request_id);
}

Response Json(http::status status, std::string body) {
  return MakeResponse(status, std::move(body));
}

// OK if the caller is the operator, or (when `org_id` is set) an admin-scoped key of that org.
Status RequireAdmin(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                    const std::string* org_id) {
  auto who = ctx.auth->Authenticate(call.req, txn);
  if (!who.ok()) return who.status();
  if (who->operator_admin) {
    if (org_id == nullptr) return Status::Ok();
    return ctx.auth->Authorize(*who, *org_id, kScopeAdmin, txn);
  }
  if (org_id != nullptr) return ctx.auth->Authorize(*who, *org_id, kScopeAdmin, txn);
  return Status::PermissionDenied("only the operator's admin key may do this");
}

// Reads and writes wait for a Meridian-Min-Commit-Token they carry (docs/http-api.md), after
// the caller is checked: a stranger is refused at once (write_path.h).
asio::awaitable<Status> AdminThenAwaitToken(const ApiContext& ctx, const Call& call,
                                            const std::string* org_id) {
  if (call.req.find(kMinCommitTokenHeader) == call.req.end()) co_return Status::Ok();
  const AuthorizeFn authorize = [&](const storage::Txn& txn) {
    return RequireAdmin(ctx, call, txn, org_id);
  };
  co_return co_await AuthorizeThenAwaitToken(ctx, call.req, authorize);
}

// A precondition: the organization must (still) exist when the write commits.
Status OrgMustExist(const storage::Txn& txn, const std::string& org_id) {
  auto record = storage::GetLiveRecord(txn, DataKey(kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) return record.status();
  return record->has_value() ? Status::Ok() : Status::NotFound("organization not found");
}

asio::awaitable<Response> Commit(const ApiContext& ctx, const Call& call,
                                 storage::WriteBatch batch, http::status ok_status,
                                 std::string ok_body) {
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) co_return Error(call, consistency.status());
  auto committed = co_await CommitAndWait(ctx, std::move(batch), *consistency);
  if (!committed.ok()) co_return WithCommitToken(Error(call, committed.status), committed);
  Response res = ok_body.empty() ? Response{ok_status, 11} : Json(ok_status, std::move(ok_body));
  SetCommitToken(res, committed);
  co_return res;
}

asio::awaitable<Response> CreateOrg(const ApiContext& ctx, Call& call) {
  Status waited = co_await AdminThenAwaitToken(ctx, call, nullptr);
  if (!waited.ok()) co_return Error(call, waited);
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    Status st = RequireAdmin(ctx, call, *txn, nullptr);
    if (!st.ok()) co_return Error(call, st);
  }
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) co_return Error(call, body.status());
  auto name = body->is_object() ? StringField(body->as_object(), "name") : std::nullopt;
  if (!name || name->empty() || name->size() > 200) {
    co_return Error(call, Status::InvalidArgument("name must be a string of 1 to 200 bytes"));
  }
  const std::string id = NewUuid();
  std::string org = "{\"id\":" + JsonQuote(id) + ",\"name\":" + JsonQuote(*name) +
                    ",\"created_at\":" + JsonQuote(Rfc3339(NowMs())) + "}";
  storage::WriteBatch batch;
  batch.Put(DataKey(kSystemTenant, kOrgsNs, id), org);
  co_return co_await Commit(ctx, call, std::move(batch), http::status::created, org);
}

asio::awaitable<Response> ListOrgs(const ApiContext& ctx, Call& call) {
  {
    Status waited = co_await AdminThenAwaitToken(ctx, call, nullptr);
    if (!waited.ok()) co_return Error(call, waited);
  }
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  Status st = RequireAdmin(ctx, call, *txn, nullptr);
  if (!st.ok()) co_return Error(call, st);
  std::string body = "{\"result\":[";
  bool first = true;
  st = storage::ScanLive(*txn, storage::NamespacePrefix(kSystemTenant, kOrgsNs),
                         [&](std::string_view, const storage::Record& r) {
                           if (!first) body.push_back(',');
                           first = false;
                           body += r.value();
                           return true;
                         });
  if (!st.ok()) co_return Error(call, st);
  co_return Json(http::status::ok, body + "]}");
}

asio::awaitable<Response> GetOrg(const ApiContext& ctx, Call& call) {
  {
    Status waited = co_await AdminThenAwaitToken(ctx, call, &call.params[0]);
    if (!waited.ok()) co_return Error(call, waited);
  }
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  const std::string& org_id = call.params[0];
  Status st = RequireAdmin(ctx, call, *txn, &org_id);
  if (!st.ok()) co_return Error(call, st);
  auto record = storage::GetLiveRecord(*txn, DataKey(kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) co_return Error(call, record.status());
  if (!record->has_value()) co_return Error(call, Status::NotFound("organization not found"));
  co_return Json(http::status::ok, (*record)->value());
}

asio::awaitable<Response> DeleteOrg(const ApiContext& ctx, Call& call) {
  const std::string org_id = call.params[0];
  Status waited = co_await AdminThenAwaitToken(ctx, call, nullptr);
  if (!waited.ok()) co_return Error(call, waited);
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    Status st = RequireAdmin(ctx, call, *txn, nullptr);
    if (!st.ok()) co_return Error(call, st);
  }
  storage::WriteBatch batch;
  batch.Delete(DataKey(kSystemTenant, kOrgsNs, org_id));
  batch.DeletePrefix(storage::TenantPrefix(org_id));
  // The organization's keys are found inside the write transaction, so a key created
  // concurrently is deleted too.
  batch.prepare = [org_id](const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    const std::string ids = storage::NamespacePrefix(kSystemTenant, kKeyIdsNs);
    Status inner;
    MERIDIAN_RETURN_IF_ERROR(storage::ScanLive(txn, ids, [&](std::string_view key_id,
                                                             const storage::Record& r) {
      boost::system::error_code ec;
      json::value v = json::parse(r.value(), ec);
      if (ec || !v.is_object()) return true;
      if (StringField(v.as_object(), "organization_id") != org_id) return true;
      auto hash = StringField(v.as_object(), "hash").value_or("");
      extra.push_back({storage::Mutation::Kind::kDelete, DataKey(kSystemTenant, kKeysNs, hash), {}});
      extra.push_back({storage::Mutation::Kind::kDelete,
                       DataKey(kSystemTenant, kKeyIdsNs, key_id), {}});
      return true;
    }));
    return inner;
  };
  co_return co_await Commit(ctx, call, std::move(batch), http::status::no_content, "");
}

asio::awaitable<Response> CreateKey(const ApiContext& ctx, Call& call) {
  const std::string org_id = call.params[0];
  Status waited = co_await AdminThenAwaitToken(ctx, call, &org_id);
  if (!waited.ok()) co_return Error(call, waited);
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    Status st = RequireAdmin(ctx, call, *txn, &org_id);
    if (!st.ok()) co_return Error(call, st);
  }
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) co_return Error(call, body.status());
  if (!body->is_object()) co_return Error(call, Status::InvalidArgument("body must be an object"));
  const json::object& obj = body->as_object();
  auto name = StringField(obj, "name");
  if (!name || name->empty() || name->size() > 200) {
    co_return Error(call, Status::InvalidArgument("name must be a string of 1 to 200 bytes"));
  }
  const json::value* scopes = obj.if_contains("scopes");
  uint8_t mask = 0;
  if (!scopes || !scopes->is_array() || scopes->as_array().empty()) {
    co_return Error(call, Status::InvalidArgument("scopes must be a non-empty array"));
  }
  for (const auto& s : scopes->as_array()) {
    uint8_t bit = s.is_string() ? ScopeFromName(s.as_string()) : 0;
    if (bit == 0) {
      co_return Error(call, Status::InvalidArgument(
                                "unknown scope: scopes are read, write, schema and admin"));
    }
    mask |= bit;
  }
  json::array scope_names;
  for (const auto& n : ScopeNames(mask)) scope_names.emplace_back(n);
  const std::string id = NewUuid();
  const std::string secret = NewSecret("mrd_");
  const std::string hash = Sha256Hex(secret);
  json::object record{{"id", id},
                      {"organization_id", org_id},
                      {"name", *name},
                      {"scopes", scope_names},
                      {"created_at", Rfc3339(NowMs())}};
  storage::WriteBatch batch;
  batch.Put(DataKey(kSystemTenant, kKeysNs, hash), json::serialize(record));
  batch.Put(DataKey(kSystemTenant, kKeyIdsNs, id),
            json::serialize(json::object{{"hash", hash}, {"organization_id", org_id}}));
  batch.prepare = [org_id](const storage::Txn& txn, std::vector<storage::Mutation>&) {
    return OrgMustExist(txn, org_id);
  };
  record["key"] = secret;
  co_return co_await Commit(ctx, call, std::move(batch), http::status::created,
                            json::serialize(record));
}

asio::awaitable<Response> ListKeys(const ApiContext& ctx, Call& call) {
  {
    Status waited = co_await AdminThenAwaitToken(ctx, call, &call.params[0]);
    if (!waited.ok()) co_return Error(call, waited);
  }
  const std::string& org_id = call.params[0];
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  Status st = RequireAdmin(ctx, call, *txn, &org_id);
  if (!st.ok()) co_return Error(call, st);
  std::string body = "{\"result\":[";
  bool first = true;
  Status inner;
  st = storage::ScanLive(*txn, storage::NamespacePrefix(kSystemTenant, kKeyIdsNs),
                         [&](std::string_view, const storage::Record& r) {
                           boost::system::error_code ec;
                           json::value v = json::parse(r.value(), ec);
                           if (ec || !v.is_object()) return true;
                           if (StringField(v.as_object(), "organization_id") != org_id) return true;
                           auto hash = StringField(v.as_object(), "hash").value_or("");
                           auto key = storage::GetLiveRecord(*txn, DataKey(kSystemTenant, kKeysNs, hash));
                           if (!key.ok()) {
                             inner = key.status();
                             return false;
                           }
                           if (!key->has_value()) return true;
                           if (!first) body.push_back(',');
                           first = false;
                           body += (*key)->value();
                           return true;
                         });
  if (st.ok()) st = inner;
  if (!st.ok()) co_return Error(call, st);
  co_return Json(http::status::ok, body + "]}");
}

asio::awaitable<Response> DeleteKey(const ApiContext& ctx, Call& call) {
  const std::string org_id = call.params[0];
  const std::string key_id = call.params[1];
  Status waited = co_await AdminThenAwaitToken(ctx, call, &org_id);
  if (!waited.ok()) co_return Error(call, waited);
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    Status st = RequireAdmin(ctx, call, *txn, &org_id);
    if (!st.ok()) co_return Error(call, st);
  }
  storage::WriteBatch batch;
  batch.prepare = [org_id, key_id](const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    const std::string id_key = DataKey(kSystemTenant, kKeyIdsNs, key_id);
    auto record = storage::GetLiveRecord(txn, id_key);
    if (!record.ok()) return record.status();
    boost::system::error_code ec;
    json::value v = record->has_value() ? json::parse((*record)->value(), ec) : json::value();
    if (!v.is_object() || StringField(v.as_object(), "organization_id") != org_id) {
      return Status::NotFound("API key not found");
    }
    auto hash = StringField(v.as_object(), "hash").value_or("");
    extra.push_back({storage::Mutation::Kind::kDelete, DataKey(kSystemTenant, kKeysNs, hash), {}});
    extra.push_back({storage::Mutation::Kind::kDelete, id_key, {}});
    return Status::Ok();
  };
  co_return co_await Commit(ctx, call, std::move(batch), http::status::no_content, "");
}

asio::awaitable<Response> CreateBucket(const ApiContext& ctx, Call& call) {
  const std::string org_id = call.params[0];
  Status waited = co_await AdminThenAwaitToken(ctx, call, &org_id);
  if (!waited.ok()) co_return Error(call, waited);
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    Status st = RequireAdmin(ctx, call, *txn, &org_id);
    if (!st.ok()) co_return Error(call, st);
  }
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) co_return Error(call, body.status());
  auto name = body->is_object() ? StringField(body->as_object(), "name") : std::nullopt;
  if (!name || !slashid::IsValidBucketName(*name)) {
    co_return Error(call, Status::InvalidArgument(
                              "name must be 1 to 64 characters of a-z, 0-9, '_' and '-'"));
  }
  storage::WriteBatch batch = slashid::CreateBucketBatch(org_id, *name);
  auto bucket_check = std::move(batch.prepare);
  batch.prepare = [org_id, bucket_check](const storage::Txn& txn,
                                          std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    return bucket_check(txn, extra);
  };
  co_return co_await Commit(ctx, call, std::move(batch), http::status::created,
                            slashid::BucketJson(org_id, *name));
}

}  // namespace

void RegisterAdminRoutes(Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  router.SetErrorFormat("/admin", slashid::ErrorResponse);
  router.Add(V::post, "/admin/v1/organizations", [c](Call& call) { return CreateOrg(*c, call); });
  router.Add(V::get, "/admin/v1/organizations", [c](Call& call) { return ListOrgs(*c, call); });
  router.Add(V::get, "/admin/v1/organizations/{}", [c](Call& call) { return GetOrg(*c, call); });
  router.Add(V::delete_, "/admin/v1/organizations/{}",
             [c](Call& call) { return DeleteOrg(*c, call); });
  router.Add(V::post, "/admin/v1/organizations/{}/api-keys",
             [c](Call& call) { return CreateKey(*c, call); });
  router.Add(V::get, "/admin/v1/organizations/{}/api-keys",
             [c](Call& call) { return ListKeys(*c, call); });
  router.Add(V::delete_, "/admin/v1/organizations/{}/api-keys/{}",
             [c](Call& call) { return DeleteKey(*c, call); });
  router.Add(V::post, "/admin/v1/organizations/{}/attribute-buckets",
             [c](Call& call) { return CreateBucket(*c, call); });
  RegisterStoreRoutes(router, ctx);
  RegisterBackupRoutes(router, ctx);
}

}  // namespace meridian::api::admin
