// The ZITADEL error envelope (grpc-gateway's status body, docs/zitadel.md):
//   {"code": <grpc code>, "message": "<text> (<ID>)", "details": [{"@type":
//    "type.googleapis.com/zitadel.v1.ErrorDetail", "id": "<ID>", "message": "<text>"}]}
// An error id travels with its Status (api/pipeline.h WithCode).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/pipeline.h"

namespace meridian::api::zitadel {

// gRPC status codes used on the wire (google.golang.org/grpc/codes).
enum GrpcCode : int {
  kGrpcCancelled = 1,
  kGrpcUnknown = 2,
  kGrpcInvalidArgument = 3,
  kGrpcDeadlineExceeded = 4,
  kGrpcNotFound = 5,
  kGrpcAlreadyExists = 6,
  kGrpcPermissionDenied = 7,
  kGrpcResourceExhausted = 8,
  kGrpcFailedPrecondition = 9,
  kGrpcUnimplemented = 12,
  kGrpcInternal = 13,
  kGrpcUnavailable = 14,
  kGrpcUnauthenticated = 16,
};

// Error ids ZITADEL itself uses for the same conditions.
inline constexpr std::string_view kIdNotFound = "QUERY-Rph32";        // GET of a missing key
inline constexpr std::string_view kIdRemoveNotFound = "META-mcnw3";   // remove of a missing key
inline constexpr std::string_view kIdBulkKeyMissing = "META-2npds";   // bulk remove, a key missing
inline constexpr std::string_view kIdBulkSetEmpty = "META-9mm2d";     // bulk set without items
inline constexpr std::string_view kIdBulkRemoveEmpty = "META-9mw2d";  // bulk remove without keys
inline constexpr std::string_view kIdInvalid = "META-2ml0f";          // invalid key or value
inline constexpr std::string_view kIdBulkKeyEmpty = "COMMAND-m19ds";  // empty key in a bulk remove
inline constexpr std::string_view kIdUnauthenticated = "AUTH-7fs1e";  // no or unknown token

// "<text> (<id>)": how ZITADEL prints a message with its id.
std::string Tagged(std::string_view text, std::string_view id);

// The gRPC code of an HTTP status as grpc-gateway pairs them (400 -> 3, 404 -> 5, 408 -> 4 ...);
// ids of FAILED_PRECONDITION errors (empty bulk lists) give 9 although they answer 400.
int GrpcCodeOf(http::status status, std::string_view id);

// The id an error shows: its code (WithCode), else AUTH-7fs1e for a 401 and
// "MERIDIAN-<http status>" for anything else. Every transport names errors by this rule.
std::string ErrorIdOf(http::status status, std::string_view code);

// The dialect's error response (its encoder), its id by ErrorIdOf.
Response ErrorResponse(const ApiError& error);

// The error response for a Status, its id given by WithCode (internal failures are not
// described: PublicMessage).
Response ErrorFromStatus(const Status& status, const std::string& request_id);

}  // namespace meridian::api::zitadel
