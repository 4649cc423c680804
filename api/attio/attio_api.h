// Dialect 4: Attio attribute definitions (API.md section 4, seed 003). A thin translation of
// Attio's /v2 objects, lists and attributes endpoints onto the store: auth, validation, then
// one WriteBatch through the shared write path. Handlers are stateless; thread-safe.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::attio {

// Optional: names the organization to act on; required with the operator's key, which belongs
// to none. A key of one organization may only name its own.
inline constexpr std::string_view kOrgHeader = "SlashID-OrgID";

// Adds every /v2 route of the dialect and the Attio error format for /v2.
// REQUIRES: ctx outlives the router.
void RegisterRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api::attio
