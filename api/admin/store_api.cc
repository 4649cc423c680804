// Operator store access and drain (see store_api.h).
#include "api/admin/store_api.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "api/pipeline.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::admin {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

// LMDB's default key limit is 511 bytes; the rest of the store's keys stay well under it.
constexpr size_t kMaxKeyBytes = 500;
constexpr size_t kMaxListLimit = 10000;

// Tenant and namespace are NUL-free (storage/keys.h); the whole key fits LMDB's limit.
Status CheckKeyParts(std::string_view tenant, std::string_view ns, std::string_view name) {
  if (tenant.empty() || ns.empty())
    return Status::InvalidArgument("tenant and namespace must not be empty");
  if (tenant.find('\0') != std::string_view::npos || ns.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("tenant and namespace must not contain NUL");
  }
  if (tenant.size() + ns.size() + name.size() + 2 > kMaxKeyBytes) {
    return Status::InvalidArgument("the key is longer than 500 bytes");
  }
  return Status::Ok();
}

// Organizations and API keys have their own verbs, which keep their two records consistent.
Status CheckWritable(std::string_view tenant) {
  if (tenant == storage::kSystemTenant) {
    return Status::PermissionDenied(
        "the system tenant is written through the organization and key endpoints");
  }
  return Status::Ok();
}

std::string HexOfHlc(uint64_t hlc) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hlc));
  return buf;
}

asio::awaitable<Reply> GetRecord(const ApiContext&, Call& call, Resolved& r) {
  Status st = CheckKeyParts(call.params[0], call.params[1], call.params[2]);
  if (!st.ok()) co_return st;
  auto record = storage::GetLiveRecord(
      *r.txn, storage::DataKey(call.params[0], call.params[1], call.params[2]));
  if (!record.ok()) co_return record.status();
  if (!record->has_value()) co_return Status::NotFound("no such record");
  const storage::Record& found = **record;
  Response res = MakeResponse(http::status::ok, found.value(), "application/octet-stream");
  res.set("Meridian-Record-Hlc", HexOfHlc(found.hlc()));
  res.set("Meridian-Record-Origin", found.origin());
  res.set("Meridian-Record-Updated", Rfc3339(found.updated_at_ms()));
  co_return res;
}

// The key of the record a write names: valid, and outside the system tenant.
Result<std::string> WritableKey(const Call& call) {
  MERIDIAN_RETURN_IF_ERROR(CheckKeyParts(call.params[0], call.params[1], call.params[2]));
  MERIDIAN_RETURN_IF_ERROR(CheckWritable(call.params[0]));
  return storage::DataKey(call.params[0], call.params[1], call.params[2]);
}

asio::awaitable<Reply> PutRecord(const ApiContext& ctx, Call& call, Resolved& r) {
  auto key = WritableKey(call);
  if (!key.ok()) co_return key.status();
  storage::WriteBatch batch;
  batch.Put(*key, call.req.body());
  co_return co_await Commit(ctx, r, std::move(batch), Response{http::status::no_content, 11});
}

asio::awaitable<Reply> DeleteRecord(const ApiContext& ctx, Call& call, Resolved& r) {
  auto key = WritableKey(call);
  if (!key.ok()) co_return key.status();
  storage::WriteBatch batch;
  batch.Delete(*key);
  batch.prepare = [key = *key](const storage::Txn& txn, std::vector<storage::Mutation>&) {
    auto record = storage::GetLiveRecord(txn, key);
    if (!record.ok()) return record.status();
    return record->has_value() ? Status::Ok() : Status::NotFound("no such record");
  };
  co_return co_await Commit(ctx, r, std::move(batch), Response{http::status::no_content, 11});
}

// GET /admin/v1/store/{tenant}/{ns}?prefix=&after=&limit=: names in order, `next` when more.
asio::awaitable<Reply> ListRecords(const ApiContext&, Call& call, Resolved& r) {
  Status st;
  const std::string prefix = QueryParam(call.query, "prefix").value_or("");
  // `after` is a name as `next` gives it (EscapeName), decoded back to its bytes here.
  const auto after = PercentDecode(QueryParam(call.query, "after").value_or(""), false);
  st = CheckKeyParts(call.params[0], call.params[1], prefix);
  if (st.ok() && !after) st = Status::InvalidArgument("after must be a name as ls gives it");
  size_t limit = 100;
  if (auto l = QueryParam(call.query, "limit"); l && st.ok()) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v == 0 || v > kMaxListLimit) {
      st = Status::InvalidArgument("limit must be 1 to 10000");
    }
    limit = static_cast<size_t>(v);
  }
  if (!st.ok()) co_return st;
  const std::string ns_prefix = storage::NamespacePrefix(call.params[0], call.params[1]);
  json::array result;
  std::optional<std::string> next;
  st = storage::ScanLive(
      *r.txn, ns_prefix + prefix, [&](std::string_view rest, const storage::Record& rec) {
        std::string name = prefix + std::string(rest);
        if (!after->empty() && name <= *after) return true;
        if (result.size() == limit) {
          next = EscapeName(result.back().as_object().at("raw").as_string());
          return false;
        }
        result.push_back(json::object{{"name", EscapeName(name)},
                                      {"raw", name},
                                      {"size", rec.value().size()},
                                      {"hlc", HexOfHlc(rec.hlc())},
                                      {"origin", rec.origin()},
                                      {"updated_at", Rfc3339(rec.updated_at_ms())}});
        return true;
      });
  if (!st.ok()) co_return st;
  for (auto& item : result) item.as_object().erase("raw");
  json::object body{{"result", std::move(result)}};
  if (next) body["next"] = *next;
  co_return MakeResponse(http::status::ok, json::serialize(body));
}

// POST /admin/v1/drain?timeout_ms=N: refuses new writes, then waits until every peer acked
// this node's log up to where it stood. 200 with "replicated": true or false (timed out).
asio::awaitable<Reply> Drain(const ApiContext& ctx, Call& call, Resolved& r) {
  r.txn.reset();  // it waits for the peers: no snapshot held meanwhile
  if (ctx.writes_paused == nullptr)
    co_return Status::Unavailable("drain is not wired on this node");
  long long timeout_ms = 30000;
  if (auto t = QueryParam(call.query, "timeout_ms")) {
    char* end = nullptr;
    timeout_ms = std::strtoll(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || timeout_ms < 0 || timeout_ms > 600000) {
      co_return Status::InvalidArgument("timeout_ms must be 0 to 600000");
    }
  }
  ctx.writes_paused->store(true);
  ctx.draining->store(true);  // /readyz answers 503: load balancers move clients away
  // In-flight writes were submitted before the flag; the writer's committed position covers
  // them once it stops growing, which the peers' acks are then compared against.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  asio::steady_timer tick(co_await asio::this_coro::executor);
  json::object status;
  bool replicated = false;
  for (;;) {
    boost::system::error_code ec;
    json::value v = json::parse(co_await ctx.replication->StatusJson(), ec);
    if (!ec && v.is_object()) status = v.as_object();
    const uint64_t last = ctx.store->writer().committed_seq();
    replicated = true;
    if (auto* peers = status.if_contains("peers"); peers && peers->is_array()) {
      for (const auto& p : peers->as_array()) {
        const auto* acked = p.as_object().if_contains("acked_seq");
        if (acked == nullptr || acked->to_number<uint64_t>() < last) replicated = false;
      }
    }
    if (replicated || std::chrono::steady_clock::now() >= deadline) break;
    tick.expires_after(std::chrono::milliseconds(50));
    co_await tick.async_wait(asio::use_awaitable);
  }
  json::object body{{"draining", true},
                    {"replicated", replicated},
                    {"last_seq", ctx.store->writer().committed_seq()},
                    {"peers", status.contains("peers") ? status.at("peers") : json::array()}};
  co_return MakeResponse(http::status::ok, json::serialize(body));
}

// DELETE /admin/v1/drain: accepts writes again.
asio::awaitable<Reply> Resume(const ApiContext& ctx, Call&, Resolved&) {
  if (ctx.writes_paused != nullptr) ctx.writes_paused->store(false);
  ctx.draining->store(false);
  co_return MakeResponse(http::status::ok, "{\"draining\":false}");
}

}  // namespace

std::string EscapeName(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    if (c > 0x20 && c < 0x7f && c != '%' && c != '"' && c != '\\' && c != '/' && c != '?' &&
        c != '#') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<Route> StoreRoutes() {
  using V = http::verb;
  // Operator only: no organization.
  constexpr uint8_t kAdmin = kScopeAdmin;
  constexpr OrgFrom kOp = OrgFrom::kNone;
  const std::string ns = "/admin/v1/store/{}/{}", one = "/admin/v1/store/{}/{}/{}";
  return {
      {V::get, ns, kAdmin, kOp, false, ListRecords},
      {V::get, one, kAdmin, kOp, false, GetRecord},
      {V::put, one, kAdmin, kOp, true, PutRecord},
      {V::delete_, one, kAdmin, kOp, true, DeleteRecord},
      {V::post, "/admin/v1/drain", kAdmin, kOp, false, Drain},
      {V::delete_, "/admin/v1/drain", kAdmin, kOp, false, Resume},
  };
}

}  // namespace meridian::api::admin
