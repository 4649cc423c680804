// The OpenStack Swift dialect (API.md section 2, docs/swift.md): TempAuth v1 tokens, account
// metadata through X-Account-Meta-* headers on /v1/AUTH_<org_id>, and /info. Registration
// only; handlers are stateless and thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::swift {

// Adds every Swift route and its error format (plain text with X-Trans-Id) to `router`.
// REQUIRES: `ctx` outlives the router.
void RegisterRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api::swift
