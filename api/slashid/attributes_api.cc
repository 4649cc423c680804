// SlashID attribute-bucket handlers (see attributes_api.h).
#include "api/slashid/attributes_api.h"

#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "api/json_util.h"
#include "api/slashid/buckets.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::slashid {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

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
    if (n.empty())
      return Status::InvalidArgument("empty name in the " + std::string(param) + " list");
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

// The bucket named in the path: NotFound unless it exists.
Status RequireBucket(const storage::Txn& txn, const std::string& org_id,
                     const std::string& bucket) {
  auto exists = BucketExists(txn, org_id, bucket);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::NotFound("unknown attribute bucket " + bucket);
  return Status::Ok();
}

Response NoContent() { return Response{http::status::no_content, 11}; }

asio::awaitable<Reply> WriteOneBucket(const ApiContext& ctx, Call& call, Resolved& r,
                                      bool replace) {
  const std::string& bucket = call.params[0];
  if (Status st = RequireBucket(*r.txn, r.org_id, bucket); !st.ok()) co_return st;
  auto body = BodyMembers(call, "request body must be a JSON object");
  if (!body.ok()) co_return body.status();
  storage::WriteBatch batch;
  Status st = AddBucketWrite(batch, r.org_id, bucket, std::move(*body), replace);
  if (!st.ok()) co_return st;
  co_return co_await Commit(ctx, r, std::move(batch), NoContent());
}

asio::awaitable<Reply> WriteManyBuckets(const ApiContext& ctx, Call& call, Resolved& r,
                                        bool replace) {
  auto body = BodyMembers(call, "request body must be a JSON object of buckets");
  if (!body.ok()) co_return body.status();
  storage::WriteBatch batch;
  for (auto& [bucket, attrs_text] : *body) {
    auto attrs = ObjectMembers(attrs_text);
    if (!attrs)
      co_return Status::InvalidArgument("bucket " + bucket + " must map to a JSON object");
    if (Status st = RequireBucket(*r.txn, r.org_id, bucket); !st.ok()) co_return st;
    Status st = AddBucketWrite(batch, r.org_id, bucket, std::move(*attrs), replace);
    if (!st.ok()) co_return st;
  }
  co_return co_await Commit(ctx, r, std::move(batch), NoContent());
}

asio::awaitable<Reply> DeleteFromBucket(const ApiContext& ctx, Call& call, Resolved& r) {
  const std::string& bucket = call.params[0];
  if (Status st = RequireBucket(*r.txn, r.org_id, bucket); !st.ok()) co_return st;
  auto names = NameList(call, "attributes");
  if (!names.ok()) co_return names.status();
  const std::string ns = AttributeNamespace(bucket);
  storage::WriteBatch batch;
  if (!names->has_value()) {
    batch.DeletePrefix(storage::NamespacePrefix(r.org_id, ns));
  } else {
    for (const auto& name : **names) {
      if (Status st = CheckName(name); !st.ok()) co_return st;
      batch.Delete(storage::DataKey(r.org_id, ns, name));
    }
  }
  co_return co_await Commit(ctx, r, std::move(batch), NoContent());
}

Result<std::string> ReadOneBucket(const Call& call, const Resolved& r) {
  const std::string& bucket = call.params[0];
  MERIDIAN_RETURN_IF_ERROR(RequireBucket(*r.txn, r.org_id, bucket));
  auto names = NameList(call, "attributes");
  if (!names.ok()) return names.status();
  auto object = BucketObject(*r.txn, r.org_id, bucket, *names);
  if (!object.ok()) return object.status();
  return "{\"result\":" + *object + "}";
}

Result<std::string> ReadManyBuckets(const Call& call, const Resolved& r) {
  auto requested = NameList(call, "buckets");
  if (!requested.ok()) return requested.status();
  std::vector<std::string> buckets;
  if (requested->has_value()) {
    std::set<std::string> unique((*requested)->begin(), (*requested)->end());
    for (const auto& b : unique) {
      MERIDIAN_RETURN_IF_ERROR(RequireBucket(*r.txn, r.org_id, b));
      buckets.push_back(b);
    }
  } else {
    auto all = ListBuckets(*r.txn, r.org_id);
    if (!all.ok()) return all.status();
    buckets = std::move(*all);
  }
  std::string body = "{\"result\":{";
  for (size_t i = 0; i < buckets.size(); ++i) {
    auto object = BucketObject(*r.txn, r.org_id, buckets[i], std::nullopt);
    if (!object.ok()) return object.status();
    if (i) body.push_back(',');
    body += JsonQuote(buckets[i]) + ":" + *object;
  }
  return body + "}}";
}

asio::awaitable<Reply> ReadBuckets(const ApiContext&, Call& call, Resolved& r, bool single) {
  auto body = single ? ReadOneBucket(call, r) : ReadManyBuckets(call, r);
  if (!body.ok()) co_return body.status();
  co_return MakeResponse(http::status::ok, std::move(*body));
}

asio::awaitable<Reply> ListBucketsHandler(const ApiContext&, Call&, Resolved& r) {
  auto buckets = ListBuckets(*r.txn, r.org_id);
  if (!buckets.ok()) co_return buckets.status();
  std::string body = "{\"result\":[";
  for (size_t i = 0; i < buckets->size(); ++i) {
    if (i) body.push_back(',');
    body += BucketJson(r.org_id, (*buckets)[i]);
  }
  body += "]}";
  co_return MakeResponse(http::status::ok, std::move(body));
}

Response Encode(const ApiError& e) { return ErrorResponse(e.status, e.message, e.request_id); }

Dialect MakeDialect() {
  using V = http::verb;
  constexpr uint8_t kRead = kScopeRead, kWrite = kScopeWrite;
  constexpr OrgFrom kOrg = OrgFrom::kHeader;
  const std::string one = "/organizations/attributes/{}", all = "/organizations/attributes";
  auto bucket_write = [](bool replace) -> RouteHandler {
    return [replace](const ApiContext& ctx, Call& call, Resolved& r) {
      return WriteOneBucket(ctx, call, r, replace);
    };
  };
  auto many_write = [](bool replace) -> RouteHandler {
    return [replace](const ApiContext& ctx, Call& call, Resolved& r) {
      return WriteManyBuckets(ctx, call, r, replace);
    };
  };
  auto read = [](bool single) -> RouteHandler {
    return [single](const ApiContext& ctx, Call& call, Resolved& r) {
      return ReadBuckets(ctx, call, r, single);
    };
  };
  Dialect d;
  d.prefixes = {"/organizations"};
  d.encode = Encode;
  d.limit_group = RateLimitGroup::kSlashId;
  d.routes = {
      {V::patch, one, kWrite, kOrg, true, bucket_write(false)},
      {V::put, one, kWrite, kOrg, true, bucket_write(true)},
      {V::get, one, kRead, kOrg, false, read(true)},
      {V::delete_, one, kWrite, kOrg, true, DeleteFromBucket},
      {V::patch, all, kWrite, kOrg, true, many_write(false)},
      {V::put, all, kWrite, kOrg, true, many_write(true)},
      {V::get, all, kRead, kOrg, false, read(false)},
      {V::get, "/organizations/attribute-buckets", kRead, kOrg, false, ListBucketsHandler},
  };
  return d;
}

}  // namespace

Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& /*request_id*/) {
  return MakeResponse(status, "{\"meta\":{},\"errors\":[{\"httpcode\":" +
                                  std::to_string(static_cast<unsigned>(status)) +
                                  ",\"message\":" + JsonQuote(message) + "}]}");
}

const Dialect& AttributesDialect() {
  static const Dialect dialect = MakeDialect();
  return dialect;
}

}  // namespace meridian::api::slashid
