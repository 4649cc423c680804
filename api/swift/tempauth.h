// Swift's TempAuth v1 token endpoint (`GET /auth/v1.0`) over Meridian API keys, and the
// unauthenticated `GET /info` capabilities document. The token handed out is the API key
// itself; X-Auth-User names the organization. Stateless; thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/api_context.h"
#include "api/router.h"

namespace meridian::api::swift {

// X-Auth-User (or X-Storage-User) "<org_id>:<any user>" (or "AUTH_<org_id>:...") and
// X-Auth-Key (or X-Storage-Pass) an API key of that organization (or the operator's key):
// 200 with X-Auth-Token, X-Storage-Token and X-Storage-Url; anything else 401.
boost::asio::awaitable<Response> GetToken(const ApiContext& ctx, Call& call);

// 200 with Swift's constraint values, as `swift capabilities` reads them.
Response Info(const Call& call);

}  // namespace meridian::api::swift
