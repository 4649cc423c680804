// GET /admin/v1/backup: a consistent hot backup of this node (storage/backup.h has the file
// format), as application/octet-stream. Operator admin key only. The copy runs on a thread of
// its own, never on an I/O thread, and does not block the writer.
#pragma once

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::admin {

// REQUIRES: ctx outlives the router.
void RegisterBackupRoutes(Router& router, const ApiContext& ctx);

}  // namespace meridian::api::admin
