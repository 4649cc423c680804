// Swift account handlers and route registration (see swift_api.h).
#include "api/swift/swift_api.h"

#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cstdio>

#include "api/swift/account_controls.h"
#include "api/swift/account_meta.h"
#include "api/swift/swift_http.h"
#include "api/swift/tempauth.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::swift {
namespace asio = boost::asio;
namespace {

constexpr std::string_view kReseller = "AUTH_";

// The organization of the account in the path, AUTH_<org_id>; anything else names none (403
// for a key, 404 for the operator).
Result<std::string> AccountOrg(const Call& call, const Principal& who) {
  const std::string& account = call.params[0];
  if (account.size() > kMaxAccountNameLength) {
    return Status::InvalidArgument("Account name length of " + std::to_string(account.size()) +
                                   " longer than " + std::to_string(kMaxAccountNameLength));
  }
  std::string org_id;
  if (account.starts_with(kReseller)) org_id = account.substr(kReseller.size());
  if (!IsUuid(org_id)) {
    if (who.operator_admin) return Status::NotFound("Account not found");
    return Status::PermissionDenied("Forbidden: not your account");
  }
  return org_id;
}

// Every Swift answer carries a transaction id; a 401 of an account names its realm.
void Finish(Response& res, const Call& call) {
  SetTransId(res, TransIdFor(call.req));
  if (res.result() == http::status::unauthorized && !call.params.empty()) {
    // Swift quotes the account here (swift/common/middleware/tempauth.py): the decoded path
    // segment may hold any byte, a quote or CR/LF included.
    res.set(http::field::www_authenticate, "Swift realm=\"" + PercentEncode(call.params[0]) + "\"");
  }
}

// Errors raised before routing (404, 413) get a transaction id here; Finish sets the call's.
// The code kPreconditionCode (swift_http.h) is Swift's 412, which Status has no code for.
Response Encode(const ApiError& e) {
  const http::status status =
      e.code == kPreconditionCode ? http::status::precondition_failed : e.status;
  return PlainError(status, e.message, NewTransId());
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
asio::awaitable<Reply> ReadAccount(const ApiContext&, Call& call, Resolved& r) {
  const bool head = call.req.method() == http::verb::head;
  if (!head) {
    // Swift refuses a numeric limit above the listing cap; anything else is ignored.
    auto limit = QueryParam(call.query, "limit");
    if (limit && !limit->empty() && limit->size() < 18 &&
        limit->find_first_not_of("0123456789") == std::string::npos &&
        std::stoull(*limit) > kAccountListingLimit) {
      co_return Encode(ApiError{http::status::precondition_failed,
                                {},
                                "Maximum limit is " + std::to_string(kAccountListingLimit),
                                call.request_id});
    }
  }
  auto items = ReadMeta(*r.txn, r.org_id);
  if (!items.ok()) co_return items.status();
  auto quotas = ReadQuotas(*r.txn, r.org_id);
  if (!quotas.ok()) co_return quotas.status();
  auto timestamp = CreatedTimestamp(*r.txn, r.org_id);
  if (!timestamp.ok()) co_return timestamp.status();
  const Format format = ListingFormat(call);
  Response res;
  if (format == Format::kJson) {
    res = MakeResponse(http::status::ok, "[]", "application/json; charset=utf-8");
  } else if (format == Format::kXml) {
    res = MakeResponse(http::status::ok,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"AUTH_" +
                           r.org_id + "\">\n</account>",
                       "application/xml; charset=utf-8");
  } else {
    // Swift's 204 listing still names its format (test_account.py test_GET_HEAD_content_type).
    res = MakeResponse(http::status::no_content, "");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
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
  // Swift shows Temp-URL keys to owners only: the operator and keys that may change them.
  const bool owner = r.who.operator_admin || (r.who.scopes & kScopeWrite) != 0;
  for (const auto& [name, value] : *items) {
    if ((IsTempUrlKey(name) && !owner) || IsQuotaMetaName(name)) continue;
    res.set("X-Account-Meta-" + TitleCase(name), value);
  }
  // Quotas are shown to every reader, as the account_quotas middleware does.
  for (const auto& [name, value] : *quotas) res.set(QuotaHeader(name), value);
  co_return res;
}

// POST of an account: sets and removes metadata items; 204.
asio::awaitable<Reply> PostAccount(const ApiContext& ctx, Call& call, Resolved& r) {
  if (!call.req.body().empty()) {
    co_return Status::InvalidArgument(
        "The request body will not be accepted: account POST takes headers only");
  }
  // The operator's key is Swift's reseller admin: the only one that may change quotas.
  auto controls = ParseAccountControls(call.req, r.who.operator_admin);
  if (!controls.ok()) co_return controls.status();
  auto update = ParseMetaUpdate(call.req);
  if (!update.ok()) co_return update.status();
  storage::WriteBatch batch = UpdateBatch(r.org_id, *update);
  AddQuotaMutations(r.org_id, *controls, batch);
  co_return co_await Commit(ctx, r, std::move(batch), NoContent());
}

// PUT and DELETE of an account are reseller-admin operations Swift disables by default.
asio::awaitable<Reply> NotAllowed(const ApiContext&, Call& call, Resolved&) {
  if (Status path = CheckSwiftPath(call.path); !path.ok()) co_return path;
  Response res = Encode(ApiError{http::status::method_not_allowed,
                                 {},
                                 "Method Not Allowed: accounts are managed by the operator API",
                                 call.request_id});
  res.set(http::field::allow, "GET, HEAD, POST");
  co_return res;
}

// `/v1` and `/v1/` name no account: Swift's proxy finds no controller for them.
asio::awaitable<Reply> BadUrl(const ApiContext&, Call& call, Resolved&) {
  if (Status path = CheckSwiftPath(call.path); !path.ok()) co_return path;
  co_return PreconditionFailed("Bad URL");
}

asio::awaitable<Reply> InfoHandler(const ApiContext&, Call&, Resolved&) { co_return Info(); }

Dialect MakeDialect() {
  using V = http::verb;
  constexpr OrgFrom kAccount = OrgFrom::kDialect;
  Dialect d;
  d.prefixes = {"/v1/", "/v1", "/auth/", "/info"};
  d.encode = Encode;
  d.limit_group = RateLimitGroup::kSwift;
  d.authenticate = AuthenticateSwift;
  d.org_of = AccountOrg;
  d.finish = Finish;
  // Scope 0: public (TempAuth's token endpoint, the capabilities, and the refused verbs).
  d.routes = {
      {V::get, "/auth/v1.0", 0, OrgFrom::kNone, false, GetToken},
      {V::get, "/info", 0, OrgFrom::kNone, false, InfoHandler},
  };
  // The account path, with or without Swift's trailing slash.
  for (const std::string path : {"/v1/{}", "/v1/{}/"}) {
    d.routes.push_back({V::get, path, kScopeRead, kAccount, false, ReadAccount});
    d.routes.push_back({V::post, path, kScopeWrite, kAccount, true, PostAccount});
    d.routes.push_back({V::put, path, 0, OrgFrom::kNone, true, NotAllowed});
    d.routes.push_back({V::delete_, path, 0, OrgFrom::kNone, true, NotAllowed});
  }
  for (const std::string path : {"/v1", "/v1/"}) {
    for (V method : {V::get, V::post, V::put, V::delete_}) {
      d.routes.push_back({method, path, 0, OrgFrom::kNone, false, BadUrl});
    }
  }
  return d;
}

}  // namespace

const Dialect& SwiftDialect() {
  static const Dialect dialect = MakeDialect();
  return dialect;
}

}  // namespace meridian::api::swift
