// Attio error envelope (see errors.h).
#include "api/attio/errors.h"

#include "api/json_util.h"

namespace meridian::api::attio {

Status Coded(Status::Code status, std::string_view code, std::string_view text) {
  switch (status) {
    case Status::Code::kNotFound:
      return WithCode(Status::NotFound(text), code);
    case Status::Code::kConflict:
      return WithCode(Status::Conflict(text), code);
    case Status::Code::kPermissionDenied:
      return WithCode(Status::PermissionDenied(text), code);
    case Status::Code::kUnauthenticated:
      return WithCode(Status::Unauthenticated(text), code);
    default:
      return WithCode(Status::InvalidArgument(text), code);
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

std::string_view ErrorType(http::status status) {
  switch (status) {
    case http::status::unauthorized:
    case http::status::forbidden:
      return "auth_error";
    case http::status::too_many_requests:
      return "rate_limit_error";
    default:
      break;
  }
  return static_cast<unsigned>(status) >= 500 ? "api_error" : "invalid_request_error";
}

std::string_view DefaultCode(http::status status) {
  switch (status) {
    case http::status::bad_request:
      return kCodeValidation;
    case http::status::unauthorized:
      return "unauthorized";
    case http::status::forbidden:
      return "forbidden";
    case http::status::not_found:
      return kCodeNotFound;
    case http::status::method_not_allowed:
      return "method_not_allowed";
    case http::status::request_timeout:
      return "consistency_timeout";
    case http::status::conflict:
      return kCodeSlugConflict;
    case http::status::payload_too_large:
      return "payload_too_large";
    case http::status::request_header_fields_too_large:
      return "headers_too_large";
    case http::status::too_many_requests:
      return "rate_limit_exceeded";
    case http::status::service_unavailable:
      return "service_unavailable";
    case http::status::insufficient_storage:
      return "storage_full";
    default:
      break;
  }
  return static_cast<unsigned>(status) >= 500 ? "internal_error" : kCodeValidation;
}

Response ErrorResponse(const ApiError& error) {
  std::string_view code = error.code.empty() ? DefaultCode(error.status) : error.code;
  const unsigned number = static_cast<unsigned>(error.status);
  return MakeResponse(error.status, "{\"status_code\":" + std::to_string(number) + ",\"type\":\"" +
                                        std::string(ErrorType(error.status)) +
                                        "\",\"code\":" + JsonQuote(code) +
                                        ",\"message\":" + JsonQuote(error.message) + "}");
}

Response ErrorFromStatus(const Status& status, const std::string& request_id) {
  const std::string message = ErrorTextOf(status);
  return ErrorResponse(ApiError{HttpStatusOf(status), ErrorCodeOf(status), message, request_id});
}

}  // namespace meridian::api::attio
