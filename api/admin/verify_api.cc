// Verify and repair endpoints (see verify_api.h).
#include "api/admin/verify_api.h"

#include <boost/json.hpp>
#include <cstdio>

#include "api/admin/ops_worker.h"
#include "api/write_path.h"
#include "storage/digest.h"
#include "storage/records.h"

namespace meridian::api::admin {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

constexpr size_t kMaxKeysPerCall = 1000;
constexpr size_t kDefaultLeafMax = 32;

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

asio::awaitable<Reply> GetDigest(const ApiContext& ctx, Call& call, Resolved& r) {
  r.txn.reset();  // the digest reads its own snapshot on the worker thread
  if (ctx.ops_worker == nullptr) co_return Status::Unavailable("this node has no operator worker");
  std::string prefix;
  if (!storage::BytesOfHex(QueryParam(call.query, "prefix").value_or(""), &prefix)) {
    co_return Status::InvalidArgument("prefix must be hex");
  }
  size_t leaf_max = kDefaultLeafMax;
  if (auto l = QueryParam(call.query, "leaf_max")) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v > kMaxKeysPerCall) {
      co_return Status::InvalidArgument("leaf_max must be 0 to 1000");
    }
    leaf_max = static_cast<size_t>(v);
  }
  std::function<Result<storage::DigestNode>()> job = [&ctx, prefix, leaf_max] {
    auto txn = ctx.store->Read();
    if (!txn.ok()) return Result<storage::DigestNode>(txn.status());
    return storage::DigestPrefix(*txn, prefix, leaf_max);
  };
  auto node = co_await ctx.ops_worker->Run(std::move(job));
  if (!node->ok()) co_return node->status();
  co_return MakeResponse(http::status::ok, json::serialize(DigestJson(ctx, **node)));
}

asio::awaitable<Reply> GetNodes(const ApiContext& ctx, Call&, Resolved&) {
  json::object nodes;
  for (const auto& [id, api] : ctx.node_apis) nodes[id] = api;
  co_return MakeResponse(http::status::ok,
                         json::serialize(json::object{{"node_id", ctx.node_id}, {"nodes", nodes}}));
}

asio::awaitable<Reply> GetRecords(const ApiContext&, Call& call, Resolved& r) {
  auto keys = BodyArray(call, "keys");
  if (!keys.ok()) co_return keys.status();
  json::array records;
  for (const auto& item : *keys) {
    auto key = HexField(item, nullptr);
    if (!key.ok()) co_return key.status();
    auto raw = r.txn->Get(storage::Db::kData, *key);
    if (!raw.ok()) co_return raw.status();
    json::object entry{{"key", storage::HexOf(*key)}};
    entry["record"] = raw->has_value() ? json::value(storage::HexOf(**raw)) : json::value();
    records.push_back(std::move(entry));
  }
  co_return MakeResponse(http::status::ok, json::serialize(json::object{{"records", records}}));
}

asio::awaitable<Reply> Repair(const ApiContext& ctx, Call& call, Resolved& r) {
  auto items = BodyArray(call, "records");
  if (!items.ok()) co_return items.status();
  // The apply path checks every record (decodes, fits LMDB) before writing any.
  storage::SnapshotChunk chunk;
  chunk.origin = ctx.store->origin_id();
  for (const auto& item : *items) {
    auto key = HexField(item, "key");
    auto record = key.ok() ? HexField(item, "record") : key;
    if (!record.ok()) co_return record.status();
    chunk.records.emplace_back(std::move(*key), std::move(*record));
  }
  const size_t merged = chunk.records.size();
  storage::WriteBatch batch;
  batch.snapshot = std::move(chunk);
  std::string body = "{\"merged\":" + std::to_string(merged) + "}";
  co_return co_await Commit(ctx, r, std::move(batch),
                            MakeResponse(http::status::ok, std::move(body)));
}

}  // namespace

std::vector<Route> VerifyRoutes() {
  using V = http::verb;
  constexpr OrgFrom kOp = OrgFrom::kNone;  // the operator's admin key only
  return {
      {V::get, "/admin/v1/digest", kScopeAdmin, kOp, false, GetDigest},
      {V::get, "/admin/v1/nodes", kScopeAdmin, kOp, false, GetNodes},
      {V::post, "/admin/v1/records", kScopeAdmin, kOp, false, GetRecords},
      {V::post, "/admin/v1/repair", kScopeAdmin, kOp, true, Repair},
  };
}

}  // namespace meridian::api::admin
