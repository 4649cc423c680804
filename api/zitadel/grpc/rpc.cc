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

// The call's metadata as an HTTP request, so the request pipeline's prologue reads it exactly
// as it reads the JSON dialect's headers. Binary ("-bin") and pseudo headers carry nothing
// Meridian reads.
Call CallOf(const Metadata& md) {
  Call call;
  call.req = Request{http::verb::post, "/", 11};
  for (const auto& [name, value] : md) {
    if (name.empty() || name.front() == ':' || name.ends_with("-bin")) continue;
    call.req.insert(name, value);
  }
  return call;
}

// The JSON dialect's routes as the prologue sees them: a read or a write of the caller's
// organization (x-zitadel-orgid, else the key's own).
const Route kReadRoute{http::verb::post, "", kScopeRead, OrgFrom::kHeaderOrKey, false, nullptr};
const Route kWriteRoute{http::verb::post, "", kScopeWrite, OrgFrom::kHeaderOrKey, true, nullptr};

// The pipeline's prologue (authenticate, organization, scope, rate limit, consistency headers,
// min-commit-token wait) for one call; an early answer becomes its gRPC status.
asio::awaitable<std::optional<RpcStatus>> Prologue(const ApiContext& ctx, const Route& route,
                                                   Call& call, Resolved& r) {
  std::optional<RateLimitDecision> limit;
  std::optional<Reply> early = co_await RunPrologue(ctx, ZitadelDialect(), route, call, r, limit);
  if (!early) co_return std::nullopt;
  if (limit && !limit->allowed) {
    co_return RpcStatus{kGrpcResourceExhausted, Tagged(RateLimitMessage(*limit), "MERIDIAN-429"),
                        ""};
  }
  co_return StatusOf(early->error);
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

// Every write: the prologue, the batch on its snapshot, then the shared write path (the JSON
// dialect's order).
asio::awaitable<RpcStatus> Write(const ApiContext& ctx, const Metadata& md, BatchBuilder build,
                                 v1::ObjectDetails& details) {
  Call call = CallOf(md);
  Resolved r;
  if (auto early = co_await Prologue(ctx, kWriteRoute, call, r)) co_return *early;
  auto outcome = std::make_shared<WriteOutcome>();
  auto batch = build(r.org_id, outcome);
  if (!batch.ok()) co_return StatusOf(batch.status());
  r.txn.reset();  // the read transaction ends before waiting on the writer
  auto committed = co_await CommitAndWait(ctx, std::move(*batch), r.consistency);
  if (!committed.ok()) co_return WithToken(StatusOf(committed.status), committed);
  FillDetails(outcome->details, details);
  co_return WithToken(RpcStatus{}, committed);
}

// A read: the prologue, then the caller's organization on the prologue's snapshot.
using ReadFn = std::function<Status(const storage::Txn& txn, const std::string& org_id)>;
asio::awaitable<RpcStatus> Read(const ApiContext& ctx, const Metadata& md, ReadFn read) {
  Call call = CallOf(md);
  Resolved r;
  if (auto early = co_await Prologue(ctx, kReadRoute, call, r)) co_return *early;
  co_return StatusOf(read(*r.txn, r.org_id));
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
  const std::string id = ErrorIdOf(http_status, ErrorCodeOf(status));
  if (text.empty()) text = std::string(http::obsolete_reason(http_status));
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
