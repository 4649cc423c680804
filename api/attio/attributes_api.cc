// Handlers of /v2/{target}/{identifier}/attributes[/{attribute}] (docs/attio.md).
#include <boost/asio/use_awaitable.hpp>
#include <limits>

#include "api/attio/attribute_store.h"
#include "api/attio/errors.h"
#include "api/attio/handler_common.h"

namespace meridian::api::attio {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

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

asio::awaitable<Reply> ListAttributesHandler(const ApiContext& /*ctx*/, Call& call, Resolved& r) {
  auto target = TargetOf(call);
  if (!target.ok()) co_return target.status();
  auto limit = CountParam(call, "limit", std::numeric_limits<uint32_t>::max(), 1);
  if (!limit.ok()) co_return limit.status();
  auto offset = CountParam(call, "offset", 0, 0);
  if (!offset.ok()) co_return offset.status();
  auto archived = ShowArchived(call);
  if (!archived.ok()) co_return archived.status();
  auto parent = ReadParent(*r.txn, r.org_id, *target, call.params[1]);
  if (!parent.ok()) co_return parent.status();
  auto all = ListAttributes(*r.txn, r.org_id, *parent);
  if (!all.ok()) co_return all.status();
  json::array data;
  uint64_t skipped = 0;
  for (const auto& def : *all) {
    if (def.is_archived && !*archived) continue;
    if (skipped++ < *offset) continue;
    if (data.size() >= *limit) break;
    auto rendered = RenderStored(*r.txn, r.org_id, def);
    if (!rendered.ok()) co_return rendered.status();
    data.emplace_back(std::move(*rendered));
  }
  co_return DataResponse(data);
}

asio::awaitable<Reply> GetAttributeHandler(const ApiContext& /*ctx*/, Call& call, Resolved& r) {
  auto target = TargetOf(call);
  if (!target.ok()) co_return target.status();
  auto parent = ReadParent(*r.txn, r.org_id, *target, call.params[1]);
  if (!parent.ok()) co_return parent.status();
  auto def = FindAttribute(*r.txn, r.org_id, *parent, call.params[2]);
  if (!def.ok()) co_return def.status();
  if (!def->has_value()) {
    co_return NotFoundError("attribute \"" + call.params[2] + "\" not found");
  }
  auto rendered = RenderStored(*r.txn, r.org_id, **def);
  if (!rendered.ok()) co_return rendered.status();
  co_return DataResponse(*rendered);
}

asio::awaitable<Reply> CreateAttributeHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  auto outcome = std::make_shared<AttributeOutcome>();
  storage::WriteBatch batch;
  {
    auto target = TargetOf(call);
    if (!target.ok()) co_return target.status();
    auto body = ParseBody(call);
    if (!body.ok()) co_return body.status();
    auto draft = ParseCreateBody(*body, *target);
    if (!draft.ok()) co_return draft.status();
    NewAttributeIds ids{NewUuid(), NewUuid(), NowRfc3339()};
    batch = CreateAttributeBatch(r.org_id, *target, call.params[1], std::move(*draft),
                                 std::move(ids), outcome);
  }
  co_return co_await CommitOutcome(ctx, r, std::move(batch), outcome);
}

asio::awaitable<Reply> UpdateAttributeHandler(const ApiContext& ctx, Call& call, Resolved& r) {
  auto outcome = std::make_shared<AttributeOutcome>();
  storage::WriteBatch batch;
  {
    auto target = TargetOf(call);
    if (!target.ok()) co_return target.status();
    auto body = ParseBody(call);
    if (!body.ok()) co_return body.status();
    auto patch = ParsePatchBody(*body);
    if (!patch.ok()) co_return patch.status();
    batch = UpdateAttributeBatch(r.org_id, *target, call.params[1], call.params[2],
                                 std::move(*patch), outcome);
  }
  co_return co_await CommitOutcome(ctx, r, std::move(batch), outcome);
}

}  // namespace

std::vector<Route> AttributeRoutes() {
  using V = http::verb;
  constexpr OrgFrom kOrg = OrgFrom::kHeaderOrKey;
  const std::string all = "/v2/{}/{}/attributes", one = all + "/{}";
  return {
      {V::get, all, kScopeRead, kOrg, false, ListAttributesHandler},
      {V::post, all, kScopeSchema, kOrg, true, CreateAttributeHandler},
      {V::get, one, kScopeRead, kOrg, false, GetAttributeHandler},
      {V::patch, one, kScopeSchema, kOrg, true, UpdateAttributeHandler},
  };
}

}  // namespace meridian::api::attio
