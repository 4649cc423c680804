// Swift's response conventions: transaction ids (`tx` + 21 hex + `-` + the epoch in 10 hex
// digits, plus the client's X-Trans-Id-Extra), the headers every Swift answer carries and the
// plain-text error body. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/http.h"
#include "storage/base/status.h"

namespace meridian::api::swift {

// A fresh transaction id; `extra` (X-Trans-Id-Extra) is appended, at most 32 bytes of it,
// percent-encoded as Swift quotes it.
std::string NewTransId(std::string_view extra = {});
// A fresh transaction id for `req`, honouring its X-Trans-Id-Extra.
std::string TransIdFor(const Request& req);

// Adds X-Trans-Id and X-Openstack-Request-Id (the same value, as Swift sends both).
void SetTransId(Response& res, const std::string& trans_id);

// An error as Swift answers it: `text/plain; charset=UTF-8`, the one-line reason as the body.
Response PlainError(http::status status, std::string_view message, const std::string& trans_id);

// Swift's 412 travels as a Status with this code (pipeline.h WithCode); the dialect's encoder
// answers it 412 Precondition Failed.
inline constexpr std::string_view kPreconditionCode = "precondition_failed";
Status PreconditionFailed(std::string_view message);

// Swift's proxy refuses a path that is not UTF-8 or holds NUL (check_utf8) with 412
// "Invalid UTF8 or contains NULL", before any authorization. `decoded_path`: percent-decoded.
Status CheckSwiftPath(std::string_view decoded_path);

// A 204 with Content-Length: 0 and Swift's text/html content type (as in the api-ref example).
Response NoContent();

}  // namespace meridian::api::swift
