// The shared prologue and exit of every dialect route (see pipeline.h).
#include "api/pipeline.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <memory>

#include "api/json_util.h"

namespace meridian::api {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

// One route as mounted: its description and its dialect's.
struct Mounted {
  const ApiContext* ctx;
  const Dialect* dialect;
  const Route* route;
};

// Authentication and the organization, on `txn`: the first three steps of the prologue.
Status Authorize(const Mounted& m, const Call& call, const storage::Txn& txn, Resolved& r) {
  const ApiContext& ctx = *m.ctx;
  auto who = m.dialect->authenticate ? m.dialect->authenticate(ctx, call.req, txn)
                                     : ctx.auth->Authenticate(call.req, txn);
  if (!who.ok()) return who.status();
  r.who = std::move(*who);
  switch (m.route->org) {
    case OrgFrom::kNone:
      if (!r.who.operator_admin) {
        return Status::PermissionDenied("only the operator's admin key may do this");
      }
      return Status::Ok();
    case OrgFrom::kPath:
      r.org_id = call.params.at(0);
      break;
    case OrgFrom::kDialect: {
      auto org = m.dialect->org_of(call, r.who);
      if (!org.ok()) return org.status();
      r.org_id = std::move(*org);
      break;
    }
    case OrgFrom::kHeader:
    case OrgFrom::kHeaderOrKey: {
      auto header = call.req.find(m.dialect->org_header);
      if (header != call.req.end() && !header->value().empty()) {
        r.org_id = std::string(header->value());
      } else if (m.route->org == OrgFrom::kHeader) {
        return Status::InvalidArgument("the " + m.dialect->org_header + " header is required");
      } else if (r.who.operator_admin) {
        return Status::InvalidArgument("the operator key must name the organization in " +
                                       m.dialect->org_header);
      } else {
        r.org_id = r.who.org_id;
      }
      break;
    }
  }
  return ctx.auth->Authorize(r.who, r.org_id, m.route->scope, txn);
}

// The prologue after the handler-independent checks: nullopt to call the handler.
asio::awaitable<std::optional<Reply>> Prologue(const Mounted& m, Call& call, Resolved& r,
                                               std::optional<RateLimitDecision>& limit) {
  const ApiContext& ctx = *m.ctx;
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Reply(txn.status());
  r.txn.emplace(std::move(*txn));
  Status allowed = Authorize(m, call, *r.txn, r);
  // An organization this node does not hold yet may come with the token's write: wait first.
  const bool has_token = call.req.find(kMinCommitTokenHeader) != call.req.end();
  if (!allowed.ok() && !(allowed.IsNotFound() && has_token)) {
    co_return Reply(allowed);
  }
  if (m.dialect->limit_group && ctx.rate_limiter != nullptr &&
      ctx.rate_limiter->Enabled(*m.dialect->limit_group)) {
    RateLimitDecision decision = ctx.rate_limiter->Acquire(*m.dialect->limit_group, r.who.key_id);
    limit = decision;
    if (!decision.allowed) {
      if (ctx.metrics != nullptr) {
        ctx.metrics->CountRateLimited(static_cast<size_t>(*m.dialect->limit_group));
      }
      co_return Reply(m.dialect->encode(ApiError{
          http::status::too_many_requests, {}, RateLimitMessage(decision), call.request_id}));
    }
  }
  if (m.route->writes) {
    auto consistency = ParseWriteConsistency(call.req);
    if (!consistency.ok()) co_return Reply(consistency.status());
    r.consistency = *consistency;
  } else {
    // A read has no level to reach, but its timeout bounds the token wait.
    auto timeout = ParseConsistencyTimeout(call.req);
    if (!timeout.ok()) co_return Reply(timeout.status());
    r.consistency.timeout = *timeout;
  }
  if (!has_token) co_return std::nullopt;  // the hot path: the snapshot goes to the handler
  r.txn.reset();                           // no read transaction across the wait
  Status waited = co_await AwaitMinCommitToken(ctx, call.req);
  if (!waited.ok()) co_return Reply(waited);
  auto fresh = ctx.store->Read();
  if (!fresh.ok()) co_return Reply(fresh.status());
  r.txn.emplace(std::move(*fresh));
  if (!allowed.ok()) {
    allowed = Authorize(m, call, *r.txn, r);
    if (!allowed.ok()) co_return Reply(allowed);
  }
  co_return std::nullopt;
}

// The one exit: a Reply becomes the dialect's response with the common extras.
Response Exit(const Mounted& m, const Call& call, Reply reply,
              const std::optional<RateLimitDecision>& limit) {
  Response res;
  if (reply.response) {
    res = std::move(*reply.response);
  } else {
    res = EncodeError(*m.dialect, reply.error, call.request_id);
    if (!reply.error_fields.empty()) {
      boost::system::error_code ec;
      json::value body = json::parse(res.body(), ec);
      if (!ec && body.is_object()) {
        for (auto& [name, value] : reply.error_fields) body.as_object()[name] = value;
        res.body() = SerializeExact(body);
        res.prepare_payload();
      }
    }
    for (auto& [name, value] : reply.error_headers) res.set(name, value);
  }
  if (!reply.token.empty()) res.set(kCommitTokenHeader, FormatCommitToken(reply.token));
  if (limit) AddRateLimitHeaders(res, *limit);
  if (m.dialect->finish) m.dialect->finish(res, call);
  return res;
}

// A coroutine of its own (not a coroutine lambda), so what it uses lives in its frame.
asio::awaitable<Response> Run(Mounted m, Call& call) {
  Resolved r;
  std::optional<RateLimitDecision> limit;
  std::optional<Reply> early;
  if (m.route->scope != 0) early = co_await Prologue(m, call, r, limit);
  if (early) co_return Exit(m, call, std::move(*early), limit);
  Reply reply = co_await m.route->handler(*m.ctx, call, r);
  co_return Exit(m, call, std::move(reply), limit);
}

}  // namespace

asio::awaitable<std::optional<Reply>> RunPrologue(const ApiContext& ctx, const Dialect& dialect,
                                                  const Route& route, Call& call, Resolved& r,
                                                  std::optional<RateLimitDecision>& limit) {
  co_return co_await Prologue(Mounted{&ctx, &dialect, &route}, call, r, limit);
}

std::string RateLimitMessage(const RateLimitDecision& decision) {
  return "Too many requests: the rate limit of this API key is exceeded; retry after " +
         std::to_string(decision.retry_after_s) + " s.";
}

constexpr char kCodeMark = '\x1f';

Status WithCode(const Status& status, std::string_view code) {
  std::string message;
  message.reserve(code.size() + status.message().size() + 2);
  message.push_back(kCodeMark);
  message.append(code).push_back(kCodeMark);
  message.append(ErrorTextOf(status));
  switch (status.code()) {
    case Status::Code::kNotFound:
      return Status::NotFound(message);
    case Status::Code::kConflict:
      return Status::Conflict(message);
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied(message);
    case Status::Code::kUnauthenticated:
      return Status::Unauthenticated(message);
    case Status::Code::kTimeout:
      return Status::Timeout(message);
    case Status::Code::kUnavailable:
      return Status::Unavailable(message);
    case Status::Code::kResourceExhausted:
      return Status::ResourceExhausted(message);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(message);
    default:
      return status;  // internal failures are never described: no code either
  }
}

std::string_view ErrorCodeOf(const Status& status) {
  std::string_view m = status.message();
  if (m.size() < 2 || m[0] != kCodeMark) return {};
  const size_t end = m.find(kCodeMark, 1);
  return end == std::string_view::npos ? std::string_view() : m.substr(1, end - 1);
}

std::string ErrorTextOf(const Status& status) {
  std::string text = PublicMessage(status);
  if (text.size() >= 2 && text[0] == kCodeMark) {
    const size_t end = text.find(kCodeMark, 1);
    if (end != std::string::npos) text.erase(0, end + 1);
  }
  return text;
}

Response EncodeError(const Dialect& dialect, const Status& status, const std::string& request_id) {
  const std::string message = ErrorTextOf(status);
  return dialect.encode(ApiError{HttpStatusOf(status), ErrorCodeOf(status), message, request_id});
}

void Mount(Router& router, const ApiContext& ctx, const Dialect& dialect) {
  for (const std::string& prefix : dialect.prefixes) {
    router.SetErrorFormat(prefix,
                          [encode = dialect.encode](http::status status, std::string_view message,
                                                    const std::string& request_id) {
                            return encode(ApiError{status, {}, message, request_id});
                          });
  }
  for (const Route& route : dialect.routes) {
    Mounted m{&ctx, &dialect, &route};
    router.Add(route.method, route.pattern, [m](Call& call) { return Run(m, call); });
  }
}

Reply Committed(const WriteResult& committed, Response ok) {
  Reply reply = committed.ok() ? Reply(std::move(ok)) : Reply(committed.status);
  reply.token = committed.token;
  return reply;
}

asio::awaitable<Reply> Commit(const ApiContext& ctx, Resolved& r, storage::WriteBatch batch,
                              Response ok) {
  r.txn.reset();
  auto committed = co_await CommitAndWait(ctx, std::move(batch), r.consistency);
  co_return Committed(committed, std::move(ok));
}

}  // namespace meridian::api
