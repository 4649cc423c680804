// Unauthenticated probes: /healthz (the process answers), /readyz (ready to take writes: not
// draining, store healthy), /metrics (Prometheus text). Stateless; thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api {

// The three probes only (the node's probe listener, probe_listen, serves these alone).
// REQUIRES: ctx outlives the router.
void RegisterProbeRoutes(Router& router, const ApiContext& ctx);
// The probes and GET /cluster/v1/status (operator key). REQUIRES: ctx outlives the router.
void RegisterSystemRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api
