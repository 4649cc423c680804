// The ZITADEL error envelope (see errors.h).
#include "api/zitadel/errors.h"

#include <cctype>

#include "api/json_util.h"

namespace meridian::api::zitadel {
namespace {

// ZITADEL ids look like "QUERY-Rph32": letters, a dash, letters and digits.
bool LooksLikeId(std::string_view id) {
  size_t dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size()) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == dash) continue;
    if (!std::isalnum(static_cast<unsigned char>(id[i]))) return false;
  }
  return id.size() <= 40;
}

}  // namespace

std::string Tagged(std::string_view text, std::string_view id) {
  std::string out(text);
  out.append(" (").append(id).push_back(')');
  return out;
}

ErrorText SplitErrorId(std::string_view message) {
  if (message.ends_with(')')) {
    size_t open = message.rfind(" (");
    if (open != std::string_view::npos) {
      std::string_view id = message.substr(open + 2, message.size() - open - 3);
      if (LooksLikeId(id)) return {std::string(message.substr(0, open)), std::string(id)};
    }
  }
  return {std::string(message), ""};
}

int GrpcCodeOf(http::status status, std::string_view id) {
  if (id == kIdBulkSetEmpty || id == kIdBulkRemoveEmpty) return kGrpcFailedPrecondition;
  switch (status) {
    case http::status::bad_request: return kGrpcInvalidArgument;
    case http::status::unauthorized: return kGrpcUnauthenticated;
    case http::status::forbidden: return kGrpcPermissionDenied;
    case http::status::not_found: return kGrpcNotFound;
    case http::status::method_not_allowed: return kGrpcUnimplemented;
    case http::status::request_timeout: return kGrpcDeadlineExceeded;
    case http::status::conflict: return kGrpcAlreadyExists;
    // gRPC reports an oversized message or a full quota as RESOURCE_EXHAUSTED.
    case http::status::payload_too_large: return kGrpcResourceExhausted;
    case http::status::too_many_requests: return kGrpcResourceExhausted;
    case http::status::request_header_fields_too_large: return kGrpcResourceExhausted;
    case http::status::insufficient_storage: return kGrpcResourceExhausted;
    case http::status::internal_server_error: return kGrpcInternal;
    case http::status::not_implemented: return kGrpcUnimplemented;
    case http::status::service_unavailable: return kGrpcUnavailable;
    case http::status::gateway_timeout: return kGrpcDeadlineExceeded;
    default: break;
  }
  const unsigned code = static_cast<unsigned>(status);
  if (code >= 400 && code < 500) return kGrpcInvalidArgument;
  return kGrpcUnknown;
}

Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& /*request_id*/) {
  ErrorText parts = SplitErrorId(message);
  if (parts.text.empty()) parts.text = std::string(http::obsolete_reason(status));
  if (parts.id.empty()) parts.id = "MERIDIAN-" + std::to_string(static_cast<unsigned>(status));
  std::string body = "{\"code\":" + std::to_string(GrpcCodeOf(status, parts.id)) +
                     ",\"message\":" + JsonQuote(Tagged(parts.text, parts.id)) +
                     ",\"details\":[{\"@type\":\"type.googleapis.com/zitadel.v1.ErrorDetail\""
                     ",\"id\":" + JsonQuote(parts.id) +
                     ",\"message\":" + JsonQuote(parts.text) + "}]}";
  return MakeResponse(status, std::move(body));
}

Response ErrorFromStatus(const Status& status, const std::string& request_id) {
  return ErrorResponse(HttpStatusOf(status), PublicMessage(status), request_id);
}

}  // namespace meridian::api::zitadel
