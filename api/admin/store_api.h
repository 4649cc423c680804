// The operator's view of the store's own key space (docs/http-api.md, Operator store access):
// get, put, delete and list the records of any tenant and namespace, whichever dialect wrote
// them, so that an operator can inspect and fix a tenant's data. Writes go through the normal
// write path (logged, replicated, last-writer-wins). Also drain: refuse new writes and report
// when every write accepted so far has reached every peer. Operator admin key only.
// Stateless handlers; thread-safe.
#pragma once

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::admin {

// The routes of /admin/v1/store and /admin/v1/drain (part of the admin dialect).
std::vector<Route> StoreRoutes();

// A record name as ls shows it: printable ASCII as is, '%' and every other byte as %XX, so
// that names holding any bytes stay valid JSON and can be pasted back into a URL.
std::string EscapeName(std::string_view name);

}  // namespace meridian::api::admin
