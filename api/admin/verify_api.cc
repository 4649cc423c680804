// Verify and repair endpoints (see verify_api.h).
#include "api/admin/verify_api.h"

#include <boost/json.hpp>
#include <cstdio>

#include "api/slashid/attributes_api.h"
#include "api/write_path.h"
#include "storage/digest.h"
#include "storage/records.h"

namespace meridian::api::admin {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

constexpr size_t kMaxKeysPerCall = 1000;
constexpr size_t kDefaultLeafMax = 32;

Response Error(const Call& call, const Status& st) {
  return slashid::ErrorResponse(HttpStatusOf(st), PublicMessage(st), call.request_id);
}

Status RequireOperator(const ApiContext& ctx, const Call& call) {
  auto txn = ctx.store->Read();
  if (!txn.ok()) return txn.status();
  auto who = ctx.auth->Authenticate(call.req, *txn);
  if (!who.ok()) return who.status();
  if (!who->operator_admin)
    return Status::PermissionDenied("only the operator's admin key may do this");
  return Status::Ok();
}

std::string HexOfHlc(uint64_t hlc) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hlc));
  return buf;
}

std::string HexOfDigest(const storage::Digest& d) {
  return storage::HexOf(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

// The `field` array of a JSON body holding at most kMaxKeysPerCall items.
Result<json::array> BodyArray(const Call& call, std::string_view field) {
  boost::system::error_code ec;
  json::value v = json::parse(call.req.body(), ec);
  const json::value* items = !ec && v.is_object() ? v.as_object().if_contains(field) : nullptr;
  if (items == nullptr || !items->is_array()) {
    return Status::InvalidArgument("the body must be a JSON object with an array \"" +
                                   std::string(field) + "\"");
  }
  if (items->as_array().size() > kMaxKeysPerCall) {
    return Status::InvalidArgument("at most 1000 items per call");
  }
  return items->as_array();
}

// A hex string of `item` (or of its `field`) decoded to bytes.
Result<std::string> HexField(const json::value& item, const char* field) {
  const json::value* v =
      field ? (item.is_object() ? item.as_object().if_contains(field) : nullptr) : &item;
  std::string bytes;
  if (v == nullptr || !v->is_string() || !storage::BytesOfHex(v->as_string(), &bytes)) {
    return Status::InvalidArgument(std::string(field ? field : "key") + " must be hex");
  }
  return bytes;
}

json::object DigestJson(const ApiContext& ctx, const storage::DigestNode& node) {
  auto version_json = [](const storage::KeyVersion& k) {
    return json::object{{"key", storage::HexOf(k.key)},
                        {"hlc", HexOfHlc(k.hlc)},
                        {"origin", k.origin},
                        {"leaf", HexOfDigest(k.leaf)}};
  };
  json::array children;
  for (const auto& c : node.children) {
    json::object child{{"prefix", storage::HexOf(c.prefix)},
                       {"count", c.count},
                       {"digest", HexOfDigest(c.digest)}};
    if (c.only) child["only"] = version_json(*c.only);
    children.push_back(std::move(child));
  }
  json::object out{{"node_id", ctx.node_id},
                   {"origin_id", ctx.store->origin_id()},
                   {"prefix", storage::HexOf(node.prefix)},
                   {"count", node.count},
                   {"digest", HexOfDigest(node.digest)},
                   {"children", std::move(children)}};
  if (node.count == node.keys.size()) {
    json::array keys;
    for (const auto& k : node.keys) keys.push_back(version_json(k));
    out["keys"] = std::move(keys);
  }
  return out;
}

asio::awaitable<Response> GetDigest(const ApiContext& ctx, OpsWorker& worker, Call& call) {
  Status st = RequireOperator(ctx, call);
  std::string prefix;
  if (st.ok() && !storage::BytesOfHex(QueryParam(call.query, "prefix").value_or(""), &prefix)) {
    st = Status::InvalidArgument("prefix must be hex");
  }
  size_t leaf_max = kDefaultLeafMax;
  if (auto l = QueryParam(call.query, "leaf_max"); l && st.ok()) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v > kMaxKeysPerCall) {
      st = Status::InvalidArgument("leaf_max must be 0 to 1000");
    }
    leaf_max = static_cast<size_t>(v);
  }
  if (!st.ok()) co_return Error(call, st);
  std::function<Result<storage::DigestNode>()> job = [&ctx, prefix, leaf_max] {
    auto txn = ctx.store->Read();
    if (!txn.ok()) return Result<storage::DigestNode>(txn.status());
    return storage::DigestPrefix(*txn, prefix, leaf_max);
  };
  auto node = co_await worker.Run(std::move(job));
  if (!node->ok()) co_return Error(call, node->status());
  co_return MakeResponse(http::status::ok, json::serialize(DigestJson(ctx, **node)));
}

asio::awaitable<Response> GetNodes(const ApiContext& ctx,
                                   const std::map<std::string, std::string>& node_apis,
                                   Call& call) {
  Status st = RequireOperator(ctx, call);
  if (!st.ok()) co_return Error(call, st);
  json::object nodes;
  for (const auto& [id, api] : node_apis) nodes[id] = api;
  co_return MakeResponse(http::status::ok,
                         json::serialize(json::object{{"node_id", ctx.node_id}, {"nodes", nodes}}));
}

asio::awaitable<Response> GetRecords(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (!st.ok()) co_return Error(call, st);
  auto keys = BodyArray(call, "keys");
  if (!keys.ok()) co_return Error(call, keys.status());
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  json::array records;
  for (const auto& item : *keys) {
    auto key = HexField(item, nullptr);
    if (!key.ok()) co_return Error(call, key.status());
    auto raw = txn->Get(storage::Db::kData, *key);
    if (!raw.ok()) co_return Error(call, raw.status());
    json::object entry{{"key", storage::HexOf(*key)}};
    entry["record"] = raw->has_value() ? json::value(storage::HexOf(**raw)) : json::value();
    records.push_back(std::move(entry));
  }
  co_return MakeResponse(http::status::ok, json::serialize(json::object{{"records", records}}));
}

asio::awaitable<Response> Repair(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (!st.ok()) co_return Error(call, st);
  auto items = BodyArray(call, "records");
  if (!items.ok()) co_return Error(call, items.status());
  // The apply path checks every record (decodes, fits LMDB) before writing any.
  storage::SnapshotChunk chunk;
  chunk.origin = ctx.store->origin_id();
  for (const auto& item : *items) {
    auto key = HexField(item, "key");
    auto record = key.ok() ? HexField(item, "record") : key;
    if (!record.ok()) co_return Error(call, record.status());
    chunk.records.emplace_back(std::move(*key), std::move(*record));
  }
  const size_t merged = chunk.records.size();
  storage::WriteBatch batch;
  batch.snapshot = std::move(chunk);
  auto committed = co_await CommitAndWait(ctx, std::move(batch), WriteConsistency{});
  if (!committed.ok()) co_return Error(call, committed.status);
  co_return MakeResponse(http::status::ok, json::serialize(json::object{{"merged", merged}}));
}

}  // namespace

void RegisterVerifyRoutes(Router& router, const ApiContext& ctx, OpsWorker& worker,
                          std::map<std::string, std::string> node_apis) {
  const ApiContext* c = &ctx;
  OpsWorker* w = &worker;
  auto apis = std::make_shared<const std::map<std::string, std::string>>(std::move(node_apis));
  using V = http::verb;
  router.Add(V::get, "/admin/v1/digest", [c, w](Call& call) { return GetDigest(*c, *w, call); });
  router.Add(V::get, "/admin/v1/nodes",
             [c, apis](Call& call) { return GetNodes(*c, *apis, call); });
  router.Add(V::post, "/admin/v1/records", [c](Call& call) { return GetRecords(*c, call); });
  router.Add(V::post, "/admin/v1/repair", [c](Call& call) { return Repair(*c, call); });
}

}  // namespace meridian::api::admin
