// Handlers of /v2/{target}/{identifier}/attributes[/{attribute}] (API.md section 4).
#include <boost/asio/use_awaitable.hpp>

#include <limits>

#include "api/attio/attribute_store.h"
#include "api/attio/errors.h"
#include "api/attio/handler_common.h"
#include "api/write_path.h"

namespace meridian::api::attio {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

Result<Target> TargetOf(const Call& call) {
  auto target = ParseTarget(call.params[0]);
  if (!target) {
    return NotFoundError("unknown target \"" + call.params[0] + "\": use objects or lists");
  }
  return *target;
}

// A non-negative integer query parameter no larger than `max`; `fallback` when absent.
Result<uint64_t> CountParam(const Call& call, std::string_view name, uint64_t fallback,
                            uint64_t min) {
  auto raw = QueryParam(call.query, name);
  if (!raw) return fallback;
  const std::string text = *raw;
  bool digits = !text.empty() && text.size() <= 9 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoull(text) < min) {
    return Invalid(std::string(name) + " must be an integer of at least " + std::to_string(min));
  }
  return std::stoull(text);
}

Result<bool> ShowArchived(const Call& call) {
  auto raw = QueryParam(call.query, "show_archived");
  if (!raw || *raw == "false") return false;
  if (*raw == "true") return true;
  return Invalid("show_archived must be true or false");
}

// The parent named in the path, for a read: 404 if unknown.
Result<Parent> ReadParent(const storage::Txn& txn, const std::string& org_id, Target target,
                          const std::string& identifier) {
  auto parent = FindParent(txn, org_id, target, identifier);
  if (!parent.ok()) return parent.status();
  if (!parent->has_value()) {
    return NotFoundError(std::string(target == Target::kLists ? "list" : "object") + " \"" +
                         identifier + "\" not found");
  }
  return std::move(**parent);
}

asio::awaitable<Response> ListAttributesHandler(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto caller = AuthorizeCall(ctx, call, *txn, kScopeRead);
  if (!caller.ok()) co_return Error(call, caller.status());
  auto target = TargetOf(call);
  if (!target.ok()) co_return Error(call, target.status());
  auto limit = CountParam(call, "limit", std::numeric_limits<uint32_t>::max(), 1);
  if (!limit.ok()) co_return Error(call, limit.status());
  auto offset = CountParam(call, "offset", 0, 0);
  if (!offset.ok()) co_return Error(call, offset.status());
  auto archived = ShowArchived(call);
  if (!archived.ok()) co_return Error(call, archived.status());
  auto parent = ReadParent(*txn, caller->org_id, *target, call.params[1]);
  if (!parent.ok()) co_return Error(call, parent.status());
  auto all = ListAttributes(*txn, caller->org_id, *parent);
  if (!all.ok()) co_return Error(call, all.status());
  json::array data;
  uint64_t skipped = 0;
  for (const auto& def : *all) {
    if (def.is_archived && !*archived) continue;
    if (skipped++ < *offset) continue;
    if (data.size() >= *limit) break;
    auto rendered = RenderStored(*txn, caller->org_id, def);
    if (!rendered.ok()) co_return Error(call, rendered.status());
    data.emplace_back(std::move(*rendered));
  }
  co_return DataResponse(data);
}

asio::awaitable<Response> GetAttributeHandler(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto caller = AuthorizeCall(ctx, call, *txn, kScopeRead);
  if (!caller.ok()) co_return Error(call, caller.status());
  auto target = TargetOf(call);
  if (!target.ok()) co_return Error(call, target.status());
  auto parent = ReadParent(*txn, caller->org_id, *target, call.params[1]);
  if (!parent.ok()) co_return Error(call, parent.status());
  auto def = FindAttribute(*txn, caller->org_id, *parent, call.params[2]);
  if (!def.ok()) co_return Error(call, def.status());
  if (!def->has_value()) {
    co_return Error(call, NotFoundError("attribute \"" + call.params[2] + "\" not found"));
  }
  auto rendered = RenderStored(*txn, caller->org_id, **def);
  if (!rendered.ok()) co_return Error(call, rendered.status());
  co_return DataResponse(*rendered);
}

asio::awaitable<Response> CreateAttributeHandler(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeSchema);
  if (!waited.ok()) co_return Error(call, waited);
  auto outcome = std::make_shared<AttributeOutcome>();
  storage::WriteBatch batch;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto caller = AuthorizeCall(ctx, call, *txn, kScopeSchema);
    if (!caller.ok()) co_return Error(call, caller.status());
    auto target = TargetOf(call);
    if (!target.ok()) co_return Error(call, target.status());
    auto body = ParseBody(call);
    if (!body.ok()) co_return Error(call, body.status());
    auto draft = ParseCreateBody(*body, *target);
    if (!draft.ok()) co_return Error(call, draft.status());
    NewAttributeIds ids{NewUuid(), NewUuid(), NowRfc3339()};
    batch = CreateAttributeBatch(caller->org_id, *target, call.params[1], std::move(*draft),
                                 std::move(ids), outcome);
  }  // the read transaction ends before waiting on the writer
  // Named, not a temporary inside the co_await expression: g++ 12 may destroy such temporaries
  // twice (a lambda's captured shared_ptr then loses a reference too many).
  std::function<json::value()> body = [outcome] { return json::value(outcome->body); };
  Response res = co_await CommitAndAnswer(ctx, call, std::move(batch), std::move(body));
  co_return res;
}

asio::awaitable<Response> UpdateAttributeHandler(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeSchema);
  if (!waited.ok()) co_return Error(call, waited);
  auto outcome = std::make_shared<AttributeOutcome>();
  storage::WriteBatch batch;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto caller = AuthorizeCall(ctx, call, *txn, kScopeSchema);
    if (!caller.ok()) co_return Error(call, caller.status());
    auto target = TargetOf(call);
    if (!target.ok()) co_return Error(call, target.status());
    auto body = ParseBody(call);
    if (!body.ok()) co_return Error(call, body.status());
    auto patch = ParsePatchBody(*body);
    if (!patch.ok()) co_return Error(call, patch.status());
    batch = UpdateAttributeBatch(caller->org_id, *target, call.params[1], call.params[2],
                                 std::move(*patch), outcome);
  }
  // Named, not a temporary inside the co_await expression: g++ 12 may destroy such temporaries
  // twice (a lambda's captured shared_ptr then loses a reference too many).
  std::function<json::value()> body = [outcome] { return json::value(outcome->body); };
  Response res = co_await CommitAndAnswer(ctx, call, std::move(batch), std::move(body));
  co_return res;
}

}  // namespace

void RegisterAttributeRoutes(RateLimitedRoutes& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  router.Add(V::get, "/v2/{}/{}/attributes",
             [c](Call& call) { return ListAttributesHandler(*c, call); });
  router.Add(V::post, "/v2/{}/{}/attributes",
             [c](Call& call) { return CreateAttributeHandler(*c, call); });
  router.Add(V::get, "/v2/{}/{}/attributes/{}",
             [c](Call& call) { return GetAttributeHandler(*c, call); });
  router.Add(V::patch, "/v2/{}/{}/attributes/{}",
             [c](Call& call) { return UpdateAttributeHandler(*c, call); });
}

}  // namespace meridian::api::attio
