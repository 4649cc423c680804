// gRPC-web (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md) for ZITADEL's
// ManagementService on the HTTP API port: POST /zitadel.management.v1.ManagementService/<Method>
// with Content-Type application/grpc-web+proto (or application/grpc-web), the request message
// in one length-prefixed frame. The answer is 200 application/grpc-web+proto: the response
// message frame (when OK), then a trailer frame (flag 0x80) with grpc-status, grpc-message and
// meridian-commit-token. Calls run rpc.h, so every rule is the gRPC and JSON transports' own.
// Pure codec functions and route registration; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/api_context.h"
#include "api/router.h"
#include "api/zitadel/grpc/grpc_web_routes.h"
#include "api/zitadel/grpc/rpc.h"

namespace meridian::api::zitadel::grpc_web {

inline constexpr std::string_view kContentType = "application/grpc-web+proto";
inline constexpr size_t kFrameHeaderBytes = 5;  // flags (1) + big-endian length (4)
inline constexpr unsigned char kTrailerFlag = 0x80;

// True for application/grpc-web and application/grpc-web+proto (any case, parameters allowed);
// false for grpc-web-text and anything else.
bool IsGrpcWebProto(std::string_view content_type);

// The message of a request body that holds exactly one uncompressed data frame. Otherwise an
// error status: INVALID_ARGUMENT for a short or inconsistent frame or trailing bytes,
// UNIMPLEMENTED for a compressed one (Meridian negotiates no grpc-encoding).
rpc::RpcStatus DecodeRequestFrame(std::string_view body, std::string_view& message);

// A data frame (flag 0) holding `message`.
std::string EncodeDataFrame(std::string_view message);
// The trailer frame of `status`: "grpc-status: N\r\n", "grpc-message: <percent-encoded>\r\n"
// when there is one, "meridian-commit-token: T\r\n" when a write was committed.
std::string EncodeTrailerFrame(const rpc::RpcStatus& status);
// grpc-message's encoding: bytes outside printable ASCII and '%' as %XX.
std::string PercentEncodeMessage(std::string_view message);

// The whole answer: 200, the message frame when `status` is OK, the trailer frame.
Response MakeGrpcWebResponse(const rpc::RpcStatus& status, std::string_view message);

}  // namespace meridian::api::zitadel::grpc_web
