// Registers every API dialect's routes and error formats on a router: the operator API, health
// probes, and one module per dialect of API.md. node/ calls this once at startup.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api {

// REQUIRES: ctx outlives the router.
void RegisterAllRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api
