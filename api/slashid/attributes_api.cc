// SlashID attribute-bucket handlers (see attributes_api.h).
#include "api/slashid/attributes_api.h"

#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "api/json_util.h"
#include "api/rate_limit.h"
#include "api/slashid/buckets.h"
#include "api/write_path.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::slashid {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

Response Error(const Call& call, const Status& st) {
  return ErrorResponse(HttpStatusOf(st), PublicMessage(st), call.request_id);
}

// Who is asking, and for which organization (SlashID-OrgID, checked against the key).
Result<std::string> AuthorizeOrg(const ApiContext& ctx, const Call& call, const storage::Txn& txn,
                                 uint8_t scope) {
  auto who = ctx.auth->Authenticate(call.req, txn);
  if (!who.ok()) return who.status();
  auto header = call.req.find("SlashID-OrgID");
  if (header == call.req.end() || header->value().empty()) {
    return Status::InvalidArgument("the SlashID-OrgID header is required");
  }
  std::string org_id(header->value());
  MERIDIAN_RETURN_IF_ERROR(ctx.auth->Authorize(*who, org_id, scope, txn));
  return org_id;
}

Status CheckName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("attribute names must not be empty");
  if (name.size() > kMaxNameBytes) {
    return Status::InvalidArgument("attribute name longer than 70 bytes: " +
                                   std::string(name.substr(0, 80)));
  }
  return Status::Ok();
}

// Adds `attrs` (validated) to `batch` under `bucket`; `replace` first clears the bucket. Each
// value is stored as the client sent it (compact JSON text), so it reads back byte-for-byte.
Status AddBucketWrite(storage::WriteBatch& batch, const std::string& org_id,
                      std::string_view bucket, std::vector<RawMember> attrs, bool replace) {
  const std::string ns = AttributeNamespace(bucket);
  if (replace) batch.DeletePrefix(storage::NamespacePrefix(org_id, ns));
  for (auto& [name, value] : attrs) {
    MERIDIAN_RETURN_IF_ERROR(CheckName(name));
    if (value.size() > kMaxValueBytes) {
      return Status::InvalidArgument("value of attribute " + name + " is larger than 64 KiB");
    }
    batch.Put(storage::DataKey(org_id, ns, name), std::move(value));
  }
  return Status::Ok();
}

// The request body as the members of a JSON object; InvalidArgument with `not_object` when it
// is valid JSON of another kind.
Result<std::vector<RawMember>> BodyMembers(const Call& call, std::string_view not_object) {
  auto compact = CompactJson(call.req.body());
  if (!compact.ok()) return compact.status();
  auto members = ObjectMembers(*compact);
  if (!members) return Status::InvalidArgument(not_object);
  return std::move(*members);
}

// A comma list from the query (`attributes=` / `buckets=`); nullopt if absent.
Result<std::optional<std::vector<std::string>>> NameList(const Call& call, std::string_view param) {
  auto raw = QueryParam(call.query, param);
  if (!raw) return std::optional<std::vector<std::string>>();
  auto names = SplitCommaList(*raw);
  for (const auto& n : names) {
    if (n.empty()) return Status::InvalidArgument("empty name in the " + std::string(param) + " list");
  }
  if (names.empty()) return Status::InvalidArgument("empty " + std::string(param) + " list");
  return std::optional<std::vector<std::string>>(std::move(names));
}

// `{"a": <json>, ...}` of one bucket: all live attributes, or just `names`.
Result<std::string> BucketObject(const storage::Txn& txn, const std::string& org_id,
                                 std::string_view bucket,
                                 const std::optional<std::vector<std::string>>& names) {
  const std::string prefix = storage::NamespacePrefix(org_id, AttributeNamespace(bucket));
  std::string out = "{";
  auto append = [&](std::string_view name, const std::string& value) {
    if (out.size() > 1) out.push_back(',');
    out.append(JsonQuote(name)).push_back(':');
    out.append(value);
  };
  if (names) {
    std::set<std::string> seen;
    for (const auto& name : *names) {
      if (!seen.insert(name).second) continue;
      auto record = storage::GetLiveRecord(txn, prefix + name);
      if (!record.ok()) return record.status();
      if (record->has_value()) append(name, (*record)->value());
    }
  } else {
    MERIDIAN_RETURN_IF_ERROR(storage::ScanLive(txn, prefix, [&](auto name, const auto& record) {
      append(name, record.value());
      return true;
    }));
  }
  out.push_back('}');
  return out;
}

// Runs a validated write and answers 204 or the error (a 408 with the commit token too).
asio::awaitable<Response> Commit(const ApiContext& ctx, const Call& call,
                                 storage::WriteBatch batch, WriteConsistency consistency) {
  auto committed = co_await CommitAndWait(ctx, std::move(batch), consistency);
  if (!committed.ok()) co_return WithCommitToken(Error(call, committed.status), committed);
  co_return WithCommitToken(Response{http::status::no_content, 11}, committed);
}

// Refuses a stranger at once, then waits for a Meridian-Min-Commit-Token (write_path.h).
asio::awaitable<Status> AuthorizeThenAwaitToken(const ApiContext& ctx, const Call& call,
                                                uint8_t scope) {
  // The hot path (no token) allocates nothing.
  if (call.req.find(kMinCommitTokenHeader) == call.req.end()) co_return Status::Ok();
  const AuthorizeFn authorize = [&](const storage::Txn& txn) {
    return AuthorizeOrg(ctx, call, txn, scope).status();
  };
  co_return co_await api::AuthorizeThenAwaitToken(ctx, call.req, authorize);
}

// Common first steps of every write: consistency headers, auth, org. On success `org_id`.
Result<std::pair<std::string, WriteConsistency>> WritePrelude(const ApiContext& ctx,
                                                              const Call& call,
                                                              const storage::Txn& txn) {
  auto org_id = AuthorizeOrg(ctx, call, txn, kScopeWrite);
  if (!org_id.ok()) return org_id.status();
  auto consistency = ParseWriteConsistency(call.req);
  if (!consistency.ok()) return consistency.status();
  return std::pair{std::move(*org_id), *consistency};
}

// WritePrelude for a write to the one bucket named in the path, which must exist.
Result<std::pair<std::string, WriteConsistency>> BucketWritePrelude(const ApiContext& ctx,
                                                                    const Call& call,
                                                                    const storage::Txn& txn) {
  auto prelude = WritePrelude(ctx, call, txn);
  if (!prelude.ok()) return prelude;
  const std::string& bucket = call.params[0];
  auto exists = BucketExists(txn, prelude->first, bucket);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::NotFound("unknown attribute bucket " + bucket);
  return prelude;
}

asio::awaitable<Response> WriteOneBucket(const ApiContext& ctx, Call& call, bool replace) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeWrite);
  if (!waited.ok()) co_return Error(call, waited);
  storage::WriteBatch batch;
  WriteConsistency consistency;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto prelude = BucketWritePrelude(ctx, call, *txn);
    if (!prelude.ok()) co_return Error(call, prelude.status());
    const auto& [org_id, level] = *prelude;
    consistency = level;
    const std::string& bucket = call.params[0];
    auto body = BodyMembers(call, "request body must be a JSON object");
    if (!body.ok()) co_return Error(call, body.status());
    Status st = AddBucketWrite(batch, org_id, bucket, std::move(*body), replace);
    if (!st.ok()) co_return Error(call, st);
  }  // the read transaction ends before waiting on the writer
  co_return co_await Commit(ctx, call, std::move(batch), consistency);
}

asio::awaitable<Response> WriteManyBuckets(const ApiContext& ctx, Call& call, bool replace) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeWrite);
  if (!waited.ok()) co_return Error(call, waited);
  storage::WriteBatch batch;
  WriteConsistency consistency;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto prelude = WritePrelude(ctx, call, *txn);
    if (!prelude.ok()) co_return Error(call, prelude.status());
    const auto& [org_id, level] = *prelude;
    consistency = level;
    auto body = BodyMembers(call, "request body must be a JSON object of buckets");
    if (!body.ok()) co_return Error(call, body.status());
    for (auto& [bucket, attrs_text] : *body) {
      auto attrs = ObjectMembers(attrs_text);
      if (!attrs) {
        co_return Error(call, Status::InvalidArgument("bucket " + bucket +
                                                      " must map to a JSON object"));
      }
      auto exists = BucketExists(*txn, org_id, bucket);
      if (!exists.ok()) co_return Error(call, exists.status());
      if (!*exists) {
        co_return Error(call, Status::NotFound("unknown attribute bucket " + std::string(bucket)));
      }
      Status st = AddBucketWrite(batch, org_id, bucket, std::move(*attrs), replace);
      if (!st.ok()) co_return Error(call, st);
    }
  }
  co_return co_await Commit(ctx, call, std::move(batch), consistency);
}

asio::awaitable<Response> DeleteFromBucket(const ApiContext& ctx, Call& call) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeWrite);
  if (!waited.ok()) co_return Error(call, waited);
  storage::WriteBatch batch;
  WriteConsistency consistency;
  {
    auto txn = ctx.store->Read();
    if (!txn.ok()) co_return Error(call, txn.status());
    auto prelude = BucketWritePrelude(ctx, call, *txn);
    if (!prelude.ok()) co_return Error(call, prelude.status());
    const auto& [org_id, level] = *prelude;
    consistency = level;
    const std::string& bucket = call.params[0];
    auto names = NameList(call, "attributes");
    if (!names.ok()) co_return Error(call, names.status());
    const std::string ns = AttributeNamespace(bucket);
    if (!names->has_value()) {
      batch.DeletePrefix(storage::NamespacePrefix(org_id, ns));
    } else {
      for (const auto& name : **names) {
        Status st = CheckName(name);
        if (!st.ok()) co_return Error(call, st);
        batch.Delete(storage::DataKey(org_id, ns, name));
      }
    }
  }
  co_return co_await Commit(ctx, call, std::move(batch), consistency);
}

// Reads start with auth and the optional Meridian-Min-Commit-Token wait, then take a snapshot.
asio::awaitable<Response> ReadBuckets(const ApiContext& ctx, Call& call, bool single) {
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto org_id = AuthorizeOrg(ctx, call, *txn, kScopeRead);
  if (!org_id.ok()) co_return Error(call, org_id.status());
  std::string body;
  if (single) {
    const std::string& bucket = call.params[0];
    auto exists = BucketExists(*txn, *org_id, bucket);
    if (!exists.ok()) co_return Error(call, exists.status());
    if (!*exists) co_return Error(call, Status::NotFound("unknown attribute bucket " + bucket));
    auto names = NameList(call, "attributes");
    if (!names.ok()) co_return Error(call, names.status());
    auto object = BucketObject(*txn, *org_id, bucket, *names);
    if (!object.ok()) co_return Error(call, object.status());
    body = "{\"result\":" + *object + "}";
  } else {
    auto requested = NameList(call, "buckets");
    if (!requested.ok()) co_return Error(call, requested.status());
    std::vector<std::string> buckets;
    if (requested->has_value()) {
      std::set<std::string> unique((*requested)->begin(), (*requested)->end());
      for (const auto& b : unique) {
        auto exists = BucketExists(*txn, *org_id, b);
        if (!exists.ok()) co_return Error(call, exists.status());
        if (!*exists) co_return Error(call, Status::NotFound("unknown attribute bucket " + b));
        buckets.push_back(b);
      }
    } else {
      auto all = ListBuckets(*txn, *org_id);
      if (!all.ok()) co_return Error(call, all.status());
      buckets = std::move(*all);
    }
    body = "{\"result\":{";
    for (size_t i = 0; i < buckets.size(); ++i) {
      auto object = BucketObject(*txn, *org_id, buckets[i], std::nullopt);
      if (!object.ok()) co_return Error(call, object.status());
      if (i) body.push_back(',');
      body += JsonQuote(buckets[i]) + ":" + *object;
    }
    body += "}}";
  }
  co_return MakeResponse(http::status::ok, std::move(body));
}

asio::awaitable<Response> ListBucketsHandler(const ApiContext& ctx, Call& call) {
  // A bucket created through another node is listed once its commit token is applied here.
  Status waited = co_await AuthorizeThenAwaitToken(ctx, call, kScopeRead);
  if (!waited.ok()) co_return Error(call, waited);
  auto txn = ctx.store->Read();
  if (!txn.ok()) co_return Error(call, txn.status());
  auto org_id = AuthorizeOrg(ctx, call, *txn, kScopeRead);
  if (!org_id.ok()) co_return Error(call, org_id.status());
  auto buckets = ListBuckets(*txn, *org_id);
  if (!buckets.ok()) co_return Error(call, buckets.status());
  std::string body = "{\"result\":[";
  for (size_t i = 0; i < buckets->size(); ++i) {
    if (i) body.push_back(',');
    body += BucketJson(*org_id, (*buckets)[i]);
  }
  body += "]}";
  co_return MakeResponse(http::status::ok, std::move(body));
}

}  // namespace

Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& /*request_id*/) {
  return MakeResponse(status, "{\"meta\":{},\"errors\":[{\"httpcode\":" +
                                  std::to_string(static_cast<unsigned>(status)) +
                                  ",\"message\":" + JsonQuote(message) + "}]}");
}

void RegisterAttributeRoutes(Router& router_in, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  using V = http::verb;
  router_in.SetErrorFormat("/organizations", ErrorResponse);
  // Every route counts against the "slashid" rate-limit group (off unless configured).
  RateLimitedRoutes router(router_in, ctx, RateLimitGroup::kSlashId, ErrorResponse);
  router.Add(V::patch, "/organizations/attributes/{}",
             [c](Call& call) { return WriteOneBucket(*c, call, false); });
  router.Add(V::put, "/organizations/attributes/{}",
             [c](Call& call) { return WriteOneBucket(*c, call, true); });
  router.Add(V::get, "/organizations/attributes/{}",
             [c](Call& call) { return ReadBuckets(*c, call, true); });
  router.Add(V::delete_, "/organizations/attributes/{}",
             [c](Call& call) { return DeleteFromBucket(*c, call); });
  router.Add(V::patch, "/organizations/attributes",
             [c](Call& call) { return WriteManyBuckets(*c, call, false); });
  router.Add(V::put, "/organizations/attributes",
             [c](Call& call) { return WriteManyBuckets(*c, call, true); });
  router.Add(V::get, "/organizations/attributes",
             [c](Call& call) { return ReadBuckets(*c, call, false); });
  router.Add(V::get, "/organizations/attribute-buckets",
             [c](Call& call) { return ListBucketsHandler(*c, call); });
}

}  // namespace meridian::api::slashid
