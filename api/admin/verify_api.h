// Cross-region verify and repair, the node's side (docs/operations.md, Verify and repair;
// meridianctl verify/repair drive it). Operator admin key only.
//   GET  /admin/v1/digest?prefix=HEX&leaf_max=N  the digest node of a key prefix
//        (storage/digest.h): count, digest, children (with the record
//        itself when a child holds one) and, when at most leaf_max (default 32,
//        at most 1000), the records' versions.
//   GET  /admin/v1/nodes                         every node's API address from the cluster file.
//   POST /admin/v1/records {"keys":[HEX..]}      the stored records of up to 1000 keys, as
//        hex of their serialized form, tombstones included (null: never written).
//   POST /admin/v1/repair {"records":[{"key":HEX,"record":HEX}..]}  merges up to 1000 records
//        another node sent through the replication apply path (a snapshot chunk): each keeps
//        its original (hlc, origin), so last-writer-wins decides, exactly as if replicated.
// Digests are computed on the node's OpsWorker thread (ApiContext::ops_worker), never on an
// I/O thread. The routes are the operator dialect's (admin_api.h): the request pipeline
// authenticates, and errors use its envelope.
#pragma once

#include <vector>

#include "api/pipeline.h"

namespace meridian::api::admin {

// The four routes, operator's admin key only.
std::vector<Route> VerifyRoutes();

}  // namespace meridian::api::admin
