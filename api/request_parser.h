// RequestParser: Beast's HTTP/1.1 request parser with the edge's rules added where Beast has
// none, so that no byte sequence can make it throw or hold unbounded memory:
// - one header or trailer field longer than kMaxFieldBytes: header_limit (Beast's field
//   storage cannot hold it and would throw std::length_error);
// - trailer fields are parsed and dropped (nothing reads them); their size, like chunk
//   extensions, is bounded by the read buffer the session gives Beast;
// - Transfer-Encoding whose last coding is not `chunked` (RFC 9112 6.3: the body length is
//   unknown) or naming another coding: bad_transfer_encoding;
// - body bytes are taken from a BodyBudget shared by every connection; when it is spent the
//   read fails with body_limit and budget_exhausted() tells it from the per-request limit. A
//   Content-Length is taken whole as soon as the header is read (a slow sender holds it).
// Every callback catches its own exceptions (bad_alloc included) into an error code: an
// exception thrown inside Beast's read operation would escape the session into io_context::run.
// Thread-compatible (one per request); BodyBudget is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "api/http.h"

namespace meridian::api {

// Bytes of request bodies held in memory across all connections.
class BodyBudget {
 public:
  explicit BodyBudget(uint64_t capacity) : capacity_(capacity) {}
  // Takes `n` bytes if they fit under the capacity.
  bool TryTake(uint64_t n);
  void Give(uint64_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t capacity() const { return capacity_; }

 private:
  const uint64_t capacity_;
  std::atomic<uint64_t> used_{0};
};

class RequestParser : public http::basic_parser<true> {
 public:
  // Beast's fields store a field's name and value in 16-bit lengths.
  static constexpr size_t kMaxFieldBytes = 65000;

  // REQUIRES: budget (if any) outlives the parser.
  explicit RequestParser(BodyBudget* budget) : budget_(budget) {}
  ~RequestParser() override;

  // The largest body accepted (413 beyond it); use this, not basic_parser::body_limit.
  void set_body_limit(uint64_t bytes) {
    body_limit(bytes);
    max_body_ = bytes;
  }
  const Request& get() const { return req_; }
  Request release() { return std::move(req_); }
  // The read failed with body_limit because the shared budget was spent.
  bool budget_exhausted() const { return budget_exhausted_; }

 private:
  void on_request_impl(http::verb method, boost::beast::string_view method_str,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code& ec) override;
  void on_field_impl(http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<uint64_t>& content_length,
                         boost::beast::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(uint64_t size, boost::beast::string_view extensions,
                            boost::beast::error_code& ec) override;
  size_t on_chunk_body_impl(uint64_t remain, boost::beast::string_view body,
                            boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code& ec) override;

  // Takes `n` more body bytes from the budget; false (and ec set) when it is spent.
  bool Reserve(uint64_t n, boost::beast::error_code& ec);
  size_t Append(boost::beast::string_view body, boost::beast::error_code& ec);

  Request req_;
  BodyBudget* const budget_;
  uint64_t max_body_ = 0;
  uint64_t reserved_ = 0;  // taken from budget_, given back by the destructor
  bool header_done_ = false;
  bool budget_exhausted_ = false;
};

}  // namespace meridian::api
