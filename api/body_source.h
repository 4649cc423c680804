// A response body produced piece by piece, for bodies too big to hold in memory (a backup).
// A handler hands one to the server with StreamedResponse (api/router.h); the server asks for
// the next piece only once the previous one was written to the client (backpressure: one piece
// of at most kStreamPieceBytes is held per response), and every write has the server's
// write_timeout. Read runs on the session's strand: a source whose reads block does them on
// another thread and resumes on the caller's executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "storage/base/status.h"

namespace meridian::api {

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Writes up to `room` bytes (at least 1) to `out` and returns how many. An error, or 0 before
  // the promised length, ends the response early: the connection closes mid-body, so the client
  // sees a short body, never a wrong one taken for whole.
  virtual boost::asio::awaitable<Result<size_t>> Read(char* out, size_t room) = 0;
};
inline constexpr size_t kStreamPieceBytes = 256 * 1024;

// A body of exactly `length` bytes from `source` (null: the response's own body is sent).
struct StreamedBody {
  std::shared_ptr<BodySource> source;
  uint64_t length = 0;
};

}  // namespace meridian::api
