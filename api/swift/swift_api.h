// The OpenStack Swift dialect (docs/swift.md): TempAuth v1 tokens, account
// metadata through X-Account-Meta-* headers on /v1/AUTH_<org_id>, and /info. The dialect
// description; handlers are stateless and thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::swift {

// The dialect: every Swift route, its error format (plain text) and X-Trans-Id on every answer.
const Dialect& SwiftDialect();

}  // namespace meridian::api::swift
