// Operator store access and drain (see store_api.h).
#include "api/admin/store_api.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "api/slashid/attributes_api.h"
#include "api/write_path.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::admin {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

// LMDB's default key limit is 511 bytes; the rest of the store's keys stay well under it.
constexpr size_t kMaxKeyBytes = 500;
constexpr size_t kMaxListLimit = 10000;

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

asio::awaitable<Response> GetRecord(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (st.ok()) st = CheckKeyParts(call.params[0], call.params[1], call.params[2]);
  if (!st.ok()) co_return Error(call, st);
  if (Status waited = co_await AwaitMinCommitToken(ctx, call.req); !waited.ok()) {
    co_return Error(call, waited);
  }
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto record = storage::GetLiveRecord(
      *txn, storage::DataKey(call.params[0], call.params[1], call.params[2]));
  if (!record.ok()) co_return Error(call, record.status());
  if (!record->has_value()) co_return Error(call, Status::NotFound("no such record"));
  const storage::Record& r = **record;
  Response res = MakeResponse(http::status::ok, r.value(), "application/octet-stream");
  res.set("Meridian-Record-Hlc", HexOfHlc(r.hlc()));
  res.set("Meridian-Record-Origin", r.origin());
  res.set("Meridian-Record-Updated", Rfc3339(r.updated_at_ms()));
  co_return res;
}

asio::awaitable<Response> CommitBatch(const ApiContext& ctx, Call& call,
                                      storage::WriteBatch batch) {
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) co_return Error(call, consistency.status());
  // Writes honour Meridian-Min-Commit-Token too, after the operator check (docs/http-api.md).
  if (Status waited = co_await AwaitMinCommitToken(ctx, call.req); !waited.ok()) {
    co_return Error(call, waited);
  }
  auto committed = co_await CommitAndWait(ctx, std::move(batch), *consistency);
  if (!committed.ok()) co_return WithCommitToken(Error(call, committed.status), committed);
  Response res{http::status::no_content, 11};
  SetCommitToken(res, committed);
  co_return res;
}

asio::awaitable<Response> PutRecord(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (st.ok()) st = CheckKeyParts(call.params[0], call.params[1], call.params[2]);
  if (st.ok()) st = CheckWritable(call.params[0]);
  if (!st.ok()) co_return Error(call, st);
  storage::WriteBatch batch;
  batch.Put(storage::DataKey(call.params[0], call.params[1], call.params[2]), call.req.body());
  co_return co_await CommitBatch(ctx, call, std::move(batch));
}

asio::awaitable<Response> DeleteRecord(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (st.ok()) st = CheckKeyParts(call.params[0], call.params[1], call.params[2]);
  if (st.ok()) st = CheckWritable(call.params[0]);
  if (!st.ok()) co_return Error(call, st);
  const std::string key = storage::DataKey(call.params[0], call.params[1], call.params[2]);
  storage::WriteBatch batch;
  batch.Delete(key);
  batch.prepare = [key](const storage::Txn& txn, std::vector<storage::Mutation>&) {
    auto record = storage::GetLiveRecord(txn, key);
    if (!record.ok()) return record.status();
    return record->has_value() ? Status::Ok() : Status::NotFound("no such record");
  };
  co_return co_await CommitBatch(ctx, call, std::move(batch));
}

// GET /admin/v1/store/{tenant}/{ns}?prefix=&after=&limit=: names in order, `next` when more.
asio::awaitable<Response> ListRecords(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  const std::string prefix = QueryParam(call.query, "prefix").value_or("");
  // `after` is a name as `next` gives it (EscapeName), decoded back to its bytes here.
  const auto after = PercentDecode(QueryParam(call.query, "after").value_or(""), false);
  if (st.ok()) st = CheckKeyParts(call.params[0], call.params[1], prefix);
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
  if (!st.ok()) co_return Error(call, st);
  if (Status waited = co_await AwaitMinCommitToken(ctx, call.req); !waited.ok()) {
    co_return Error(call, waited);
  }
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  const std::string ns_prefix = storage::NamespacePrefix(call.params[0], call.params[1]);
  json::array result;
  std::optional<std::string> next;
  st = storage::ScanLive(
      *txn, ns_prefix + prefix, [&](std::string_view rest, const storage::Record& r) {
        std::string name = prefix + std::string(rest);
        if (!after->empty() && name <= *after) return true;
        if (result.size() == limit) {
          next = EscapeName(result.back().as_object().at("raw").as_string());
          return false;
        }
        result.push_back(json::object{{"name", EscapeName(name)},
                                      {"raw", name},
                                      {"size", r.value().size()},
                                      {"hlc", HexOfHlc(r.hlc())},
                                      {"origin", r.origin()},
                                      {"updated_at", Rfc3339(r.updated_at_ms())}});
        return true;
      });
  if (!st.ok()) co_return Error(call, st);
  for (auto& item : result) item.as_object().erase("raw");
  json::object body{{"result", std::move(result)}};
  if (next) body["next"] = *next;
  co_return MakeResponse(http::status::ok, json::serialize(body));
}

// POST /admin/v1/drain?timeout_ms=N: refuses new writes, then waits until every peer acked
// this node's log up to where it stood. 200 with "replicated": true or false (timed out).
asio::awaitable<Response> Drain(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (!st.ok()) co_return Error(call, st);
  if (ctx.writes_paused == nullptr)
    co_return Error(call, Status::Unavailable("drain is not wired on this node"));
  long long timeout_ms = 30000;
  if (auto t = QueryParam(call.query, "timeout_ms")) {
    char* end = nullptr;
    timeout_ms = std::strtoll(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || timeout_ms < 0 || timeout_ms > 600000) {
      co_return Error(call, Status::InvalidArgument("timeout_ms must be 0 to 600000"));
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
asio::awaitable<Response> Resume(const ApiContext& ctx, Call& call) {
  Status st = RequireOperator(ctx, call);
  if (!st.ok()) co_return Error(call, st);
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

void RegisterStoreRoutes(Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  router.Add(V::get, "/admin/v1/store/{}/{}", [c](Call& call) { return ListRecords(*c, call); });
  router.Add(V::get, "/admin/v1/store/{}/{}/{}", [c](Call& call) { return GetRecord(*c, call); });
  router.Add(V::put, "/admin/v1/store/{}/{}/{}", [c](Call& call) { return PutRecord(*c, call); });
  router.Add(V::delete_, "/admin/v1/store/{}/{}/{}",
             [c](Call& call) { return DeleteRecord(*c, call); });
  router.Add(V::post, "/admin/v1/drain", [c](Call& call) { return Drain(*c, call); });
  router.Add(V::delete_, "/admin/v1/drain", [c](Call& call) { return Resume(*c, call); });
}

}  // namespace meridian::api::admin
