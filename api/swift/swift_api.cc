// Swift account handlers and route registration (see swift_api.h).
#include "api/swift/swift_api.h"

#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cstdio>

#include "api/rate_limit.h"
#include "api/swift/account_meta.h"
#include "api/swift/swift_http.h"
#include "api/swift/tempauth.h"
#include "api/write_path.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::swift {
namespace asio = boost::asio;
namespace {

constexpr std::string_view kReseller = "AUTH_";

Response Error(const Status& st, const std::string& trans_id, const Call& call) {
  Response res = PlainError(HttpStatusOf(st), PublicMessage(st), trans_id);
  if (st.code() == Status::Code::kUnauthenticated) {
    // Swift quotes the account here (swift/common/middleware/tempauth.py): the decoded path
    // segment may hold any byte, a quote or CR/LF included.
    res.set(http::field::www_authenticate,
            "Swift realm=\"" + PercentEncode(call.params[0]) + "\"");
  }
  return res;
}

// TempAuth also takes the token as X-Storage-Token; the authenticator reads X-Auth-Token.
void AcceptStorageToken(Call& call) {
  auto storage_token = call.req.find("X-Storage-Token");
  if (storage_token != call.req.end() && call.req.find("X-Auth-Token") == call.req.end()) {
    call.req.set("X-Auth-Token", std::string(storage_token->value()));
  }
}

struct Account {
  std::string org_id;
  bool owner = false;  // may see the Temp-URL keys
};

// Who is asking, and whether `scope` on the account of the path is theirs. The account is
// AUTH_<org_id>; anything else names no organization (403 for a key, 404 for the operator).
Result<Account> AuthorizeAccount(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                                 uint8_t scope) {
  auto who = AuthenticateSwift(ctx, call.req, txn);
  if (!who.ok()) return who.status();
  const std::string& account = call.params[0];
  if (account.size() > kMaxAccountNameLength) {
    return Status::InvalidArgument("Account name length of " + std::to_string(account.size()) +
                                   " longer than " + std::to_string(kMaxAccountNameLength));
  }
  Account out;
  if (account.starts_with(kReseller)) out.org_id = account.substr(kReseller.size());
  if (!IsUuid(out.org_id)) {
    if (who->operator_admin) return Status::NotFound("Account not found");
    return Status::PermissionDenied("Forbidden: not your account");
  }
  MERIDIAN_RETURN_IF_ERROR(ctx.auth->Authorize(*who, out.org_id, scope, txn));
  // Swift shows Temp-URL keys to owners only: the operator and keys that may change them.
  out.owner = who->operator_admin || (who->scopes & kScopeWrite) != 0;
  return out;
}

// Refuses a stranger at once, then waits for a Meridian-Min-Commit-Token (write_path.h).
asio::awaitable<Status> AuthorizeThenAwaitToken(const ApiContext& ctx, const Call& call,
                                                uint8_t scope) {
  // The hot path (no token) allocates nothing.
  if (call.req.find(kMinCommitTokenHeader) == call.req.end()) co_return Status::Ok();
  const AuthorizeFn authorize = [&](const storage::Txn& txn) {
    return AuthorizeAccount(ctx, call, txn, scope).status();
  };
  co_return co_await api::AuthorizeThenAwaitToken(ctx, call.req, authorize);
}

// Swift's X-Timestamp of an account: its creation time as seconds with 5 decimals.
Result<std::string> CreatedTimestamp(const storage::Txn& txn, const std::string& org_id) {
  auto org = storage::GetLiveRecord(txn, storage::DataKey(storage::kSystemTenant, kOrgsNs, org_id));
  if (!org.ok()) return org.status();
  const int64_t ms = org->has_value() ? (*org)->created_at_ms() : 0;
  char text[40];
  std::snprintf(text, sizeof text, "%lld.%05lld", static_cast<long long>(ms / 1000),
                static_cast<long long>((ms % 1000) * 100));
  return std::string(text);
}

enum class Format { kPlain, kJson, kXml };

// The listing format: `format=` wins over Accept; unknown formats are plain, as in Swift.
Format ListingFormat(const Call& call) {
  std::string want;
  if (auto format = QueryParam(call.query, "format")) {
    for (char c : *format)
      want.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (want == "json") return Format::kJson;
    if (want == "xml") return Format::kXml;
    return Format::kPlain;
  }
  auto accept = call.req.find(http::field::accept);
  if (accept == call.req.end()) return Format::kPlain;
  const std::string_view a = accept->value();
  if (a.find("application/json") != std::string_view::npos) return Format::kJson;
  if (a.find("application/xml") != std::string_view::npos ||
      a.find("text/xml") != std::string_view::npos) {
    return Format::kXml;
  }
  return Format::kPlain;
}

// HEAD and GET of an account: 204 with the headers (GET in json/xml: 200 with an empty list).
asio::awaitable<Response> ReadAccount(const ApiContext& ctx, Call& call) {
  const std::string trans_id = TransIdFor(call.req);
  AcceptStorageToken(call);
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(waited, trans_id, call);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(txn.status(), trans_id, call);
  auto account = AuthorizeAccount(ctx, call, *txn, kScopeRead);
  if (!account.ok()) co_return Error(account.status(), trans_id, call);
  const bool head = call.req.method() == http::verb::head;
  if (!head) {
    // Swift refuses a numeric limit above the listing cap; anything else is ignored.
    auto limit = QueryParam(call.query, "limit");
    if (limit && !limit->empty() && limit->size() < 18 &&
        limit->find_first_not_of("0123456789") == std::string::npos &&
        std::stoull(*limit) > kAccountListingLimit) {
      co_return PlainError(http::status::precondition_failed,
                           "Maximum limit is " + std::to_string(kAccountListingLimit), trans_id);
    }
  }
  auto items = ReadMeta(*txn, account->org_id);
  if (!items.ok()) co_return Error(items.status(), trans_id, call);
  auto timestamp = CreatedTimestamp(*txn, account->org_id);
  if (!timestamp.ok()) co_return Error(timestamp.status(), trans_id, call);
  const Format format = ListingFormat(call);
  Response res;
  if (format == Format::kJson) {
    res = MakeResponse(http::status::ok, "[]", "application/json; charset=utf-8");
  } else if (format == Format::kXml) {
    res = MakeResponse(http::status::ok,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"AUTH_" +
                           account->org_id + "\">\n</account>",
                       "application/xml; charset=utf-8");
  } else {
    res = MakeResponse(http::status::no_content, "", "text/plain; charset=utf-8");
  }
  // HEAD answers 204 whatever the format, with the GET's content type.
  if (head) {
    res.result(http::status::no_content);
    res.body().clear();
  }
  res.set("X-Account-Container-Count", "0");
  res.set("X-Account-Object-Count", "0");
  res.set("X-Account-Bytes-Used", "0");
  res.set("X-Timestamp", *timestamp);
  res.set("X-Put-Timestamp", *timestamp);
  res.set(http::field::accept_ranges, "bytes");
  for (const auto& [name, value] : *items) {
    if (IsTempUrlKey(name) && !account->owner) continue;
    res.set("X-Account-Meta-" + TitleCase(name), value);
  }
  SetTransId(res, trans_id);
  co_return res;
}

// POST of an account: sets and removes metadata items; 204.
asio::awaitable<Response> PostAccount(const ApiContext& ctx, Call& call) {
  const std::string trans_id = TransIdFor(call.req);
  AcceptStorageToken(call);
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeWrite);
  if (!waited.ok()) co_return Error(waited, trans_id, call);
  storage::WriteBatch batch;
  WriteConsistency consistency;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(txn.status(), trans_id, call);
    auto account = AuthorizeAccount(ctx, call, *txn, kScopeWrite);
    if (!account.ok()) co_return Error(account.status(), trans_id, call);
    if (!call.req.body().empty()) {
      co_return PlainError(http::status::bad_request,
                           "The request body will not be accepted: account POST takes headers only",
                           trans_id);
    }
    auto update = ParseMetaUpdate(call.req);
    if (!update.ok()) co_return Error(update.status(), trans_id, call);
    auto level = ParseWriteConsistency(call.req);
    if (!level.ok()) co_return Error(level.status(), trans_id, call);
    consistency = *level;
    batch = UpdateBatch(account->org_id, *update);
  }  // the read transaction ends before waiting on the writer
  auto committed = co_await CommitAndWait(ctx, std::move(batch), consistency);
  if (!committed.ok())
    co_return WithCommitToken(Error(committed.status, trans_id, call), committed);
  Response res = NoContent(trans_id);
  SetCommitToken(res, committed);
  co_return res;
}

// PUT and DELETE of an account are reseller-admin operations Swift disables by default.
asio::awaitable<Response> NotAllowed(Call& call) {
  Response res = PlainError(http::status::method_not_allowed,
                            "Method Not Allowed: accounts are managed by the operator API",
                            TransIdFor(call.req));
  res.set(http::field::allow, "GET, HEAD, POST");
  co_return res;
}

}  // namespace

void RegisterRoutes(Router& router_in, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  for (const char* prefix : {"/v1/", "/auth/", "/info"})
    router_in.SetErrorFormat(prefix, RouterError);
  // Every route counts against the "swift" rate-limit group (off unless configured).
  auto add = [&](V method, std::string_view pattern, Handler handler) {
    router_in.Add(method, pattern,
                  WithRateLimit(ctx, RateLimitGroup::kSwift, RouterError, std::move(handler)));
  };
  add(V::get, "/auth/v1.0", [c](Call& call) { return GetToken(*c, call); });
  add(V::get, "/info", [](Call& call) -> asio::awaitable<Response> { co_return Info(call); });
  add(V::get, "/v1/{}", [c](Call& call) { return ReadAccount(*c, call); });
  add(V::post, "/v1/{}", [c](Call& call) { return PostAccount(*c, call); });
  add(V::put, "/v1/{}", [](Call& call) { return NotAllowed(call); });
  add(V::delete_, "/v1/{}", [](Call& call) { return NotAllowed(call); });
}

}  // namespace meridian::api::swift
