// ApiContext: what every dialect handler needs, wired once by node/. Members outlive the HTTP
// server. Thread-safe members only.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "api/auth.h"
#include "api/metrics.h"
#include "replication/consistency_gate.h"
#include "replication/net/replication_service.h"
#include "storage/store.h"

namespace meridian::api {

class RateLimiter;  // api/rate_limit.h
namespace admin {
class OpsWorker;  // api/admin/ops_worker.h
}

struct ApiContext {
  storage::Store* store;
  replication::ConsistencyGate* gate;
  replication::ReplicationService* replication;
  Authenticator* auth;
  Metrics* metrics;
  std::atomic<bool>* draining;  // set when the node starts shutting down
  std::string node_id;
  std::string region;
  RateLimiter* rate_limiter = nullptr;  // null: nothing is rate limited
  // Set by the operator's drain: local writes are refused (503); null: never refused.
  std::atomic<bool>* writes_paused = nullptr;
  uint64_t swift_token_ttl_s = 86400;  // lifetime of a Swift TempAuth token
  // The thread for long operator jobs (verify's digests, backups); null: those routes answer 503.
  admin::OpsWorker* ops_worker = nullptr;
  // Every node's API HOST:PORT by node id, from the cluster file (verify finds its peers).
  std::map<std::string, std::string> node_apis{};
};

}  // namespace meridian::api
