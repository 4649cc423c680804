// GET /admin/v1/backup: a consistent hot backup of this node (storage/backup.h has the file
// format), as application/octet-stream. Operator admin key only. The compacted copy is made
// on the node's operator thread (ApiContext::ops_worker: one job at a time, joined before the
// store closes) into an unlinked scratch file in the temp folder ($TMPDIR, else /tmp), never
// on an I/O thread and without blocking the writer; the response then streams it
// (api/router.h, StreamedResponse) with every file read on the operator thread too, so
// the node holds one piece of the backup in memory whatever the store's size.
#pragma once

#include "api/api_context.h"
#include "api/pipeline.h"

namespace meridian::api::admin {

// GET /admin/v1/backup (part of the admin dialect).
std::vector<Route> BackupRoutes();

}  // namespace meridian::api::admin
