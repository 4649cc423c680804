// The consistency headers every write of every dialect honours, and commit tokens.
//   SlashID-Required-Consistency: local_region | all_regions  (default local_region)
//   SlashID-Required-Consistency-Timeout: 1..120 seconds        (default 30)
//   Meridian-Commit-Token / Meridian-Min-Commit-Token: "origin:seq[,origin:seq...]"
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "api/http.h"
#include "replication/core/quorum.h"

namespace meridian::api {

inline constexpr std::string_view kConsistencyHeader = "SlashID-Required-Consistency";
inline constexpr std::string_view kConsistencyTimeoutHeader =
    "SlashID-Required-Consistency-Timeout";
inline constexpr std::string_view kCommitTokenHeader = "Meridian-Commit-Token";
inline constexpr std::string_view kMinCommitTokenHeader = "Meridian-Min-Commit-Token";

struct WriteConsistency {
  replication::ConsistencyLevel level = replication::ConsistencyLevel::kLocalRegion;
  std::chrono::seconds timeout{30};
};

// InvalidArgument for an unknown level or a timeout that is not an integer in 1..120.
Result<WriteConsistency> ParseWriteConsistency(const Request& req);
// Just the timeout header (reads use it to bound Min-Commit-Token waits).
Result<std::chrono::seconds> ParseConsistencyTimeout(const Request& req);

using CommitToken = std::vector<std::pair<std::string, uint64_t>>;  // (origin, seq)
std::string FormatCommitToken(const CommitToken& token);
// InvalidArgument if malformed (empty, bad separator, non-numeric or zero-length parts).
Result<CommitToken> ParseCommitToken(std::string_view text);

}  // namespace meridian::api
