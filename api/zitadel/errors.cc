// The ZITADEL error envelope (see errors.h).
#include "api/zitadel/errors.h"

#include "api/json_util.h"

namespace meridian::api::zitadel {

std::string Tagged(std::string_view text, std::string_view id) {
  std::string out(text);
  out.append(" (").append(id).push_back(')');
  return out;
}

int GrpcCodeOf(http::status status, std::string_view id) {
  if (id == kIdBulkSetEmpty || id == kIdBulkRemoveEmpty) return kGrpcFailedPrecondition;
  switch (status) {
    case http::status::bad_request:
      return kGrpcInvalidArgument;
    case http::status::unauthorized:
      return kGrpcUnauthenticated;
    case http::status::forbidden:
      return kGrpcPermissionDenied;
    case http::status::not_found:
      return kGrpcNotFound;
    case http::status::method_not_allowed:
      return kGrpcUnimplemented;
    case http::status::request_timeout:
      return kGrpcDeadlineExceeded;
    case http::status::conflict:
      return kGrpcAlreadyExists;
    // gRPC reports an oversized message or a full quota as RESOURCE_EXHAUSTED.
    case http::status::payload_too_large:
      return kGrpcResourceExhausted;
    case http::status::too_many_requests:
      return kGrpcResourceExhausted;
    case http::status::request_header_fields_too_large:
      return kGrpcResourceExhausted;
    case http::status::insufficient_storage:
      return kGrpcResourceExhausted;
    case http::status::internal_server_error:
      return kGrpcInternal;
    case http::status::not_implemented:
      return kGrpcUnimplemented;
    case http::status::service_unavailable:
      return kGrpcUnavailable;
    case http::status::gateway_timeout:
      return kGrpcDeadlineExceeded;
    default:
      break;
  }
  const unsigned code = static_cast<unsigned>(status);
  if (code >= 400 && code < 500) return kGrpcInvalidArgument;
  return kGrpcUnknown;
}

std::string ErrorIdOf(http::status status, std::string_view code) {
  if (!code.empty()) return std::string(code);
  if (status == http::status::unauthorized) return std::string(kIdUnauthenticated);
  return "MERIDIAN-" + std::to_string(static_cast<unsigned>(status));
}

Response ErrorResponse(const ApiError& error) {
  std::string text(error.message);
  if (text.empty()) text = std::string(http::obsolete_reason(error.status));
  const std::string id = ErrorIdOf(error.status, error.code);
  std::string body = "{\"code\":" + std::to_string(GrpcCodeOf(error.status, id)) +
                     ",\"message\":" + JsonQuote(Tagged(text, id)) +
                     ",\"details\":[{\"@type\":\"type.googleapis.com/zitadel.v1.ErrorDetail\""
                     ",\"id\":" +
                     JsonQuote(id) + ",\"message\":" + JsonQuote(text) + "}]}";
  return MakeResponse(error.status, std::move(body));
}

Response ErrorFromStatus(const Status& status, const std::string& request_id) {
  const std::string message = ErrorTextOf(status);
  return ErrorResponse(ApiError{HttpStatusOf(status), ErrorCodeOf(status), message, request_id});
}

}  // namespace meridian::api::zitadel
