// Dialect 4: Attio attribute definitions (docs/attio.md). A thin translation of
// Attio's /v2 objects, lists and attributes endpoints onto the store: auth, validation, then
// one WriteBatch through the shared write path. Handlers are stateless; thread-safe.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::attio {

// The dialect: every /v2 route and the Attio error format for /v2. The organization is the one
// SlashID-OrgID names (required with the operator's key, which belongs to none), else the key's.
const Dialect& AttioDialect();

}  // namespace meridian::api::attio
