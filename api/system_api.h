// Unauthenticated probes: /healthz (the process answers), /readyz (ready to take writes: not
// draining, store healthy), /metrics (Prometheus text). Stateless; thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api {

// The three probes (on the API port, and alone on the node's probe listener, probe_listen).
// GET /cluster/v1/status needs the operator's key: it is a route of the operator dialect
// (api/admin/admin_api.h), behind the one pipeline. REQUIRES: ctx outlives the router.
void RegisterProbeRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api
