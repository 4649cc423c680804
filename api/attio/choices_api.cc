// Handlers of .../attributes/{attribute}/options[/{option}] and .../statuses[/{status}]
// (docs/attio.md).
#include <boost/asio/use_awaitable.hpp>

#include "api/attio/choices.h"
#include "api/attio/errors.h"
#include "api/attio/handler_common.h"

namespace meridian::api::attio {
namespace asio = boost::asio;
namespace {

Result<ChoiceScope> ScopeOf(const Call& call, const Resolved& r) {
  auto target = TargetOf(call);
  if (!target.ok()) return target.status();
  return ChoiceScope{r.org_id, *target, call.params[1], call.params[2]};
}

template <ChoiceKind kKind>
asio::awaitable<Reply> ListHandler(const ApiContext& /*ctx*/, Call& call, Resolved& r) {
  auto scope = ScopeOf(call, r);
  if (!scope.ok()) co_return scope.status();
  auto archived = ShowArchived(call);
  if (!archived.ok()) co_return archived.status();
  auto all = ListChoices(*r.txn, *scope, kKind, *archived);
  if (!all.ok()) co_return all.status();
  co_return DataResponse(*all);
}

template <ChoiceKind kKind>
asio::awaitable<Reply> CreateHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  auto outcome = std::make_shared<ChoiceOutcome>();
  storage::WriteBatch batch;
  {
    auto scope = ScopeOf(call, r);
    if (!scope.ok()) co_return scope.status();
    auto body = ParseBody(call);
    if (!body.ok()) co_return body.status();
    auto choice = ParseChoiceCreate(*body, kKind);
    if (!choice.ok()) co_return choice.status();
    choice->id = NewUuid();
    choice->created_at = NowRfc3339();
    batch = CreateChoiceBatch(std::move(*scope), kKind, std::move(*choice), outcome);
  }
  co_return co_await CommitOutcome(ctx, r, std::move(batch), outcome);
}

template <ChoiceKind kKind>
asio::awaitable<Reply> UpdateHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  auto outcome = std::make_shared<ChoiceOutcome>();
  storage::WriteBatch batch;
  {
    auto scope = ScopeOf(call, r);
    if (!scope.ok()) co_return scope.status();
    auto body = ParseBody(call);
    if (!body.ok()) co_return body.status();
    auto patch = ParseChoicePatch(*body, kKind);
    if (!patch.ok()) co_return patch.status();
    batch = UpdateChoiceBatch(std::move(*scope), kKind, call.params[3], std::move(*patch), outcome);
  }
  co_return co_await CommitOutcome(ctx, r, std::move(batch), outcome);
}

}  // namespace

std::vector<Route> ChoiceRoutes() {
  using V = http::verb;
  constexpr OrgFrom kOrg = OrgFrom::kHeaderOrKey;
  constexpr ChoiceKind kOption = ChoiceKind::kOption, kStatus = ChoiceKind::kStatus;
  const std::string options = "/v2/{}/{}/attributes/{}/options";
  const std::string statuses = "/v2/{}/{}/attributes/{}/statuses";
  return {
      {V::get, options, kScopeRead, kOrg, false, ListHandler<kOption>},
      {V::post, options, kScopeSchema, kOrg, true, CreateHandler<kOption>},
      {V::patch, options + "/{}", kScopeSchema, kOrg, true, UpdateHandler<kOption>},
      {V::get, statuses, kScopeRead, kOrg, false, ListHandler<kStatus>},
      {V::post, statuses, kScopeSchema, kOrg, true, CreateHandler<kStatus>},
      {V::patch, statuses + "/{}", kScopeSchema, kOrg, true, UpdateHandler<kStatus>},
  };
}

}  // namespace meridian::api::attio
