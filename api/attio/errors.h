// The Attio error envelope (reference/apis.md section 4):
//   {"status_code": 400, "type": "invalid_request_error", "code": "validation_type", "message": "..."}
// An Attio code other than the status's default travels inside the Status message (Coded), so
// validation, preconditions inside the writer and handlers share one error path.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/http.h"

namespace meridian::api::attio {

// Codes Attio answers with (besides the per-status defaults of DefaultCode).
inline constexpr std::string_view kCodeValidation = "validation_type";
inline constexpr std::string_view kCodeNotFound = "not_found";
inline constexpr std::string_view kCodeSlugConflict = "slug_conflict";
inline constexpr std::string_view kCodeSystemEdit = "system_edit_unauthorized";
inline constexpr std::string_view kCodeImmutable = "immutable_value";

// A Status whose message carries an explicit Attio code.
Status Coded(Status::Code status, std::string_view code, std::string_view text);
// Shorthands for the common cases.
Status Invalid(std::string_view text);                // 400 validation_type
Status NotFoundError(std::string_view text);          // 404 not_found
Status SlugConflict(std::string_view slug, std::string_view where);  // 409 slug_conflict

struct ErrorParts {
  std::string code;  // empty: the status's default
  std::string text;
};
// Splits the code Coded put into `message` off it.
ErrorParts SplitCode(std::string_view message);

// The `type` and default `code` of an HTTP status in Attio's vocabulary.
std::string_view ErrorType(http::status status);
std::string_view DefaultCode(http::status status);

// The dialect's error response. Matches Router's ErrorFormatter, so pre-handler errors under
// /v2 (unknown path, body too large) use it too.
Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& request_id);
// The error response for a Status; internal failures are not described (PublicMessage).
Response ErrorFromStatus(const Status& status, const std::string& request_id);

}  // namespace meridian::api::attio
