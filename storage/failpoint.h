// Failpoints: named places under the storage layer where a test can make an operation fail
// (FreeBSD's fail(9), etcd's gofail, small). Compiled into every build and off by default: an
// unarmed Hit() is one relaxed atomic load. Armed by tests through Arm()/ScopedFailpoint, or for
// a whole process (an integration test's meridiand) through the environment:
//
//   MERIDIAN_FAILPOINTS="<name>[=after:<N>][,<name>...]"   (read once, at the first Hit)
//   MERIDIAN_FAILPOINTS_FILE=<path>   the same syntax in a file, re-read when its text changes
//                                     (a test arms a running node; an empty file disarms)
//
// `after:N` lets the first N hits pass. An armed failpoint fails every later hit until
// disarmed. Thread-safe. The names, and what a hit does where it sits:
//   storage.commit         WriteTxn::Commit aborts the transaction and returns IOError (a
//                          failed commit or fsync: nothing of it is durable)
//   storage.commit.remote  the writer's commit of a group holding another node's entries or
//                          snapshot chunks fails the same way (a replica's fsync fails)
//   storage.read_log       ReadLog returns IOError (a storage error while reading the log)
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "storage/base/status.h"

namespace meridian::storage::failpoint {

inline constexpr std::string_view kCommit = "storage.commit";
inline constexpr std::string_view kCommitRemote = "storage.commit.remote";
inline constexpr std::string_view kReadLog = "storage.read_log";

struct Spec {
  uint64_t after = 0;  // hits that pass before the failpoint fires
};

// OK, or IOError("failpoint <name>") when `name` is armed and past its `after` count.
Status Hit(std::string_view name);
void Arm(std::string_view name, Spec spec = {});
void Disarm(std::string_view name);
// Arms from MERIDIAN_FAILPOINTS' syntax; InvalidArgument (nothing armed) on a bad spec.
Status ArmFromText(std::string_view text);

// Arms `name` for its lifetime (tests).
class ScopedFailpoint {
 public:
  explicit ScopedFailpoint(std::string_view name, Spec spec = {}) : name_(name) {
    Arm(name_, spec);
  }
  ~ScopedFailpoint() { Disarm(name_); }
  ScopedFailpoint(const ScopedFailpoint&) = delete;
  ScopedFailpoint& operator=(const ScopedFailpoint&) = delete;

 private:
  std::string name_;
};

}  // namespace meridian::storage::failpoint
