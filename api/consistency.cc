// Consistency headers and commit tokens (see consistency.h).
#include "api/consistency.h"

#include <charconv>

namespace meridian::api {

Result<std::chrono::seconds> ParseConsistencyTimeout(const Request& req) {
  auto it = req.find(kConsistencyTimeoutHeader);
  if (it == req.end()) return std::chrono::seconds(30);
  std::string_view v = it->value();
  int seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || end != v.data() + v.size() || seconds < 1 || seconds > 120) {
    return Status::InvalidArgument(std::string(kConsistencyTimeoutHeader) +
                                   " must be an integer from 1 to 120");
  }
  return std::chrono::seconds(seconds);
}

Result<WriteConsistency> ParseWriteConsistency(const Request& req) {
  WriteConsistency out;
  if (auto it = req.find(kConsistencyHeader); it != req.end()) {
    std::string_view v = it->value();
    if (v == "local_region") {
      out.level = replication::ConsistencyLevel::kLocalRegion;
    } else if (v == "all_regions") {
      out.level = replication::ConsistencyLevel::kAllRegions;
    } else {
      return Status::InvalidArgument(std::string(kConsistencyHeader) +
                                     " must be local_region or all_regions");
    }
  }
  auto timeout = ParseConsistencyTimeout(req);
  if (!timeout.ok()) return timeout.status();
  out.timeout = *timeout;
  return out;
}

std::string FormatCommitToken(const CommitToken& token) {
  std::string out;
  for (const auto& [origin, seq] : token) {
    if (!out.empty()) out.push_back(',');
    out.append(origin).push_back(':');
    out.append(std::to_string(seq));
  }
  return out;
}

Result<CommitToken> ParseCommitToken(std::string_view text) {
  CommitToken token;
  auto bad = [] { return Status::InvalidArgument("malformed Meridian-Min-Commit-Token"); };
  if (text.empty() || text.size() > 4096) return bad();
  for (auto part : SplitCommaList(text)) {
    size_t colon = part.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == part.size()) return bad();
    uint64_t seq = 0;
    const char* first = part.data() + colon + 1;
    const char* last = part.data() + part.size();
    auto [end, ec] = std::from_chars(first, last, seq);
    if (ec != std::errc() || end != last) return bad();
    token.emplace_back(part.substr(0, colon), seq);
  }
  return token;
}

}  // namespace meridian::api
