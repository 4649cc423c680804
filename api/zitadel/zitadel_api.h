// Dialect 3: ZITADEL management API organization metadata (API.md section 3, seed 002). A thin
// translation of /management/v1/metadata requests onto the store: auth and organization
// selection (x-zitadel-orgid), validation, then one WriteBatch through the shared write path.
// Handlers are stateless; thread-safe.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::zitadel {

// Names the organization to act on; defaults to the key's own (required for the operator key).
inline constexpr std::string_view kOrgHeader = "x-zitadel-orgid";

// Adds every /management/v1/metadata route and the ZITADEL error format for /management.
// REQUIRES: ctx outlives the router.
void RegisterRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api::zitadel
