// Swift's TempAuth v1 token endpoint (`GET /auth/v1.0`) over Meridian API keys, the tokens it
// issues, and the unauthenticated `GET /info` capabilities document. X-Auth-User names the
// organization, X-Auth-Key is an API key; each authentication gets a fresh random token that
// lives ApiContext::swift_token_ttl_s and dies with its key. Tokens are stored only as SHA-256
// hashes in the system tenant, so they replicate and every node accepts them (docs/swift.md).
// Thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "api/api_context.h"
#include "api/pipeline.h"
#include "storage/lmdb_env.h"

namespace meridian::api::swift {

// System-tenant namespace of tokens; name: hex sha256 of the token.
inline constexpr std::string_view kSwiftTokensNs = "swift_tokens";

// X-Auth-User (or X-Storage-User) "<org_id>:<any user>" (or "AUTH_<org_id>:...") and
// X-Auth-Key (or X-Storage-Pass) an API key of that organization (or the operator's key):
// 200 with a new X-Auth-Token (= X-Storage-Token), X-Auth-Token-Expires (seconds) and
// X-Storage-Url, once the token is committed (local_region); anything else 401.
boost::asio::awaitable<Reply> GetToken(const ApiContext& ctx, Call& call, Resolved& unused);

// Deletes expired token records so they do not pile up: the tokens this node issued as soon as
// they expire, every other node's once expired for longer than `orphan_grace_ms` (their issuer
// may be gone for good; the grace keeps regions from all deleting the same records). Deletes at
// most `max_per_pass` records, through the write path at local_region, and returns how many.
boost::asio::awaitable<Result<size_t>> SweepExpiredTokens(const ApiContext& ctx, int64_t now_ms,
                                                          int64_t orphan_grace_ms,
                                                          size_t max_per_pass);

// Who sends a Swift request: an X-Auth-Token issued by GetToken resolves to the key it was
// issued for (Unauthenticated once expired, unknown, or the key is revoked); any other
// credential (X-Auth-Token, X-Storage-Token, or any key header) is an API key. A path that
// is not UTF-8 or holds NUL is refused first, with Swift's 412 (swift_http.h CheckSwiftPath).
Result<Principal> AuthenticateSwift(const ApiContext& ctx, const Request& req,
                                    const storage::Txn& txn);

// 200 with Swift's constraint values, as `swift capabilities` reads them.
Response Info();

}  // namespace meridian::api::swift
