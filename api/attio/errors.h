// The Attio error envelope (Attio's REST API v2, docs/attio.md):
//   {"status_code": 400, "type": "invalid_request_error", "code": "validation_type", "message":
//   "..."}
// An Attio code other than the status's default travels as the Status's tag (Coded), so
// validation, preconditions inside the writer and handlers share one error path.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/pipeline.h"

namespace meridian::api::attio {

// Codes Attio answers with (besides the per-status defaults of DefaultCode).
inline constexpr std::string_view kCodeValidation = "validation_type";
inline constexpr std::string_view kCodeNotFound = "not_found";
inline constexpr std::string_view kCodeSlugConflict = "slug_conflict";
inline constexpr std::string_view kCodeSystemEdit = "system_edit_unauthorized";
inline constexpr std::string_view kCodeImmutable = "immutable_value";
inline constexpr std::string_view kCodeValueNotFound = "value_not_found";

// A Status with an explicit Attio code (its tag).
Status Coded(Status::Code status, std::string_view code, std::string_view text);
// Shorthands for the common cases.
Status Invalid(std::string_view text);                               // 400 validation_type
Status NotFoundError(std::string_view text);                         // 404 not_found
Status SlugConflict(std::string_view slug, std::string_view where);  // 409 slug_conflict

// The `type` and default `code` of an HTTP status in Attio's vocabulary.
std::string_view ErrorType(http::status status);
std::string_view DefaultCode(http::status status);

// The dialect's error response (its encoder; the code field empty: the status's default).
Response ErrorResponse(const ApiError& error);
// The error response for a Status; internal failures are not described (PublicMessage).
Response ErrorFromStatus(const Status& status, const std::string& request_id);

}  // namespace meridian::api::attio
