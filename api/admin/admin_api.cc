// Operator API handlers (see admin_api.h).
#include "api/admin/admin_api.h"

#include <chrono>

#include "api/admin/backup_api.h"
#include "api/admin/store_api.h"
#include "api/admin/verify_api.h"
#include "api/json_util.h"
#include "api/slashid/attributes_api.h"
#include "api/slashid/buckets.h"
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

Response Json(http::status status, std::string body) {
  return MakeResponse(status, std::move(body));
}

// A precondition: the organization must (still) exist when the write commits.
Status OrgMustExist(const storage::Txn& txn, const std::string& org_id) {
  auto record = storage::GetLiveRecord(txn, DataKey(kSystemTenant, kOrgsNs, org_id));
  if (!record.ok()) return record.status();
  return record->has_value() ? Status::Ok() : Status::NotFound("organization not found");
}

Result<json::object> BodyObject(const Call& call) {
  auto body = ParseJsonBody(call.req);
  if (!body.ok()) return body.status();
  if (!body->is_object()) return Status::InvalidArgument("body must be an object");
  return std::move(body->as_object());
}

// The `name` field every operator object has: 1 to 200 bytes.
Result<std::string> NameOf(const Call& call) {
  auto body = BodyObject(call);
  auto name = body.ok() ? StringField(*body, "name") : std::nullopt;
  if (!name || name->empty() || name->size() > 200) {
    return Status::InvalidArgument("name must be a string of 1 to 200 bytes");
  }
  return std::move(*name);
}

asio::awaitable<Reply> CreateOrg(const ApiContext& ctx, Call& call, Resolved& r) {
  auto name = NameOf(call);
  if (!name.ok()) co_return name.status();
  const std::string id = NewUuid();
  std::string org = "{\"id\":" + JsonQuote(id) + ",\"name\":" + JsonQuote(*name) +
                    ",\"created_at\":" + JsonQuote(Rfc3339(NowMs())) + "}";
  storage::WriteBatch batch;
  batch.Put(DataKey(kSystemTenant, kOrgsNs, id), org);
  co_return co_await Commit(ctx, r, std::move(batch), Json(http::status::created, org));
}

asio::awaitable<Reply> ListOrgs(const ApiContext&, Call&, Resolved& r) {
  std::string body = "{\"result\":[";
  bool first = true;
  Status st = storage::ScanLive(*r.txn, storage::NamespacePrefix(kSystemTenant, kOrgsNs),
                                [&](std::string_view, const storage::Record& rec) {
                                  if (!first) body.push_back(',');
                                  first = false;
                                  body += rec.value();
                                  return true;
                                });
  if (!st.ok()) co_return st;
  co_return Json(http::status::ok, body + "]}");
}

asio::awaitable<Reply> GetOrg(const ApiContext&, Call&, Resolved& r) {
  auto record = storage::GetLiveRecord(*r.txn, DataKey(kSystemTenant, kOrgsNs, r.org_id));
  if (!record.ok()) co_return record.status();
  if (!record->has_value()) co_return Status::NotFound("organization not found");
  co_return Json(http::status::ok, std::string((*record)->value()));
}

asio::awaitable<Reply> DeleteOrg(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string org_id = call.params[0];
  storage::WriteBatch batch;
  batch.Delete(DataKey(kSystemTenant, kOrgsNs, org_id));
  batch.DeletePrefix(storage::TenantPrefix(org_id));
  // The organization's keys are found inside the write transaction, so a key created
  // concurrently is deleted too.
  batch.prepare = [org_id](const storage::Txn& txn, std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    const std::string ids = storage::NamespacePrefix(kSystemTenant, kKeyIdsNs);
    return storage::ScanLive(txn, ids, [&](std::string_view key_id, const storage::Record& rec) {
      boost::system::error_code ec;
      json::value v = json::parse(rec.value(), ec);
      if (ec || !v.is_object()) return true;
      if (StringField(v.as_object(), "organization_id") != org_id) return true;
      auto hash = StringField(v.as_object(), "hash").value_or("");
      extra.push_back(
          {storage::Mutation::Kind::kDelete, DataKey(kSystemTenant, kKeysNs, hash), {}});
      extra.push_back(
          {storage::Mutation::Kind::kDelete, DataKey(kSystemTenant, kKeyIdsNs, key_id), {}});
      return true;
    });
  };
  co_return co_await Commit(ctx, r, std::move(batch), Response{http::status::no_content, 11});
}

// The scopes of a key request: a non-empty array of known names.
Result<uint8_t> ScopesOf(const json::object& obj) {
  const json::value* scopes = obj.if_contains("scopes");
  if (!scopes || !scopes->is_array() || scopes->as_array().empty()) {
    return Status::InvalidArgument("scopes must be a non-empty array");
  }
  uint8_t mask = 0;
  for (const auto& s : scopes->as_array()) {
    uint8_t bit = s.is_string() ? ScopeFromName(s.as_string()) : 0;
    if (bit == 0) {
      return Status::InvalidArgument("unknown scope: scopes are read, write, schema and admin");
    }
    mask |= bit;
  }
  return mask;
}

asio::awaitable<Reply> CreateKey(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string org_id = r.org_id;
  auto name = NameOf(call);
  if (!name.ok()) co_return name.status();
  auto mask = ScopesOf(*BodyObject(call));
  if (!mask.ok()) co_return mask.status();
  json::array scope_names;
  for (const auto& n : ScopeNames(*mask)) scope_names.emplace_back(n);
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
  co_return co_await Commit(ctx, r, std::move(batch),
                            Json(http::status::created, json::serialize(record)));
}

asio::awaitable<Reply> ListKeys(const ApiContext&, Call&, Resolved& r) {
  std::string body = "{\"result\":[";
  bool first = true;
  Status inner;
  Status st = storage::ScanLive(*r.txn, storage::NamespacePrefix(kSystemTenant, kKeyIdsNs),
                                [&](std::string_view, const storage::Record& rec) {
                                  boost::system::error_code ec;
                                  json::value v = json::parse(rec.value(), ec);
                                  if (ec || !v.is_object()) return true;
                                  if (StringField(v.as_object(), "organization_id") != r.org_id)
                                    return true;
                                  auto hash = StringField(v.as_object(), "hash").value_or("");
                                  auto key = storage::GetLiveRecord(
                                      *r.txn, DataKey(kSystemTenant, kKeysNs, hash));
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
  if (!st.ok()) co_return st;
  co_return Json(http::status::ok, body + "]}");
}

asio::awaitable<Reply> DeleteKey(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string org_id = r.org_id;
  const std::string key_id = call.params[1];
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
  co_return co_await Commit(ctx, r, std::move(batch), Response{http::status::no_content, 11});
}

asio::awaitable<Reply> CreateBucket(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string org_id = r.org_id;
  auto body = BodyObject(call);
  auto name = body.ok() ? StringField(*body, "name") : std::nullopt;
  if (!name || !slashid::IsValidBucketName(*name)) {
    co_return Status::InvalidArgument("name must be 1 to 64 characters of a-z, 0-9, '_' and '-'");
  }
  storage::WriteBatch batch = slashid::CreateBucketBatch(org_id, *name);
  auto bucket_check = std::move(batch.prepare);
  batch.prepare = [org_id, bucket_check](const storage::Txn& txn,
                                         std::vector<storage::Mutation>& extra) {
    MERIDIAN_RETURN_IF_ERROR(OrgMustExist(txn, org_id));
    return bucket_check(txn, extra);
  };
  co_return co_await Commit(ctx, r, std::move(batch),
                            Json(http::status::created, slashid::BucketJson(org_id, *name)));
}

std::vector<Route> OrgRoutes() {
  using V = http::verb;
  constexpr uint8_t kAdmin = kScopeAdmin;
  // kNone: the operator only; kPath: the operator, or an admin key of the organization.
  constexpr OrgFrom kOp = OrgFrom::kNone, kOrg = OrgFrom::kPath;
  const std::string orgs = "/admin/v1/organizations", org = orgs + "/{}";
  return {
      {V::post, orgs, kAdmin, kOp, true, CreateOrg},
      {V::get, orgs, kAdmin, kOp, false, ListOrgs},
      {V::get, org, kAdmin, kOrg, false, GetOrg},
      {V::delete_, org, kAdmin, kOp, true, DeleteOrg},
      {V::post, org + "/api-keys", kAdmin, kOrg, true, CreateKey},
      {V::get, org + "/api-keys", kAdmin, kOrg, false, ListKeys},
      {V::delete_, org + "/api-keys/{}", kAdmin, kOrg, true, DeleteKey},
      {V::post, org + "/attribute-buckets", kAdmin, kOrg, true, CreateBucket},
  };
}

// GET /cluster/v1/status: this node's replication state and every peer's, for the operator.
boost::asio::awaitable<Reply> ClusterStatus(const ApiContext& ctx, Call&, Resolved& r) {
  r.txn.reset();  // no read transaction held while the replication strand answers
  if (ctx.replication == nullptr) co_return Status::Unavailable("replication is not wired here");
  co_return MakeResponse(http::status::ok, co_await ctx.replication->StatusJson());
}

std::vector<Route> ClusterRoutes() {
  return {
      {http::verb::get, "/cluster/v1/status", kScopeAdmin, OrgFrom::kNone, false, ClusterStatus}};
}

Response Encode(const ApiError& e) {
  return slashid::ErrorResponse(e.status, e.message, e.request_id);
}

Dialect MakeDialect() {
  Dialect d;
  d.prefixes = {"/admin", "/cluster"};
  d.encode = Encode;  // the SlashID envelope
  // One line per file of routes.
  for (auto routes :
       {OrgRoutes(), ClusterRoutes(), StoreRoutes(), BackupRoutes(), VerifyRoutes()}) {
    d.routes.insert(d.routes.end(), routes.begin(), routes.end());
  }
  return d;
}

}  // namespace

const Dialect& AdminDialect() {
  static const Dialect dialect = MakeDialect();
  return dialect;
}

}  // namespace meridian::api::admin
