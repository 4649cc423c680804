// Attio error envelope (see errors.h).
#include "api/attio/errors.h"

#include "api/json_util.h"

namespace meridian::api::attio {
namespace {

// Separates an embedded code from the text; never part of a client-visible message.
constexpr char kMark = '\x1f';

}  // namespace

Status Coded(Status::Code status, std::string_view code, std::string_view text) {
  std::string message;
  message.reserve(code.size() + text.size() + 2);
  message.push_back(kMark);
  message.append(code).push_back(kMark);
  message.append(text);
  switch (status) {
    case Status::Code::kNotFound: return Status::NotFound(message);
    case Status::Code::kConflict: return Status::Conflict(message);
    case Status::Code::kPermissionDenied: return Status::PermissionDenied(message);
    case Status::Code::kUnauthenticated: return Status::Unauthenticated(message);
    default: return Status::InvalidArgument(message);
  }
}

Status Invalid(std::string_view text) {
  return Coded(Status::Code::kInvalidArgument, kCodeValidation, text);
}

Status NotFoundError(std::string_view text) {
  return Coded(Status::Code::kNotFound, kCodeNotFound, text);
}

Status SlugConflict(std::string_view slug, std::string_view where) {
  return Coded(Status::Code::kConflict, kCodeSlugConflict,
               "the slug \"" + std::string(slug) + "\" is already in use " + std::string(where));
}

ErrorParts SplitCode(std::string_view message) {
  if (message.size() >= 2 && message[0] == kMark) {
    size_t end = message.find(kMark, 1);
    if (end != std::string_view::npos) {
      return {std::string(message.substr(1, end - 1)), std::string(message.substr(end + 1))};
    }
  }
  return {{}, std::string(message)};
}

std::string_view ErrorType(http::status status) {
  switch (status) {
    case http::status::unauthorized:
    case http::status::forbidden: return "auth_error";
    case http::status::too_many_requests: return "rate_limit_error";
    default: break;
  }
  return static_cast<unsigned>(status) >= 500 ? "api_error" : "invalid_request_error";
}

std::string_view DefaultCode(http::status status) {
  switch (status) {
    case http::status::bad_request: return kCodeValidation;
    case http::status::unauthorized: return "unauthorized";
    case http::status::forbidden: return "forbidden";
    case http::status::not_found: return kCodeNotFound;
    case http::status::method_not_allowed: return "method_not_allowed";
    case http::status::request_timeout: return "consistency_timeout";
    case http::status::conflict: return kCodeSlugConflict;
    case http::status::payload_too_large: return "payload_too_large";
    case http::status::request_header_fields_too_large: return "headers_too_large";
    case http::status::too_many_requests: return "rate_limit_exceeded";
    case http::status::service_unavailable: return "service_unavailable";
    case http::status::insufficient_storage: return "storage_full";
    default: break;
  }
  return static_cast<unsigned>(status) >= 500 ? "internal_error" : kCodeValidation;
}

Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& /*request_id*/) {
  ErrorParts parts = SplitCode(message);
  std::string_view code = parts.code.empty() ? DefaultCode(status) : std::string_view(parts.code);
  const unsigned number = static_cast<unsigned>(status);
  return MakeResponse(status, "{\"status_code\":" + std::to_string(number) + ",\"type\":\"" +
                                  std::string(ErrorType(status)) + "\",\"code\":" +
                                  JsonQuote(code) + ",\"message\":" + JsonQuote(parts.text) +
                                  "}");
}

Response ErrorFromStatus(const Status& status, const std::string& request_id) {
  return ErrorResponse(HttpStatusOf(status), PublicMessage(status), request_id);
}

}  // namespace meridian::api::attio
