// Swift's response conventions: transaction ids (`tx` + 21 hex + `-` + the epoch in 10 hex
// digits, plus the client's X-Trans-Id-Extra), the headers every Swift answer carries and the
// plain-text error body. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/http.h"

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

// A 204 with Content-Length: 0 and Swift's text/html content type (as in the api-ref example).
Response NoContent();

}  // namespace meridian::api::swift
