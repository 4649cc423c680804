// RequestLog: the node's per-request log lines, fed by the router's observer (api/router.h).
// Every 5xx is logged at error level, once, with its request id (the X-Request-Id the client
// got); with the access log on, every other request is logged too, at info level, in the same
// one-line `key=value` shape. Thread-safe: SetAccessLog may run while requests are logged.
#pragma once

#include <atomic>

#include "api/router.h"

namespace meridian::node {

class RequestLog {
 public:
  void SetAccessLog(bool on) { access_log_.store(on, std::memory_order_relaxed); }
  bool access_log() const { return access_log_.load(std::memory_order_relaxed); }
  // Writes the line for `exchange` (event=request) if its status or the access log asks for one.
  void Log(const api::Exchange& exchange) const;

 private:
  std::atomic<bool> access_log_{false};
};

}  // namespace meridian::node
