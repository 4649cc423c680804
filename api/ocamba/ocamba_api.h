// Dialect 5: Ocamba Hood profile properties (docs/ocamba.md). List, create, get,
// PATCH and DELETE of /v1/hood/profile-properties over the one store (namespace
// "ocamba:props"), rate limited per API key (group "ocamba"). Handlers are stateless;
// thread-safe.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::ocamba {

inline constexpr std::string_view kBasePath = "/v1/hood/profile-properties";

// Ocamba's error body: {"code": N, "title": "...", "message": "...", "trace_id": "<id>"}; a 500
// has no message.
Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& request_id);

// The dialect: every route under kBasePath.
const Dialect& OcambaDialect();

}  // namespace meridian::api::ocamba
