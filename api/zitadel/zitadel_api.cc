// ZITADEL organization-metadata handlers (see zitadel_api.h).
#include "api/zitadel/zitadel_api.h"

#include <boost/asio/use_awaitable.hpp>

#include "api/json_util.h"
#include "api/zitadel/errors.h"
#include "api/zitadel/metadata_store.h"

namespace meridian::api::zitadel {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

constexpr std::string_view kIdBody = "MERIDIAN-body";

Status BadBody(std::string_view text) { return WithCode(Status::InvalidArgument(text), kIdBody); }

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

std::string DetailsBody(const WriteOutcome& outcome) {
  return "{\"details\":" + DetailsJson(outcome.details) + "}";
}

// Builds a write's batch from (organization, body, where the batch reports its details).
using BatchBuilder = std::function<Result<storage::WriteBatch>(
    const std::string& org_id, const json::value& body, std::shared_ptr<WriteOutcome> outcome)>;

// Every write: body and batch on the prologue's snapshot, then the shared write path. Answers
// 200 {"details": ...} with the commit token. `reads_body` is false where ZITADEL maps no body
// (DELETE of one key): any body is ignored.
asio::awaitable<Reply> Write(const ApiContext& ctx, Call& call, Resolved& r, BatchBuilder build,
                             bool reads_body = true) {
  auto outcome = std::make_shared<WriteOutcome>();
  auto body = reads_body ? Body(call) : Result<json::value>(json::value(nullptr));
  if (!body.ok()) co_return body.status();
  auto batch = build(r.org_id, *body, outcome);
  if (!batch.ok()) co_return batch.status();
  r.txn.reset();
  auto committed = co_await CommitAndWait(ctx, std::move(*batch), r.consistency);
  // The details are known once the writer ran the batch.
  co_return Committed(committed, MakeResponse(http::status::ok, DetailsBody(*outcome)));
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
    return WithCode(Status::InvalidArgument("No metadata to set"), kIdBulkSetEmpty);
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
        return WithCode(Status::InvalidArgument("Keys must not be empty"), kIdBulkKeyEmpty);
      }
      MERIDIAN_RETURN_IF_ERROR(CheckKey(key.as_string()));
      keys.emplace_back(key.as_string());
    }
  }
  if (keys.empty()) {
    return WithCode(Status::InvalidArgument("No metadata keys to remove"), kIdBulkRemoveEmpty);
  }
  return RemoveBatch(org_id, std::move(keys), std::string(kIdBulkKeyMissing), std::move(outcome));
}

std::string MetadataJson(const std::string& org_id, std::string_view key, const StoredEntry& e) {
  return "{\"details\":" + DetailsJson({e.sequence, e.created_ms, e.changed_ms, org_id}) +
         ",\"key\":" + JsonQuote(key) + ",\"value\":" + JsonQuote(e.value) + "}";
}

asio::awaitable<Reply> GetOne(const ApiContext&, Call& call, Resolved& r) {
  const std::string& key = call.params[0];
  if (Status valid = CheckKey(key); !valid.ok()) co_return valid;
  auto entry = GetEntry(*r.txn, r.org_id, key);
  if (!entry.ok()) co_return entry.status();
  if (!entry->has_value()) co_return WithCode(Status::NotFound("Metadata not found"), kIdNotFound);
  co_return MakeResponse(http::status::ok,
                         "{\"metadata\":" + MetadataJson(r.org_id, key, **entry) + "}");
}

asio::awaitable<Reply> SearchHandler(const ApiContext&, Call& call, Resolved& r) {
  auto body = Body(call);
  if (!body.ok()) co_return body.status();
  auto request = ParseSearchRequest(*body);
  if (!request.ok()) co_return request.status();
  auto page = Search(*r.txn, r.org_id, *request);
  if (!page.ok()) co_return page.status();
  std::string out = "{\"details\":{\"totalResult\":\"" + std::to_string(page->total) +
                    "\",\"processedSequence\":\"" + std::to_string(page->processed_sequence) +
                    "\",\"viewTimestamp\":\"" + Rfc3339(WallMs()) + "\"},\"result\":[";
  for (size_t i = 0; i < page->entries.size(); ++i) {
    if (i) out.push_back(',');
    out += MetadataJson(r.org_id, page->entries[i].key, page->entries[i].stored);
  }
  out += "]}";
  co_return MakeResponse(http::status::ok, std::move(out));
}

// A write route whose batch comes from `build`.
RouteHandler Writes(BatchBuilder build, bool reads_body = true) {
  return [build, reads_body](const ApiContext& ctx, Call& call, Resolved& r) {
    return Write(ctx, call, r, build, reads_body);
  };
}

// A write route of the key named in the path.
template <typename Build>
RouteHandler KeyWrites(Build build, bool reads_body = true) {
  return [build, reads_body](const ApiContext& ctx, Call& call, Resolved& r) {
    BatchBuilder bound = [key = call.params[0], build](const std::string& org_id,
                                                       const json::value& body, auto outcome) {
      return build(key, org_id, body, std::move(outcome));
    };
    return Write(ctx, call, r, std::move(bound), reads_body);
  };
}

Dialect MakeDialect() {
  using V = http::verb;
  constexpr OrgFrom kOrg = OrgFrom::kHeaderOrKey;
  const std::string meta = "/management/v1/metadata/";
  Dialect d;
  d.prefixes = {"/management"};
  d.encode = ErrorResponse;
  d.limit_group = RateLimitGroup::kZitadel;
  d.org_header = std::string(kOrgHeader);
  // The literal `_search` / `_bulk` routes come first: the router tries routes in order.
  d.routes = {
      {V::post, meta + "_search", kScopeRead, kOrg, false, SearchHandler},
      {V::post, meta + "_bulk", kScopeWrite, kOrg, true, Writes(BuildBulkSet)},
      {V::delete_, meta + "_bulk", kScopeWrite, kOrg, true, Writes(BuildBulkRemove)},
      {V::post, meta + "{}", kScopeWrite, kOrg, true, KeyWrites(BuildSet)},
      {V::get, meta + "{}", kScopeRead, kOrg, false, GetOne},
      {V::delete_, meta + "{}", kScopeWrite, kOrg, true, KeyWrites(BuildRemove, false)},
  };
  return d;
}

}  // namespace

const Dialect& ZitadelDialect() {
  static const Dialect dialect = MakeDialect();
  return dialect;
}

}  // namespace meridian::api::zitadel
