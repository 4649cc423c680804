// Registers every API dialect's routes and error formats on a router: the health probes and
// system routes, then each dialect of AllDialects through the one pipeline (api/pipeline.h).
// node/ calls RegisterAllRoutes once at startup.
#pragma once

#include <vector>

#include "api/api_context.h"
#include "api/pipeline.h"
#include "api/router.h"

namespace meridian::api {

// Every dialect the node serves, in registration order. Adding a dialect is its folder and one
// line in this list (dialects.cc).
const std::vector<const Dialect*>& AllDialects();

// REQUIRES: ctx outlives the router.
void RegisterAllRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api
