// Dialect 3: ZITADEL management API organization metadata (docs/zitadel.md). A thin
// translation of /management/v1/metadata requests onto the store: auth and organization
// selection (x-zitadel-orgid), validation, then one WriteBatch through the shared write path.
// Handlers are stateless; thread-safe.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::zitadel {

// Names the organization to act on; defaults to the key's own (required for the operator key).
inline constexpr std::string_view kOrgHeader = "x-zitadel-orgid";

// The dialect: every /management/v1/metadata route, and the ZITADEL error format for
// /management.
const Dialect& ZitadelDialect();

}  // namespace meridian::api::zitadel
