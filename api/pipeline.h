// The one request pipeline of every dialect. A dialect is described once (a Dialect: its path
// prefixes, its error envelope, its rate-limit group and its routes); Mount puts each route
// behind one shared prologue:
//   authenticate -> choose the organization -> check the scope -> rate limit (the principal
//   already found: one authentication) -> consistency headers -> Meridian-Min-Commit-Token wait
// in that order, then calls the route's handler with what the prologue resolved. Whatever the
// handler or the prologue answers leaves through one exit: a Status becomes the dialect's
// envelope (its own error code travels with it: WithCode), and the commit token, the rate-limit
// headers and the dialect's finishing headers are added. Thread-safe after Mount.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/consistency.h"
#include "api/rate_limit.h"
#include "api/router.h"
#include "api/write_path.h"

namespace meridian::api {

// How a route chooses its organization.
enum class OrgFrom : uint8_t {
  kNone,         // none: only the operator's key may call it
  kHeader,       // the dialect's org header, required
  kHeaderOrKey,  // the org header, else the key's own (the operator's key must name one)
  kPath,         // the first path parameter (the operator, or a key of that organization)
  kDialect,      // the dialect's own rule (Dialect::org_of)
};

// What the prologue found: who calls, for which organization, how far a write must travel.
struct Resolved {
  Principal who;
  std::string org_id;  // empty for OrgFrom::kNone
  WriteConsistency consistency;
  // The snapshot the checks ran on; the handler reads from it. It is valid until the handler's
  // first suspension (Commit releases it before waiting on the writer).
  std::optional<storage::ReadTxn> txn;
};

// A handler's answer: a response, or an error the exit encodes in the dialect's envelope.
struct Reply {
  Reply(Response r) : response(std::move(r)) {}  // NOLINT: implicit, like Result
  Reply(Status s) : error(std::move(s)) {}       // NOLINT
  std::optional<Response> response;
  Status error;
  CommitToken token;                 // Meridian-Commit-Token, on the answer or the error
  boost::json::object error_fields;  // added to a JSON error body (what a kept write made)
  std::vector<std::pair<std::string, std::string>> error_headers;
};

// A dialect's own error code (Attio's `code`, ZITADEL's error id) travels with its Status from
// wherever it is decided, a writer precondition included, to the exit. Status (storage/base)
// has no field for it, so it rides in front of the message behind a separator no client text
// holds; these three functions are the only ones that know, and the envelopes get it as the
// field ApiError::code.
Status WithCode(const Status& status, std::string_view code);
// The code WithCode gave `status` ("" if none).
std::string_view ErrorCodeOf(const Status& status);
// What a client may read of `status`: PublicMessage without the code.
std::string ErrorTextOf(const Status& status);

// The fields of an error envelope.
struct ApiError {
  http::status status;
  std::string_view code;     // the dialect's own code (ErrorCodeOf); empty: its default
  std::string_view message;  // safe to show (PublicMessage)
  const std::string& request_id;
};
using ErrorEncoder = Response (*)(const ApiError& error);

using RouteHandler =
    std::function<boost::asio::awaitable<Reply>(const ApiContext&, Call&, Resolved&)>;

struct Route {
  http::verb method;
  std::string pattern;  // Router syntax: `{}` is one path parameter
  uint8_t scope;        // kScope*; 0: public (no key, no organization, no rate limit)
  OrgFrom org;
  bool writes;  // parses the consistency level (a read, only the timeout)
  RouteHandler handler;
};

struct Dialect {
  std::vector<std::string> prefixes;  // paths whose errors use `encode` (404, 405, 413, ...)
  ErrorEncoder encode;
  std::optional<RateLimitGroup> limit_group;  // nullopt: never rate limited
  std::string org_header = "SlashID-OrgID";
  // Optional: who sends the request (default Authenticator::Authenticate).
  Result<Principal> (*authenticate)(const ApiContext&, const Request&,
                                    const storage::Txn&) = nullptr;
  // For OrgFrom::kDialect: the organization of the call (checked afterwards by Authorize).
  Result<std::string> (*org_of)(const Call&, const Principal&) = nullptr;
  // Optional: headers every answer of the dialect carries (Swift's transaction id).
  void (*finish)(Response&, const Call&) = nullptr;
  std::vector<Route> routes;
};

// Registers every route of `dialect` on `router`, and its error format for its prefixes.
// REQUIRES: ctx and dialect outlive the router.
void Mount(Router& router, const ApiContext& ctx, const Dialect& dialect);

// The prologue alone, for calls that do not come through the router (ZITADEL's gRPC methods):
// the same steps in the same order on `call` (its headers; its params for OrgFrom::kPath) as
// if `route` of `dialect` had matched. nullopt: go on, `r` resolved. Otherwise the answer: a
// Status, or the dialect's 429 response when `limit` refused the call.
boost::asio::awaitable<std::optional<Reply>> RunPrologue(const ApiContext& ctx,
                                                         const Dialect& dialect, const Route& route,
                                                         Call& call, Resolved& r,
                                                         std::optional<RateLimitDecision>& limit);
// The text of a rate-limit refusal (429), in every transport.
std::string RateLimitMessage(const RateLimitDecision& decision);

// The dialect's envelope for `status` (used by the exit, and by tests).
Response EncodeError(const Dialect& dialect, const Status& status, const std::string& request_id);

// For write handlers: releases the snapshot, commits `batch` at the resolved consistency and
// answers `ok` (with the commit token); or the error (a 408 keeps the token: the write stays).
boost::asio::awaitable<Reply> Commit(const ApiContext& ctx, Resolved& r, storage::WriteBatch batch,
                                     Response ok);
// The Reply of a finished CommitAndWait: `ok` or the error, with the token either way.
Reply Committed(const WriteResult& committed, Response ok);

}  // namespace meridian::api
