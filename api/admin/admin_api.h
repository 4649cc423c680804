// Meridian's operator API (API.md, Operator API): organizations, API keys, attribute buckets,
// health, readiness and metrics. Errors use the same envelope as attribute buckets.
// Stateless handlers; thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::admin {

// REQUIRES: ctx outlives the router.
void RegisterAdminRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api::admin
