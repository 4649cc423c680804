// Handlers of /v2/objects and /v2/lists (the parents of attributes).
#include <boost/asio/use_awaitable.hpp>

#include "api/attio/errors.h"
#include "api/attio/handler_common.h"
#include "api/attio/parent_requests.h"
#include "api/write_path.h"

namespace meridian::api::attio {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

asio::awaitable<Response> ListParentsHandler(const ApiContext& ctx, Call& call, Target target) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto caller = AuthorizeCall(ctx, call, *txn, kScopeRead);
  if (!caller.ok()) co_return Error(call, caller.status());
  auto parents = ListParents(*txn, caller->org_id, target);
  if (!parents.ok()) co_return Error(call, parents.status());
  json::array data;
  for (const auto& p : *parents) {
    auto rendered = RenderParent(*txn, caller->org_id, p);
    if (!rendered.ok()) co_return Error(call, rendered.status());
    data.emplace_back(std::move(*rendered));
  }
  co_return DataResponse(data);
}

asio::awaitable<Response> GetParentHandler(const ApiContext& ctx, Call& call, Target target) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto caller = AuthorizeCall(ctx, call, *txn, kScopeRead);
  if (!caller.ok()) co_return Error(call, caller.status());
  auto parent = FindParent(*txn, caller->org_id, target, call.params[0]);
  if (!parent.ok()) co_return Error(call, parent.status());
  if (!parent->has_value()) {
    co_return Error(call, NotFoundError(std::string(target == Target::kLists ? "list" : "object") +
                                        " \"" + call.params[0] + "\" not found"));
  }
  auto rendered = RenderParent(*txn, caller->org_id, **parent);
  if (!rendered.ok()) co_return Error(call, rendered.status());
  co_return DataResponse(*rendered);
}

asio::awaitable<Response> CreateParentHandler(const ApiContext& ctx, Call& call, Target target) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeSchema);
  if (!waited.ok()) co_return Error(call, waited);
  auto outcome = std::make_shared<CreateOutcome>();
  storage::WriteBatch batch;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto caller = AuthorizeCall(ctx, call, *txn, kScopeSchema);
    if (!caller.ok()) co_return Error(call, caller.status());
    auto body = ParseBody(call);
    if (!body.ok()) co_return Error(call, body.status());
    if (target == Target::kObjects) {
      auto spec = ParseObjectBody(*body);
      if (!spec.ok()) co_return Error(call, spec.status());
      batch = CreateObjectBatch(caller->org_id, std::move(*spec), NewUuid(), NowRfc3339(), outcome);
    } else {
      auto spec = ParseListBody(*body);
      if (!spec.ok()) co_return Error(call, spec.status());
      // Who created the list, as Attio's created_by_actor: the API key, or the operator.
      json::value actor = caller->who.operator_admin
                              ? json::object{{"type", "system"}, {"id", nullptr}}
                              : json::object{{"type", "api-token"}, {"id", caller->who.key_id}};
      batch = CreateListBatch(caller->org_id, std::move(*spec), NewUuid(), NowRfc3339(),
                              std::move(actor), outcome);
    }
  }
  // Named, not a temporary inside the co_await expression: g++ 12 may destroy such temporaries
  // twice (a lambda's captured shared_ptr then loses a reference too many).
  std::function<json::value()> body = [outcome] { return json::value(outcome->body); };
  Response res = co_await CommitAndAnswer(ctx, call, std::move(batch), std::move(body));
  co_return res;
}

}  // namespace

void RegisterObjectAndListRoutes(RateLimitedRoutes& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  for (Target target : {Target::kObjects, Target::kLists}) {
    const std::string base = "/v2/" + std::string(TargetName(target));
    router.Add(V::get, base, [c, target](Call& call) { return ListParentsHandler(*c, call, target); });
    router.Add(V::post, base,
               [c, target](Call& call) { return CreateParentHandler(*c, call, target); });
    router.Add(V::get, base + "/{}",
               [c, target](Call& call) { return GetParentHandler(*c, call, target); });
  }
}

}  // namespace meridian::api::attio
