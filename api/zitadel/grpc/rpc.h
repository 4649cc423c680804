// ZITADEL's organization-metadata methods of zitadel.management.v1.ManagementService, free of
// any transport: the gRPC server (grpc_server.h) and gRPC-web (grpc_web.h) both call these.
// Each takes the call's metadata (lowercase names: authorization, x-zitadel-orgid,
// slashid-required-consistency[-timeout], meridian-min-commit-token) and the request message,
// and answers a gRPC status plus the response message. The rules are the JSON dialect's
// (docs/zitadel.md): the same keys, organization resolution, limits, store, sequence,
// consistency and error ids; writes go through CommitAndWait. Coroutines run on the caller's
// executor, which must be a strand (the write path's wake-ups are posted to it); thread-safe. Every
// argument is referenced until the coroutine completes: keep the metadata and messages alive
// (named, not temporaries) until it does.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_context.h"
#include "zitadel/management.pb.h"

namespace meridian::api::zitadel::rpc {

namespace mgmt = ::zitadel::management::v1;

inline constexpr std::string_view kServiceName = "zitadel.management.v1.ManagementService";
// The trailing metadata of a committed write (also of DEADLINE_EXCEEDED: the write is kept).
inline constexpr std::string_view kCommitTokenKey = "meridian-commit-token";

using Metadata = std::vector<std::pair<std::string, std::string>>;  // (lowercase name, value)

struct RpcStatus {
  int code = 0;              // google.golang.org/grpc/codes (errors.h GrpcCode); 0 = OK
  std::string message;       // ZITADEL's "<text> (<ID>)"; empty when OK
  std::string commit_token;  // Meridian-Commit-Token of a committed write; empty otherwise
  bool ok() const { return code == 0; }
};

boost::asio::awaitable<RpcStatus> SetOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                                 const mgmt::SetOrgMetadataRequest& req,
                                                 mgmt::SetOrgMetadataResponse& res);
boost::asio::awaitable<RpcStatus> BulkSetOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                                     const mgmt::BulkSetOrgMetadataRequest& req,
                                                     mgmt::BulkSetOrgMetadataResponse& res);
boost::asio::awaitable<RpcStatus> GetOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                                 const mgmt::GetOrgMetadataRequest& req,
                                                 mgmt::GetOrgMetadataResponse& res);
boost::asio::awaitable<RpcStatus> ListOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                                  const mgmt::ListOrgMetadataRequest& req,
                                                  mgmt::ListOrgMetadataResponse& res);
boost::asio::awaitable<RpcStatus> RemoveOrgMetadata(const ApiContext& ctx, const Metadata& md,
                                                    const mgmt::RemoveOrgMetadataRequest& req,
                                                    mgmt::RemoveOrgMetadataResponse& res);
boost::asio::awaitable<RpcStatus> BulkRemoveOrgMetadata(
    const ApiContext& ctx, const Metadata& md, const mgmt::BulkRemoveOrgMetadataRequest& req,
    mgmt::BulkRemoveOrgMetadataResponse& res);

// The status of a failure as the JSON dialect words it: the HTTP status's gRPC code
// (GrpcCodeOf: 400 -> INVALID_ARGUMENT, 408 -> DEADLINE_EXCEEDED, 429/507 ->
// RESOURCE_EXHAUSTED, 503 -> UNAVAILABLE ...) and "<text> (<ID>)", MERIDIAN-<status> without
// an id. Internal failures are not described.
RpcStatus StatusOf(const Status& status);

// Serialized-message form of the six methods, for transports that carry bytes (gRPC-web):
// `method` is the bare method name ("SetOrgMetadata"). UNIMPLEMENTED for any other name;
// INVALID_ARGUMENT when `request` does not parse. `response` is set when OK.
boost::asio::awaitable<RpcStatus> Invoke(const ApiContext& ctx, std::string_view method,
                                         const Metadata& md, std::string_view request,
                                         std::string& response);

}  // namespace meridian::api::zitadel::rpc
