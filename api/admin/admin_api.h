// Meridian's operator API (docs/http-api.md, Operator API): organizations, API keys, attribute
// buckets, the cluster's replication status (GET /cluster/v1/status). Errors use the same
// envelope as attribute buckets.
// Stateless handlers; thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::admin {

// The operator API as one dialect: its organization, key and cluster-status routes, and those of
// store_api.h, backup_api.h and verify_api.h (a new file of routes adds one line to MakeDialect).
const Dialect& AdminDialect();

}  // namespace meridian::api::admin
