// Registers gRPC-web for ZITADEL's ManagementService on the HTTP router (grpc_web.h). Apart
// from grpc_web.h so that the router's wiring does not include the generated messages.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::zitadel::grpc_web {

void RegisterRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api::zitadel::grpc_web
