// Request log lines (see request_log.h).
#include "node/request_log.h"

#include <string>

#include "storage/base/log.h"

namespace meridian::node {
namespace {

// A client's text (target, request id) as a quoted log value: at most 256 bytes, quotes,
// backslashes and control bytes escaped, so a client cannot forge a field or a line.
std::string Quoted(std::string_view target) {
  std::string out = "\"";
  for (char c : target.substr(0, 256)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  if (target.size() > 256) out += "...";
  out.push_back('"');
  return out;
}

}  // namespace

void RequestLog::Log(const api::Exchange& e) const {
  const bool failed = e.status >= 500;
  if (!failed && !access_log()) return;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(e.took).count();
  std::string fields =
      "request_id=" + Quoted(e.request_id) + " method=" + std::string(e.method.substr(0, 32)) +
      " target=" + Quoted(e.target) + " status=" + std::to_string(e.status) +
      " duration_ms=" + std::to_string(micros / 1000) + "." + std::to_string(micros % 1000 / 100);
  log::Write(failed ? log::Level::kError : log::Level::kInfo, "request", fields);
}

}  // namespace meridian::node
