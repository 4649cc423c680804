// Handlers of /v2/objects and /v2/lists (the parents of attributes).
#include <boost/asio/use_awaitable.hpp>

#include "api/attio/errors.h"
#include "api/attio/handler_common.h"
#include "api/attio/parent_requests.h"

namespace meridian::api::attio {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

asio::awaitable<Reply> ListParentsHandler(Resolved& r, Target target) {
  auto parents = ListParents(*r.txn, r.org_id, target);
  if (!parents.ok()) co_return parents.status();
  json::array data;
  for (const auto& p : *parents) {
    auto rendered = RenderParent(*r.txn, r.org_id, p);
    if (!rendered.ok()) co_return rendered.status();
    data.emplace_back(std::move(*rendered));
  }
  co_return DataResponse(data);
}

asio::awaitable<Reply> GetParentHandler(const Call& call, Resolved& r, Target target) {
  auto parent = FindParent(*r.txn, r.org_id, target, call.params[0]);
  if (!parent.ok()) co_return parent.status();
  if (!parent->has_value()) {
    co_return NotFoundError(std::string(target == Target::kLists ? "list" : "object") + " \"" +
                            call.params[0] + "\" not found");
  }
  auto rendered = RenderParent(*r.txn, r.org_id, **parent);
  if (!rendered.ok()) co_return rendered.status();
  co_return DataResponse(*rendered);
}

asio::awaitable<Reply> CreateParentHandler(const ApiContext& ctx, const Call& call, Resolved& r,
                                           Target target) {
  auto outcome = std::make_shared<CreateOutcome>();
  storage::WriteBatch batch;
  {
    auto body = ParseBody(call);
    if (!body.ok()) co_return body.status();
    if (target == Target::kObjects) {
      auto spec = ParseObjectBody(*body);
      if (!spec.ok()) co_return spec.status();
      batch = CreateObjectBatch(r.org_id, std::move(*spec), NewUuid(), NowRfc3339(), outcome);
    } else {
      auto spec = ParseListBody(*body);
      if (!spec.ok()) co_return spec.status();
      // Who created the list, as Attio's created_by_actor: the API key, or the operator.
      json::value actor = r.who.operator_admin
                              ? json::object{{"type", "system"}, {"id", nullptr}}
                              : json::object{{"type", "api-token"}, {"id", r.who.key_id}};
      batch = CreateListBatch(r.org_id, std::move(*spec), NewUuid(), NowRfc3339(), std::move(actor),
                              outcome);
    }
  }
  co_return co_await CommitOutcome(ctx, r, std::move(batch), outcome);
}

}  // namespace

std::vector<Route> ObjectAndListRoutes() {
  using V = http::verb;
  constexpr OrgFrom kOrg = OrgFrom::kHeaderOrKey;
  std::vector<Route> routes;
  for (Target target : {Target::kObjects, Target::kLists}) {
    const std::string base = "/v2/" + std::string(TargetName(target));
    auto list = [target](const ApiContext&, Call&, Resolved& r) {
      return ListParentsHandler(r, target);
    };
    auto create = [target](const ApiContext& ctx, Call& call, Resolved& r) {
      return CreateParentHandler(ctx, call, r, target);
    };
    auto get = [target](const ApiContext&, Call& call, Resolved& r) {
      return GetParentHandler(call, r, target);
    };
    routes.push_back({V::get, base, kScopeRead, kOrg, false, list});
    routes.push_back({V::post, base, kScopeSchema, kOrg, true, create});
    routes.push_back({V::get, base + "/{}", kScopeRead, kOrg, false, get});
  }
  return routes;
}

}  // namespace meridian::api::attio
