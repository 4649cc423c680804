// The edge's request parser (see request_parser.h).
#include "api/request_parser.h"

#include <exception>

namespace meridian::api {
namespace beast = boost::beast;

bool BodyBudget::TryTake(uint64_t n) {
  uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (n > capacity_ || used > capacity_ - n) return false;
  } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
  return true;
}

RequestParser::~RequestParser() {
  if (budget_ != nullptr && reserved_ > 0) budget_->Give(reserved_);
}

void RequestParser::on_request_impl(http::verb method, beast::string_view method_str,
                                    beast::string_view target, int version, beast::error_code& ec) {
  try {
    if (method == http::verb::unknown) {
      req_.method_string(method_str);
    } else {
      req_.method(method);
    }
    req_.target(target);
    req_.version(version);
  } catch (const std::exception&) {
    ec = http::error::header_limit;
  }
}

void RequestParser::on_response_impl(int, beast::string_view, int, beast::error_code& ec) {
  ec = http::error::bad_version;  // never called for a request parser
}

void RequestParser::on_field_impl(http::field name, beast::string_view name_string,
                                  beast::string_view value, beast::error_code& ec) {
  if (name_string.size() > kMaxFieldBytes || value.size() > kMaxFieldBytes) {
    ec = http::error::header_limit;
    return;
  }
  if (header_done_) return;  // a trailer field: bounded by the read buffer, then dropped
  try {
    req_.insert(name, name_string, value);
  } catch (const std::exception&) {
    ec = http::error::header_limit;
  }
}

void RequestParser::on_header_impl(beast::error_code& ec) {
  header_done_ = true;
  if (req_.count(http::field::transfer_encoding) > 0) {
    // Beast sets chunked() only when `chunked` is the last coding; a body it cannot delimit
    // (RFC 9112 6.3), or one in a coding this server does not decode, is refused.
    bool only_chunked = chunked();
    auto [first, last] = req_.equal_range(http::field::transfer_encoding);
    for (auto it = first; it != last; ++it) {
      for (const auto& coding : http::token_list{it->value()}) {
        only_chunked = only_chunked && beast::iequals(coding, "chunked");
      }
    }
    if (!only_chunked) {
      ec = http::error::bad_transfer_encoding;
      return;
    }
  }
  // Over max_body_ Beast answers body_limit itself (413): nothing to take then.
  if (const auto length = content_length(); length && *length > 0 && *length <= max_body_) {
    Reserve(*length, ec);
  }
}

void RequestParser::on_body_init_impl(const boost::optional<uint64_t>& content_length,
                                      beast::error_code& ec) {
  if (!content_length || *content_length == 0 || reserved_ < *content_length) return;
  try {
    req_.body().reserve(*content_length);
  } catch (const std::exception&) {
    ec = http::error::body_limit;
  }
}

size_t RequestParser::on_body_impl(beast::string_view body, beast::error_code& ec) {
  return Append(body, ec);
}

void RequestParser::on_chunk_header_impl(uint64_t size, beast::string_view, beast::error_code& ec) {
  if (size > 0) Reserve(size, ec);
}

size_t RequestParser::on_chunk_body_impl(uint64_t, beast::string_view body, beast::error_code& ec) {
  return Append(body, ec);
}

void RequestParser::on_finish_impl(beast::error_code&) {}

bool RequestParser::Reserve(uint64_t n, beast::error_code& ec) {
  if (budget_ == nullptr) return true;
  if (!budget_->TryTake(n)) {
    budget_exhausted_ = true;
    ec = http::error::body_limit;
    return false;
  }
  reserved_ += n;
  return true;
}

size_t RequestParser::Append(beast::string_view body, beast::error_code& ec) {
  try {
    req_.body().append(body.data(), body.size());
    return body.size();
  } catch (const std::exception&) {
    ec = http::error::body_limit;
    return 0;
  }
}

}  // namespace meridian::api
