// ZITADEL's organization-metadata methods without a transport (see rpc.h).
#include "api/zitadel/grpc/rpc.h"

#include <boost/json.hpp>
#include <functional>

#include "api/write_path.h"
#include "api/zitadel/errors.h"
#include "api/zitadel/metadata_store.h"
#include "api/zitadel/zitadel_api.h"

namespace meridian::api::zitadel::rpc {
namespace asio = boost::asio;
namespace json = boost::json;
namespace v1 = ::zitadel::v1;
namespace {

// The call's metadata as an HTTP request, so authentication and the consistency headers are
// read exactly as the JSON dialect reads them. Binary ("-bin") and pseudo headers carry
// nothing Meridian reads.
Request RequestOf(const Metadata& md) {
  Request req{http::verb::post, "/", 11};
  for (const auto& [name, value] : md) {
    if (name.empty() || name.front() == ':' || name.ends_with("-bin")) continue;
    req.insert(name, value);
  }
  return req;
}

// x-zitadel-orgid, else the key's own organization; the operator's key must name one.
// Mirrors the JSON dialect (zitadel_api.cc) rule for rule.
Result<std::string> ResolveOrg(const ApiContext& ctx, const Request& req, const storage::Txn& txn,
                               uint8_t scope) {
  auto who = ctx.auth->Authenticate(req, txn);
  if (!who.ok()) {
    if (who.status().code() != Status::Code::kUnauthenticated) return who.status();
    return WithCode(Status::Unauthenticated(who.status().message()), kIdUnauthenticated);
  }
  std::string org_id;
  if (auto header = req.find(kOrgHeader); header != req.end() && !header->value().empty()) {
    org_id = std::string(header->value());
  } else if (who->operator_admin) {
    return WithCode(
        Status::InvalidArgument("the operator key must name the organization in x-zitadel-orgid"),
        "MERIDIAN-orgid");
  } else {
    org_id = who->org_id;
  }
  MERIDIAN_RETURN_IF_ERROR(ctx.auth->Authorize(*who, org_id, scope, txn));
  return org_id;
}

// Refuses a stranger at once, then waits for a meridian-min-commit-token (write_path.h), as the
// request pipeline's prologue does: an organization this node does not hold yet may come with
// the token's write, so NotFound waits too.
asio::awaitable<Status> AwaitToken(const ApiContext& ctx, const Request& req, uint8_t scope) {
  if (req.find(kMinCommitTokenHeader) == req.end()) co_return Status::Ok();
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return txn.status();
    Status allowed = ResolveOrg(ctx, req, *txn, scope).status();
    if (!allowed.ok() && !allowed.IsNotFound()) co_return allowed;
  }
  co_return co_await AwaitMinCommitToken(ctx, req);
}

void SetTime(int64_t unix_ms, google::protobuf::Timestamp& out) {
  int64_t seconds = unix_ms / 1000, ms = unix_ms % 1000;
  if (ms < 0) {
    seconds -= 1;
    ms += 1000;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(ms * 1000000));
}

void FillDetails(const Details& d, v1::ObjectDetails& out) {
  out.set_sequence(d.sequence);
  if (d.created_ms != 0) SetTime(d.created_ms, *out.mutable_creation_date());
  if (d.changed_ms != 0) SetTime(d.changed_ms, *out.mutable_change_date());
  out.set_resource_owner(d.resource_owner);
}

Status FillMetadata(const std::string& org_id, std::string_view key, const StoredEntry& e,
                    ::zitadel::metadata::v1::Metadata& out) {
  auto bytes = DecodeBase64(e.value);
  if (!bytes) return Status::Corruption("stored metadata value is not base64");
  FillDetails({e.sequence, e.created_ms, e.changed_ms, org_id}, *out.mutable_details());
  out.set_key(std::string(key));
  out.set_value(std::move(*bytes));
  return Status::Ok();
}

RpcStatus WithToken(RpcStatus status, const WriteResult& result) {
  if (!result.token.empty()) status.commit_token = FormatCommitToken(result.token);
  return status;
}

using BatchBuilder = std::function<Result<storage::WriteBatch>(
    const std::string& org_id, std::shared_ptr<WriteOutcome> outcome)>;

// Every write: auth, organization, consistency, request and batch under one short read
// transaction, then the shared write path (the JSON dialect's order).
asio::awaitable<RpcStatus> Write(const ApiContext& ctx, const Metadata& md, BatchBuilder build,
                                 v1::ObjectDetails& details) {
  const Request req = RequestOf(md);
  Status waited = co_await AwaitToken(ctx, req, kScopeWrite);
  if (!waited.ok()) co_return StatusOf(waited);
  auto outcome = std::make_shared<WriteOutcome>();
  storage::WriteBatch batch;
  WriteConsistency consistency;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return StatusOf(txn.status());
    auto org_id = ResolveOrg(ctx, req, *txn, kScopeWrite);
    if (!org_id.ok()) co_return StatusOf(org_id.status());
    auto level = ParseWriteConsistency(req);
    if (!level.ok()) co_return StatusOf(level.status());
    consistency = *level;
    auto built = build(*org_id, outcome);
    if (!built.ok()) co_return StatusOf(built.status());
    batch = std::move(*built);
  }  // the read transaction ends before waiting on the writer
  auto committed = co_await CommitAndWait(ctx, std::move(batch), consistency);
  if (!committed.ok()) co_return WithToken(StatusOf(committed.status), committed);
  FillDetails(outcome->details, details);
  co_return WithToken(RpcStatus{}, committed);
}

// A read: the optional token wait, then one snapshot with the caller's organization.
using ReadFn = std::function<Status(const storage::Txn& txn, const std::string& org_id)>;
asio::awaitable<RpcStatus> Read(const ApiContext& ctx, const Metadata& md, ReadFn read) {
  const Request req = RequestOf(md);
  Status waited = co_await AwaitToken(ctx, req, kScopeRead);
  if (!waited.ok()) co_return StatusOf(waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return StatusOf(txn.status());
  auto org_id = ResolveOrg(ctx, req, *txn, kScopeRead);
  if (!org_id.ok()) co_return StatusOf(org_id.status());
  co_return StatusOf(read(*txn, *org_id));
}

// The JSON form of a ListOrgMetadataRequest, so ParseSearchRequest applies its rules (limit
// default and maximum, method numbers, key-filter length, keyQuery required) unchanged.
json::value SearchJson(const mgmt::ListOrgMetadataRequest& req) {
  json::object body;
  if (req.has_query()) {
    body["query"] = json::object{{"offset", std::to_string(req.query().offset())},
                                 {"limit", std::to_string(req.query().limit())},
                                 {"asc", req.query().asc()}};
  }
  json::array queries;
  for (const auto& q : req.queries()) {
    json::object item;
    if (q.has_key_query()) {
      item["keyQuery"] = json::object{{"key", q.key_query().key()},
                                      {"method", static_cast<int>(q.key_query().method())}};
    }
    queries.push_back(std::move(item));
  }
  body["queries"] = std::move(queries);
  return body;
}

template <typename Req, typename Res>
using Method = asio::awaitable<RpcStatus> (*)(const ApiContext&, const Metadata&, const Req&, Res&);

template <typename Req, typename Res>
asio::awaitable<RpcStatus> Run(Method<Req, Res> method, const ApiContext& ctx, const Metadata& md,
                               std::string_view bytes, std::string& out) {
  Req req;
  if (!req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    co_return RpcStatus{kGrpcInvalidArgument,
                        Tagged("the request message does not parse", "MERIDIAN-proto"), ""};
  }
  Res res;
  RpcStatus status = co_await method(ctx, md, req, res);
  if (status.ok()) res.SerializeToString(&out);
  co_return status;
}

}  // namespace

RpcStatus StatusOf(const Status& status) {
  if (status.ok()) return {};
  const http::status http_status = HttpStatusOf(status);
  std::string text = ErrorTextOf(status);
  std::string id(ErrorCodeOf(status));
  if (text.empty()) text = std::string(http::obsolete_reason(http_status));
  if (id.empty()) id = "MERIDIAN-" + std::to_string(static_cast<unsigned>(http_status));
  return {GrpcCodeOf(http_status, id), Tagged(text, id), ""};
}

asio::awaitable<RpcStatus> SetOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                          const mgmt::SetOrgMetadataRequest& req,
                                          mgmt::SetOrgMetadataResponse& res) {
  BatchBuilder build = [&req](
                           const std::string& org_id,
                           std::shared_ptr<WriteOutcome> outcome) -> Result<storage::WriteBatch> {
    MERIDIAN_RETURN_IF_ERROR(CheckKey(req.key()));
    auto value = CheckValue(EncodeBase64(req.value()));
    if (!value.ok()) return value.status();
    return SetBatch(org_id, {{req.key(), std::move(*value)}}, false, std::move(outcome));
  };
  co_return co_await Write(ctx, md, std::move(build), *res.mutable_details());
}

asio::awaitable<RpcStatus> BulkSetOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                              const mgmt::BulkSetOrgMetadataRequest& req,
                                              mgmt::BulkSetOrgMetadataResponse& res) {
  BatchBuilder build = [&req](
                           const std::string& org_id,
                           std::shared_ptr<WriteOutcome> outcome) -> Result<storage::WriteBatch> {
    std::vector<MetadataItem> items;
    for (const auto& item : req.metadata()) {
      MERIDIAN_RETURN_IF_ERROR(CheckKey(item.key()));
      auto value = CheckValue(EncodeBase64(item.value()));
      if (!value.ok()) return value.status();
      items.push_back({item.key(), std::move(*value)});
    }
    if (items.empty()) {
      return WithCode(Status::InvalidArgument("No metadata to set"), kIdBulkSetEmpty);
    }
    return SetBatch(org_id, std::move(items), true, std::move(outcome));
  };
  co_return co_await Write(ctx, md, std::move(build), *res.mutable_details());
}

asio::awaitable<RpcStatus> RemoveOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                             const mgmt::RemoveOrgMetadataRequest& req,
                                             mgmt::RemoveOrgMetadataResponse& res) {
  BatchBuilder build = [&req](
                           const std::string& org_id,
                           std::shared_ptr<WriteOutcome> outcome) -> Result<storage::WriteBatch> {
    MERIDIAN_RETURN_IF_ERROR(CheckKey(req.key()));
    return RemoveBatch(org_id, {req.key()}, std::string(kIdRemoveNotFound), std::move(outcome));
  };
  co_return co_await Write(ctx, md, std::move(build), *res.mutable_details());
}

asio::awaitable<RpcStatus> BulkRemoveOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                                 const mgmt::BulkRemoveOrgMetadataRequest& req,
                                                 mgmt::BulkRemoveOrgMetadataResponse& res) {
  BatchBuilder build = [&req](
                           const std::string& org_id,
                           std::shared_ptr<WriteOutcome> outcome) -> Result<storage::WriteBatch> {
    std::vector<std::string> keys;
    for (const auto& key : req.keys()) {
      if (key.empty()) {
        return WithCode(Status::InvalidArgument("Keys must not be empty"), kIdBulkKeyEmpty);
      }
      MERIDIAN_RETURN_IF_ERROR(CheckKey(key));
      keys.push_back(key);
    }
    if (keys.empty()) {
      return WithCode(Status::InvalidArgument("No metadata keys to remove"), kIdBulkRemoveEmpty);
    }
    return RemoveBatch(org_id, std::move(keys), std::string(kIdBulkKeyMissing), std::move(outcome));
  };
  co_return co_await Write(ctx, md, std::move(build), *res.mutable_details());
}

asio::awaitable<RpcStatus> GetOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                          const mgmt::GetOrgMetadataRequest& req,
                                          mgmt::GetOrgMetadataResponse& res) {
  ReadFn read = [&req, &res](const storage::Txn& txn, const std::string& org_id) -> Status {
    MERIDIAN_RETURN_IF_ERROR(CheckKey(req.key()));
    auto entry = GetEntry(txn, org_id, req.key());
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) return WithCode(Status::NotFound("Metadata not found"), kIdNotFound);
    return FillMetadata(org_id, req.key(), **entry, *res.mutable_metadata());
  };
  co_return co_await Read(ctx, md, std::move(read));
}

asio::awaitable<RpcStatus> ListOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                           const mgmt::ListOrgMetadataRequest& req,
                                           mgmt::ListOrgMetadataResponse& res) {
  ReadFn read = [&req, &res](const storage::Txn& txn, const std::string& org_id) -> Status {
    auto request = ParseSearchRequest(SearchJson(req));
    if (!request.ok()) return request.status();
    auto page = Search(txn, org_id, *request);
    if (!page.ok()) return page.status();
    res.mutable_details()->set_total_result(page->total);
    res.mutable_details()->set_processed_sequence(page->processed_sequence);
    SetTime(WallMs(), *res.mutable_details()->mutable_view_timestamp());
    for (const auto& entry : page->entries) {
      MERIDIAN_RETURN_IF_ERROR(FillMetadata(org_id, entry.key, entry.stored, *res.add_result()));
    }
    return Status::Ok();
  };
  co_return co_await Read(ctx, md, std::move(read));
}

asio::awaitable<RpcStatus> Invoke(const ApiContext& ctx, std::string_view method,
                                  const Metadata& md, std::string_view request,
                                  std::string& response) {
  if (method == "SetOrgMetadata")
    co_return co_await Run(&SetOrgMetadata, ctx, md, request, response);
  if (method == "BulkSetOrgMetadata") {
    co_return co_await Run(&BulkSetOrgMetadata, ctx, md, request, response);
  }
  if (method == "GetOrgMetadata")
    co_return co_await Run(&GetOrgMetadata, ctx, md, request, response);
  if (method == "ListOrgMetadata") {
    co_return co_await Run(&ListOrgMetadata, ctx, md, request, response);
  }
  if (method == "RemoveOrgMetadata") {
    co_return co_await Run(&RemoveOrgMetadata, ctx, md, request, response);
  }
  if (method == "BulkRemoveOrgMetadata") {
    co_return co_await Run(&BulkRemoveOrgMetadata, ctx, md, request, response);
  }
  co_return RpcStatus{kGrpcUnimplemented,
                      Tagged("unknown method " + std::string(kServiceName) + "/" +
                                 std::string(method.substr(0, 100)),
                             "MERIDIAN-501"),
                      ""};
}

}  // namespace meridian::api::zitadel::rpc
