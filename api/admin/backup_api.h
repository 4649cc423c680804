// GET /admin/v1/backup: a consistent hot backup of this node (storage/backup.h has the file
// format), as application/octet-stream. Operator admin key only. The copy runs on the node's
// operator thread (ApiContext::ops_worker: one job at a time, joined before the store closes),
// never on an I/O thread, and does not block the writer.
#pragma once

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::admin {

// GET /admin/v1/backup (part of the admin dialect).
std::vector<Route> BackupRoutes();

}  // namespace meridian::api::admin
