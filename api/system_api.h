// Unauthenticated probes: /healthz (the process answers), /readyz (ready to take writes: not
// draining, store healthy), /metrics (Prometheus text). Stateless; thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api {

// REQUIRES: ctx outlives the router.
void RegisterSystemRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api
