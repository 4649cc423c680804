// TempAuth v1 and /info (see tempauth.h).
#include "api/swift/tempauth.h"

#include <boost/json.hpp>
#include <chrono>

#include "api/auth.h"
#include "api/swift/account_meta.h"
#include "api/swift/swift_http.h"
#include "api/write_path.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::swift {
namespace json = boost::json;
namespace {

constexpr std::string_view kTokenPrefix = "mst_";

int64_t WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string HeaderOr(const Request& req, std::string_view first, std::string_view second) {
  for (std::string_view name : {first, second}) {
    auto it = req.find(name);
    if (it != req.end() && !it->value().empty()) return std::string(it->value());
  }
  return {};
}

// TempAuth's own answer to any bad credential, whatever was wrong with it.
Status Unauthorized() { return Status::Unauthenticated("Unauthorized"); }

}  // namespace

boost::asio::awaitable<Reply> GetToken(const ApiContext& ctx, Call& call, Resolved&) {
  const std::string user = HeaderOr(call.req, "X-Storage-User", "X-Auth-User");
  const std::string key = HeaderOr(call.req, "X-Storage-Pass", "X-Auth-Key");
  const size_t colon = user.find(':');
  if (colon == std::string::npos || key.empty()) co_return Unauthorized();
  std::string org_id = user.substr(0, colon);
  if (org_id.starts_with("AUTH_")) org_id.erase(0, 5);
  if (!IsUuid(org_id)) co_return Unauthorized();
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return txn.status();
    // The key is checked exactly as a request presenting it would be.
    auto who = ctx.auth->AuthenticateHash(Sha256Hex(key), *txn);
    if (!who.ok()) {
      if (who.status().code() == Status::Code::kUnauthenticated) co_return Unauthorized();
      co_return who.status();
    }
    bool allowed = who->org_id == org_id;
    if (who->operator_admin) {
      auto exists = ctx.auth->OrgExists(org_id, *txn);
      if (!exists.ok()) co_return exists.status();
      allowed = *exists;
    }
    if (!allowed) co_return Unauthorized();
  }
  // A fresh token per authentication; only its hash is stored, next to the key's hash.
  const std::string token = NewSecret(kTokenPrefix);
  const uint64_t ttl_s = ctx.swift_token_ttl_s;
  storage::WriteBatch batch;
  batch.Put(storage::DataKey(storage::kSystemTenant, kSwiftTokensNs, Sha256Hex(token)),
            json::serialize(json::object{{"key_sha256", Sha256Hex(key)},
                                         {"organization_id", org_id},
                                         {"issued_by", ctx.node_id},
                                         {"expires_ms", WallMs() + int64_t(ttl_s) * 1000}}));
  auto committed = co_await CommitAndWait(ctx, std::move(batch), WriteConsistency{});
  if (!committed.ok()) co_return committed.status;
  std::string host = "localhost";
  if (auto it = call.req.find(http::field::host); it != call.req.end() && !it->value().empty()) {
    host = std::string(it->value());
  }
  Response res = MakeResponse(http::status::ok, "", "text/html; charset=UTF-8");
  res.set("X-Auth-Token", token);
  res.set("X-Storage-Token", token);
  res.set("X-Auth-Token-Expires", std::to_string(ttl_s));
  res.set("X-Storage-Url", "http://" + host + "/v1/AUTH_" + org_id);
  co_return res;
}

boost::asio::awaitable<Result<size_t>> SweepExpiredTokens(const ApiContext& ctx, int64_t now_ms,
                                                          int64_t orphan_grace_ms,
                                                          size_t max_per_pass) {
  storage::WriteBatch batch;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return txn.status();
    const std::string prefix = storage::NamespacePrefix(storage::kSystemTenant, kSwiftTokensNs);
    Status scanned =
        storage::ScanLive(*txn, prefix, [&](std::string_view name, const storage::Record& record) {
          boost::system::error_code ec;
          json::value doc = json::parse(record.value(), ec);
          const json::object* obj = !ec && doc.is_object() ? &doc.as_object() : nullptr;
          const json::value* expires = obj ? obj->if_contains("expires_ms") : nullptr;
          const json::value* issuer = obj ? obj->if_contains("issued_by") : nullptr;
          // An undecodable record is left for an operator; AuthenticateSwift refuses it anyway.
          if (!expires || !expires->is_int64()) return true;
          const bool mine = issuer && issuer->is_string() && issuer->as_string() == ctx.node_id;
          if (expires->as_int64() + (mine ? 0 : orphan_grace_ms) <= now_ms) {
            batch.Delete(prefix + std::string(name));
          }
          return batch.mutations.size() < max_per_pass;
        });
    if (!scanned.ok()) co_return scanned;
  }
  const size_t count = batch.mutations.size();
  if (count == 0) co_return size_t{0};
  auto committed = co_await CommitAndWait(ctx, std::move(batch), WriteConsistency{});
  if (!committed.status.ok()) co_return committed.status;
  co_return count;
}

Result<Principal> AuthenticateSwift(const ApiContext& ctx, const Request& req,
                                    const storage::Txn& txn) {
  // Swift's proxy checks the path before anyone's credentials (412, not 401).
  const std::string_view target = req.target();
  if (auto path = PercentDecode(target.substr(0, target.find('?')), false)) {
    MERIDIAN_RETURN_IF_ERROR(CheckSwiftPath(*path));
  }
  auto presented = req.find("X-Auth-Token");
  // TempAuth also takes the token as X-Storage-Token.
  const bool as_storage_token = presented == req.end();
  if (as_storage_token) presented = req.find("X-Storage-Token");
  if (presented == req.end()) return ctx.auth->Authenticate(req, txn);
  if (!presented->value().starts_with(kTokenPrefix)) {
    return as_storage_token ? ctx.auth->AuthenticateHash(Sha256Hex(presented->value()), txn)
                            : ctx.auth->Authenticate(req, txn);
  }
  auto record = storage::GetLiveRecord(
      txn, storage::DataKey(storage::kSystemTenant, kSwiftTokensNs, Sha256Hex(presented->value())));
  if (!record.ok()) return record.status();
  if (!record->has_value()) return Status::Unauthenticated("invalid token");
  boost::system::error_code ec;
  json::value doc = json::parse((*record)->value(), ec);
  const json::object* obj = !ec && doc.is_object() ? &doc.as_object() : nullptr;
  const json::value* key = obj ? obj->if_contains("key_sha256") : nullptr;
  const json::value* expires = obj ? obj->if_contains("expires_ms") : nullptr;
  if (!key || !key->is_string() || !expires || !expires->is_int64()) {
    return Status::Corruption("undecodable Swift token record");
  }
  if (expires->as_int64() <= WallMs()) return Status::Unauthenticated("token expired");
  return ctx.auth->AuthenticateHash(std::string(key->as_string()), txn);
}

Response Info() {
  auto n = [](size_t v) { return std::to_string(v); };
  std::string body = "{\"swift\":{\"version\":\"meridian\"";
  body += ",\"max_meta_name_length\":" + n(kMaxMetaNameLength);
  body += ",\"max_meta_value_length\":" + n(kMaxMetaValueLength);
  body += ",\"max_meta_count\":" + n(kMaxMetaCount);
  body += ",\"max_meta_overall_size\":" + n(kMaxMetaOverallSize);
  body += ",\"max_header_size\":" + n(kMaxHeaderSize);
  body += ",\"extra_header_count\":0";
  body += ",\"max_account_name_length\":" + n(kMaxAccountNameLength);
  body += ",\"account_listing_limit\":" + n(kAccountListingLimit);
  body += ",\"allow_account_management\":false";
  body += "}}";
  return MakeResponse(http::status::ok, std::move(body), "application/json; charset=utf-8");
}

}  // namespace meridian::api::swift
