// The transport-neutral ZITADEL RPC layer (api/zitadel/grpc/rpc.h) in process, against a real
// store: reads answer the stored entries as messages, and every refusal the JSON dialect makes
// (authentication, organization, scope, key and value rules, search limits, empty bulk lists,
// consistency headers) comes back as the same gRPC code and ZITADEL message, before any
// write is queued. Successful writes run the shared write path and are covered end to end by
// tests/integration/zitadel_grpc_test.cc.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <future>

#include "api/auth.h"
#include "api/metrics.h"
#include "api/rate_limit.h"
#include "api/zitadel/errors.h"
#include "api/zitadel/grpc/rpc.h"
#include "api/zitadel/metadata_store.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace meridian::api::zitadel::rpc {
namespace {
namespace asio = boost::asio;

constexpr const char* kOrg = "org-1";
constexpr const char* kOtherOrg = "org-2";
constexpr const char* kAdmin = "admin-secret";
constexpr const char* kWriter = "key-read-write";
constexpr const char* kReader = "key-read-only";

class ZitadelRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meridian-zitadel-rpc-XXXXXX";
    dir_ = mkdtemp(tmpl);
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = 64 << 20;
    auto store = storage::Store::Open(std::move(options));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auth_ = std::make_unique<Authenticator>(store_.get(), std::string(kAdmin));
    ctx_ = ApiContext{store_.get(), nullptr,    nullptr, auth_.get(),
                      &metrics_,    &draining_, "n1",    "local"};
    storage::WriteBatch seed;
    for (const char* org : {kOrg, kOtherOrg}) {
      seed.Put(storage::DataKey(storage::kSystemTenant, kOrgsNs, org),
               std::string("{\"id\":\"") + org + "\"}");
    }
    seed.Put(storage::DataKey(storage::kSystemTenant, kKeysNs, Sha256Hex(kWriter)),
             "{\"organization_id\":\"org-1\",\"scopes\":[\"read\",\"write\"]}");
    seed.Put(storage::DataKey(storage::kSystemTenant, kKeysNs, Sha256Hex(kReader)),
             "{\"organization_id\":\"org-1\",\"scopes\":[\"read\"]}");
    ASSERT_TRUE(Commit(std::move(seed)).ok());
    auto outcome = std::make_shared<WriteOutcome>();
    ASSERT_TRUE(Commit(SetBatch(kOrg,
                                {{"billing.tier", EncodeBase64("gold")},
                                 {"billing.seats", EncodeBase64("250")},
                                 {"plan", EncodeBase64(std::string("\0\xff", 2))}},
                                true, outcome, [] { return int64_t{1700000000123}; }))
                    .ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Status Commit(storage::WriteBatch batch) {
    std::promise<Status> done;
    store_->Submit(std::move(batch), [&](Result<storage::CommitInfo> r) {
      done.set_value(r.ok() ? Status::Ok() : r.status());
    });
    return done.get_future().get();
  }
  // Runs one call to completion on a private io_context.
  template <typename Fn>
  RpcStatus Call(Fn fn) {
    asio::io_context ioc;
    auto future = asio::co_spawn(ioc, fn(), asio::use_future);
    ioc.run();
    return future.get();
  }
  static Metadata As(const char* key, Metadata extra = {}) {
    extra.emplace_back("authorization", std::string("Bearer ") + key);
    return extra;
  }
  RpcStatus Get(const Metadata& md, const std::string& key, mgmt::GetOrgMetadataResponse& res) {
    mgmt::GetOrgMetadataRequest req;
    req.set_key(key);
    return Call([&] { return GetOrgMetadata(ctx_, md, req, res); });
  }
  RpcStatus List(const Metadata& md, const mgmt::ListOrgMetadataRequest& req,
                 mgmt::ListOrgMetadataResponse& res) {
    return Call([&] { return ListOrgMetadata(ctx_, md, req, res); });
  }
  RpcStatus Set(const Metadata& md, const std::string& key, const std::string& value) {
    mgmt::SetOrgMetadataRequest req;
    req.set_key(key);
    req.set_value(value);
    mgmt::SetOrgMetadataResponse res;
    return Call([&] { return SetOrgMetadata(ctx_, md, req, res); });
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Authenticator> auth_;
  Metrics metrics_;
  std::atomic<bool> draining_{false};
  ApiContext ctx_{};
};

TEST_F(ZitadelRpcTest, GetAnswersTheStoredBytesAndDetails) {
  mgmt::GetOrgMetadataResponse res;
  auto status = Get(As(kReader), "plan", res);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(res.metadata().key(), "plan");
  EXPECT_EQ(res.metadata().value(), std::string("\0\xff", 2));
  EXPECT_EQ(res.metadata().details().sequence(), 3u);
  EXPECT_EQ(res.metadata().details().resource_owner(), kOrg);
  EXPECT_EQ(res.metadata().details().change_date().seconds(), 1700000000);
  EXPECT_EQ(res.metadata().details().change_date().nanos(), 123000000);
  EXPECT_EQ(res.metadata().details().creation_date().seconds(), 1700000000);
  EXPECT_TRUE(status.commit_token.empty());
}

// The RPC layer runs the request pipeline's prologue, so the `zitadel` rate-limit group
// applies to gRPC and gRPC-web as to the JSON routes, after authentication.
TEST_F(ZitadelRpcTest, TheZitadelRateLimitGroupApplies) {
  RateLimitConfig limits;
  limits[RateLimitGroup::kZitadel] = {2, 0};
  int64_t now_ns = 0;
  RateLimiter limiter(limits, [&now_ns] { return now_ns; });
  ctx_.rate_limiter = &limiter;
  mgmt::GetOrgMetadataResponse res;
  ASSERT_TRUE(Get(As(kReader), "plan", res).ok());
  auto second = Get(As(kReader), "plan", res);
  ASSERT_TRUE(second.ok()) << second.message;
  auto refused = Get(As(kReader), "plan", res);
  EXPECT_EQ(refused.code, kGrpcResourceExhausted);
  EXPECT_NE(refused.message.find("retry after 1 s. (MERIDIAN-429)"), std::string::npos)
      << refused.message;
  // A stranger is refused as unauthenticated, not counted.
  EXPECT_EQ(Get(As("unknown-key"), "plan", res).code, kGrpcUnauthenticated);
  now_ns += 1'000'000'000;
  EXPECT_TRUE(Get(As(kReader), "plan", res).ok());
  ctx_.rate_limiter = nullptr;
}

TEST_F(ZitadelRpcTest, GetOfAMissingKeyIsNotFound) {
  mgmt::GetOrgMetadataResponse res;
  auto status = Get(As(kReader), "nope", res);
  EXPECT_EQ(status.code, kGrpcNotFound);
  EXPECT_EQ(status.message, "Metadata not found (QUERY-Rph32)");
}

TEST_F(ZitadelRpcTest, AuthenticationAndOrganization) {
  mgmt::GetOrgMetadataResponse res;
  auto none = Get({}, "plan", res);
  EXPECT_EQ(none.code, kGrpcUnauthenticated);
  EXPECT_NE(none.message.find("(AUTH-7fs1e)"), std::string::npos);
  EXPECT_EQ(Get(As("unknown-key"), "plan", res).code, kGrpcUnauthenticated);
  EXPECT_EQ(Get(As(kReader, {{"x-zitadel-orgid", kOtherOrg}}), "plan", res).code,
            kGrpcPermissionDenied);
  EXPECT_EQ(Get(As(kAdmin), "plan", res).code, kGrpcInvalidArgument);
  EXPECT_EQ(Get(As(kAdmin, {{"x-zitadel-orgid", "org-none"}}), "plan", res).code, kGrpcNotFound);
  ASSERT_TRUE(Get(As(kAdmin, {{"x-zitadel-orgid", kOrg}}), "plan", res).ok());
  // The read-only key may not write.
  EXPECT_EQ(Set(As(kReader), "plan", "x").code, kGrpcPermissionDenied);
}

TEST_F(ZitadelRpcTest, ListFiltersOrdersAndLimits) {
  mgmt::ListOrgMetadataRequest req;
  req.mutable_query()->set_asc(true);
  auto* filter = req.add_queries()->mutable_key_query();
  filter->set_key("BILLING.");
  filter->set_method(::zitadel::v1::TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE);
  mgmt::ListOrgMetadataResponse res;
  auto status = List(As(kReader), req, res);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(res.details().total_result(), 2u);
  EXPECT_EQ(res.details().processed_sequence(), 3u);
  ASSERT_EQ(res.result_size(), 2);
  EXPECT_EQ(res.result(0).key(), "billing.seats");
  EXPECT_EQ(res.result(0).value(), "250");
  EXPECT_EQ(res.result(1).key(), "billing.tier");

  req.mutable_query()->set_limit(1001);
  EXPECT_EQ(List(As(kReader), req, res).code, kGrpcInvalidArgument);
  mgmt::ListOrgMetadataRequest no_key_query;
  no_key_query.add_queries();
  EXPECT_EQ(List(As(kReader), no_key_query, res).code, kGrpcInvalidArgument);
}

TEST_F(ZitadelRpcTest, InvalidWritesAreRefusedBeforeTheWritePath) {
  // ctx_ has no consistency gate: any write that reached CommitAndWait would not be refused.
  EXPECT_EQ(Set(As(kWriter), "", "x").code, kGrpcInvalidArgument);
  EXPECT_EQ(Set(As(kWriter), std::string(201, 'k'), "x").code, kGrpcInvalidArgument);
  EXPECT_EQ(Set(As(kWriter), "plan", "").code, kGrpcInvalidArgument);
  EXPECT_EQ(Set(As(kWriter), "plan", std::string(375001, 'v')).code, kGrpcInvalidArgument);
  EXPECT_EQ(Set(As(kWriter, {{"slashid-required-consistency", "everywhere"}}), "plan", "x").code,
            kGrpcInvalidArgument);
  EXPECT_EQ(Set(As(kWriter, {{"meridian-min-commit-token", "garbage"}}), "plan", "x").code,
            kGrpcInvalidArgument);

  const Metadata writer = As(kWriter);  // named: the calls' coroutines hold it by reference
  mgmt::BulkSetOrgMetadataRequest empty_set;
  mgmt::BulkSetOrgMetadataResponse set_res;
  auto status = Call([&] { return BulkSetOrgMetadata(ctx_, writer, empty_set, set_res); });
  EXPECT_EQ(status.code, kGrpcFailedPrecondition);
  EXPECT_EQ(status.message, "No metadata to set (META-9mm2d)");

  mgmt::BulkRemoveOrgMetadataRequest remove;
  mgmt::BulkRemoveOrgMetadataResponse remove_res;
  status = Call([&] { return BulkRemoveOrgMetadata(ctx_, writer, remove, remove_res); });
  EXPECT_EQ(status.code, kGrpcFailedPrecondition);
  remove.add_keys("");
  status = Call([&] { return BulkRemoveOrgMetadata(ctx_, writer, remove, remove_res); });
  EXPECT_EQ(status.code, kGrpcInvalidArgument);
  EXPECT_EQ(status.message, "Keys must not be empty (COMMAND-m19ds)");
}

TEST_F(ZitadelRpcTest, InvokeDispatchesSerializedMessages) {
  mgmt::GetOrgMetadataRequest req;
  req.set_key("billing.tier");
  const Metadata reader = As(kReader);  // named: the coroutines hold it by reference
  std::string out;
  const std::string serialized = req.SerializeAsString();
  auto status = Call([&] { return Invoke(ctx_, "GetOrgMetadata", reader, serialized, out); });
  ASSERT_TRUE(status.ok()) << status.message;
  mgmt::GetOrgMetadataResponse res;
  ASSERT_TRUE(res.ParseFromString(out));
  EXPECT_EQ(res.metadata().value(), "gold");

  EXPECT_EQ(Call([&] { return Invoke(ctx_, "GetOrgByID", reader, "", out); }).code,
            kGrpcUnimplemented);
  EXPECT_EQ(Call([&] { return Invoke(ctx_, "GetOrgMetadata", reader, "\xff\xff", out); }).code,
            kGrpcInvalidArgument);
}

TEST(ZitadelRpcStatusTest, MapsStatusesToGrpcCodesWithZitadelMessages) {
  EXPECT_EQ(StatusOf(Status::Ok()).code, 0);
  EXPECT_EQ(StatusOf(WithCode(Status::NotFound("Metadata not found"), kIdNotFound)).message,
            "Metadata not found (QUERY-Rph32)");
  auto late = StatusOf(Status::Timeout("not in time"));
  EXPECT_EQ(late.code, kGrpcDeadlineExceeded);
  EXPECT_EQ(late.message, "not in time (MERIDIAN-408)");
  EXPECT_EQ(StatusOf(Status::Unavailable("draining")).code, kGrpcUnavailable);
  EXPECT_EQ(StatusOf(Status::ResourceExhausted("full")).code, kGrpcResourceExhausted);
  EXPECT_EQ(StatusOf(Status::Unauthenticated("who")).code, kGrpcUnauthenticated);
  EXPECT_EQ(StatusOf(Status::PermissionDenied("no")).code, kGrpcPermissionDenied);
  EXPECT_EQ(StatusOf(Status::InvalidArgument("bad")).code, kGrpcInvalidArgument);
}

}  // namespace
}  // namespace meridian::api::zitadel::rpc
