// ZITADEL organization-metadata handlers (see zitadel_api.h).
#include "api/zitadel/zitadel_api.h"

#include <boost/asio/use_awaitable.hpp>

#include "api/json_util.h"
#include "api/rate_limit.h"
#include "api/write_path.h"
#include "api/zitadel/errors.h"
#include "api/zitadel/metadata_store.h"

namespace meridian::api::zitadel {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

constexpr std::string_view kIdBody = "MERIDIAN-body";

Response Error(const Call& call, const Status& st) { return ErrorFromStatus(st, call.request_id); }

Status BadBody(std::string_view text) { return Status::InvalidArgument(Tagged(text, kIdBody)); }

// Who is asking, and for which organization: x-zitadel-orgid, else the key's own. The
// operator's key belongs to no organization, so it must name one.
Result<std::string> ResolveOrg(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                               uint8_t scope) {
  auto who = ctx.auth->Authenticate(call.req, txn);
  if (!who.ok()) {
    if (who.status().code() != Status::Code::kUnauthenticated) return who.status();
    return Status::Unauthenticated(Tagged(who.status().message(), kIdUnauthenticated));
  }
  std::string org_id;
  if (auto header = call.req.find(kOrgHeader);
      header != call.req.end() && !header->value().empty()) {
    org_id = std::string(header->value());
  } else if (who->operator_admin) {
    return Status::InvalidArgument(
        Tagged("the operator key must name the organization in x-zitadel-orgid", "MERIDIAN-orgid"));
  } else {
    org_id = who->org_id;
  }
  MERIDIAN_RETURN_IF_ERROR(ctx.auth->Authorize(*who, org_id, scope, txn));
  return org_id;
}

// The body as JSON. An empty body is an empty message (null), as grpc-gateway reads it.
Result<json::value> Body(const Call& call) {
  const std::string& raw = call.req.body();
  if (raw.find_first_not_of(" \t\r\n") == std::string::npos) return json::value(nullptr);
  auto parsed = ParseJsonBody(call.req);
  if (!parsed.ok()) return BadBody(parsed.status().message());
  return std::move(*parsed);
}

// The body's object; null reads as an empty one.
Result<json::object> BodyObject(const json::value& body) {
  if (body.is_null()) return json::object();
  if (!body.is_object()) return BadBody("request body must be a JSON object");
  return body.as_object();
}

// A field that protojson reads as absent when null.
const json::value* Field(const json::object& obj, std::string_view name) {
  const json::value* v = obj.if_contains(name);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

// The `value` of a set request: canonical base64 of a valid value.
Result<std::string> ValueOf(const json::object& obj) {
  const json::value* v = Field(obj, "value");
  if (v != nullptr && !v->is_string()) return BadBody("value must be a base64 string");
  return CheckValue(v != nullptr ? std::string_view(v->as_string()) : std::string_view());
}

// Refuses a stranger at once, then waits for a Meridian-Min-Commit-Token (write_path.h).
asio::awaitable<Status> AuthorizeThenAwaitToken(const ApiContext& ctx, const Call& call,
                                                uint8_t scope) {
  // The hot path (no token) allocates nothing.
  if (call.req.find(kMinCommitTokenHeader) == call.req.end()) co_return Status::Ok();
  const AuthorizeFn authorize = [&](const storage::Txn& txn) {
    return ResolveOrg(ctx, call, txn, scope).status();
  };
  co_return co_await api::AuthorizeThenAwaitToken(ctx, call.req, authorize);
}

std::string DetailsBody(const WriteOutcome& outcome) {
  return "{\"details\":" + DetailsJson(outcome.details) + "}";
}

// Builds a write's batch from (organization, body, where the batch reports its details).
using BatchBuilder = std::function<Result<storage::WriteBatch>(
    const std::string& org_id, const json::value& body, std::shared_ptr<WriteOutcome> outcome)>;

// Every write: auth, organization, consistency headers, body and batch under one short read
// transaction, then the shared write path. Answers 200 {"details": ...} with the commit token.
// `reads_body` is false where ZITADEL maps no body (DELETE of one key): any body is ignored.
asio::awaitable<Response> Write(const ApiContext& ctx, Call& call, BatchBuilder build,
                                bool reads_body = true) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeWrite);
  if (!waited.ok()) co_return Error(call, waited);
  auto outcome = std::make_shared<WriteOutcome>();
  storage::WriteBatch batch;
  WriteConsistency consistency;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto org_id = ResolveOrg(ctx, call, *txn, kScopeWrite);
    if (!org_id.ok()) co_return Error(call, org_id.status());
    auto level = ParseWriteConsistency(call.req);
    if (!level.ok()) co_return Error(call, level.status());
    consistency = *level;
    auto body = reads_body ? Body(call) : Result<json::value>(json::value(nullptr));
    if (!body.ok()) co_return Error(call, body.status());
    auto built = build(*org_id, *body, outcome);
    if (!built.ok()) co_return Error(call, built.status());
    batch = std::move(*built);
  }  // the read transaction ends before waiting on the writer
  auto committed = co_await CommitAndWait(ctx, std::move(batch), consistency);
  if (!committed.ok()) co_return WithCommitToken(Error(call, committed.status), committed);
  Response res = MakeResponse(http::status::ok, DetailsBody(*outcome));
  SetCommitToken(res, committed);
  co_return res;
}

Result<storage::WriteBatch> BuildSet(const std::string& key, const std::string& org_id,
                                     const json::value& body,
                                     std::shared_ptr<WriteOutcome> outcome) {
  MERIDIAN_RETURN_IF_ERROR(CheckKey(key));
  auto obj = BodyObject(body);
  if (!obj.ok()) return obj.status();
  auto value = ValueOf(*obj);
  if (!value.ok()) return value.status();
  return SetBatch(org_id, {{key, std::move(*value)}}, false, std::move(outcome));
}

Result<storage::WriteBatch> BuildBulkSet(const std::string& org_id, const json::value& body,
                                         std::shared_ptr<WriteOutcome> outcome) {
  auto obj = BodyObject(body);
  if (!obj.ok()) return obj.status();
  std::vector<MetadataItem> items;
  if (const json::value* list = Field(*obj, "metadata")) {
    if (!list->is_array()) return BadBody("metadata must be an array");
    for (const auto& item : list->as_array()) {
      if (!item.is_object()) return BadBody("each metadata entry must be an object");
      const json::value* key = Field(item.as_object(), "key");
      if (key != nullptr && !key->is_string()) return BadBody("key must be a string");
      std::string k = key != nullptr ? std::string(key->as_string()) : std::string();
      MERIDIAN_RETURN_IF_ERROR(CheckKey(k));
      auto value = ValueOf(item.as_object());
      if (!value.ok()) return value.status();
      items.push_back({std::move(k), std::move(*value)});
    }
  }
  if (items.empty()) {
    return Status::InvalidArgument(Tagged("No metadata to set", kIdBulkSetEmpty));
  }
  return SetBatch(org_id, std::move(items), true, std::move(outcome));
}

Result<storage::WriteBatch> BuildRemove(const std::string& key, const std::string& org_id,
                                        const json::value& /*body*/,
                                        std::shared_ptr<WriteOutcome> outcome) {
  MERIDIAN_RETURN_IF_ERROR(CheckKey(key));
  return RemoveBatch(org_id, {key}, std::string(kIdRemoveNotFound), std::move(outcome));
}

Result<storage::WriteBatch> BuildBulkRemove(const std::string& org_id, const json::value& body,
                                            std::shared_ptr<WriteOutcome> outcome) {
  auto obj = BodyObject(body);
  if (!obj.ok()) return obj.status();
  std::vector<std::string> keys;
  if (const json::value* list = Field(*obj, "keys")) {
    if (!list->is_array()) return BadBody("keys must be an array of strings");
    for (const auto& key : list->as_array()) {
      if (!key.is_string()) return BadBody("keys must be an array of strings");
      if (key.as_string().empty()) {
        return Status::InvalidArgument(Tagged("Keys must not be empty", kIdBulkKeyEmpty));
      }
      MERIDIAN_RETURN_IF_ERROR(CheckKey(key.as_string()));
      keys.emplace_back(key.as_string());
    }
  }
  if (keys.empty()) {
    return Status::InvalidArgument(Tagged("No metadata keys to remove", kIdBulkRemoveEmpty));
  }
  return RemoveBatch(org_id, std::move(keys), std::string(kIdBulkKeyMissing), std::move(outcome));
}

std::string MetadataJson(const std::string& org_id, std::string_view key, const StoredEntry& e) {
  return "{\"details\":" + DetailsJson({e.sequence, e.created_ms, e.changed_ms, org_id}) +
         ",\"key\":" + JsonQuote(key) + ",\"value\":" + JsonQuote(e.value) + "}";
}

// Reads start with the optional Meridian-Min-Commit-Token wait, then take one snapshot.
asio::awaitable<Response> GetOne(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto org_id = ResolveOrg(ctx, call, *txn, kScopeRead);
  if (!org_id.ok()) co_return Error(call, org_id.status());
  const std::string& key = call.params[0];
  Status valid = CheckKey(key);
  if (!valid.ok()) co_return Error(call, valid);
  auto entry = GetEntry(*txn, *org_id, key);
  if (!entry.ok()) co_return Error(call, entry.status());
  if (!entry->has_value()) {
    co_return Error(call, Status::NotFound(Tagged("Metadata not found", kIdNotFound)));
  }
  co_return MakeResponse(http::status::ok,
                         "{\"metadata\":" + MetadataJson(*org_id, key, **entry) + "}");
}

asio::awaitable<Response> SearchHandler(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto org_id = ResolveOrg(ctx, call, *txn, kScopeRead);
  if (!org_id.ok()) co_return Error(call, org_id.status());
  auto body = Body(call);
  if (!body.ok()) co_return Error(call, body.status());
  auto request = ParseSearchRequest(*body);
  if (!request.ok()) co_return Error(call, request.status());
  auto page = Search(*txn, *org_id, *request);
  if (!page.ok()) co_return Error(call, page.status());
  std::string out = "{\"details\":{\"totalResult\":\"" + std::to_string(page->total) +
                    "\",\"processedSequence\":\"" + std::to_string(page->processed_sequence) +
                    "\",\"viewTimestamp\":\"" + Rfc3339(WallMs()) + "\"},\"result\":[";
  for (size_t i = 0; i < page->entries.size(); ++i) {
    if (i) out.push_back(',');
    out += MetadataJson(*org_id, page->entries[i].key, page->entries[i].stored);
  }
  out += "]}";
  co_return MakeResponse(http::status::ok, std::move(out));
}

}  // namespace

void RegisterRoutes(Router& router_in, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  router_in.SetErrorFormat("/management", ErrorResponse);
  // Every route counts against the "zitadel" rate-limit group (off unless configured).
  RateLimitedRoutes router(router_in, ctx, RateLimitGroup::kZitadel, ErrorResponse);
  // The literal `_search` / `_bulk` routes come first: the router tries routes in order.
  router.Add(V::post, "/management/v1/metadata/_search",
             [c](Call& call) { return SearchHandler(*c, call); });
  router.Add(V::post, "/management/v1/metadata/_bulk",
             [c](Call& call) { return Write(*c, call, BuildBulkSet); });
  router.Add(V::delete_, "/management/v1/metadata/_bulk",
             [c](Call& call) { return Write(*c, call, BuildBulkRemove); });
  router.Add(V::post, "/management/v1/metadata/{}", [c](Call& call) {
    return Write(*c, call, [key = call.params[0]](const std::string& org_id,
                                                  const json::value& body, auto outcome) {
      return BuildSet(key, org_id, body, std::move(outcome));
    });
  });
  router.Add(V::get, "/management/v1/metadata/{}",
             [c](Call& call) { return GetOne(*c, call); });
  router.Add(V::delete_, "/management/v1/metadata/{}", [c](Call& call) {
    return Write(*c, call, [key = call.params[0]](const std::string& org_id,
                                                  const json::value& body, auto outcome) {
      return BuildRemove(key, org_id, body, std::move(outcome));
    }, /*reads_body=*/false);
  });
}

}  // namespace meridian::api::zitadel
