// An in-process node for handler tests: a real store in a temporary folder, the consistency
// gate, the authenticator and every dialect's routes on a Router, without sockets, processes or
// replication. Send builds a request, runs it through Router::Dispatch (the pipeline and the
// handler) on a private io_context and returns the response, as Beast's handle_request examples
// test a handler. The gate knows a second region that never acknowledges anything, so
// `all_regions` writes answer 408 after their timeout, as with a region cut off.
// Not thread-safe: one test thread drives it.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/dialects.h"
#include "api/rate_limit.h"
#include "api/router.h"
#include "replication/consistency_gate.h"
#include "storage/store.h"

namespace meridian::api::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

class InProcessNode {
 public:
  static constexpr const char* kAdminKey = "in-process-admin-key";

  explicit InProcessNode(RateLimitConfig limits = {}) {
    static std::atomic<int> counter{0};
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ("in_process_node_" + std::to_string(::getpid()) + "_" + std::to_string(++counter)))
               .string();
    std::filesystem::remove_all(dir_);
    gate_ = std::make_unique<replication::ConsistencyGate>(
        replication::Quorum({{"n1", "r1"}, {"n2", "r2"}}, "n1"));
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = uint64_t{256} << 20;
    replication::ConsistencyGate* gate = gate_.get();
    options.writer.on_durable = [gate](uint64_t seq) { gate->Durable("n1", seq); };
    auto store = storage::Store::Open(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    gate_->Durable("n1", store_->writer().committed_seq());
    auth_ = std::make_unique<Authenticator>(store_.get(), std::string(kAdminKey));
    limiter_ = std::make_unique<RateLimiter>(limits);
    ctx_ = ApiContext{store_.get(), gate_.get(), nullptr, auth_.get(),   &metrics_,
                      &draining_,   "n1",        "r1",    limiter_.get()};
    ctx_.writes_paused = &writes_paused_;
    RegisterAllRoutes(router_, ctx_);
  }

  ~InProcessNode() {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Runs one request through the router and returns its response.
  Response Send(http::verb method, const std::string& target, const Headers& headers = {},
                std::string body = {}) {
    Request req{method, target, 11};
    req.set(http::field::host, "localhost");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    ioc_.restart();
    auto answer =
        boost::asio::co_spawn(ioc_, router_.Dispatch(std::move(req)), boost::asio::use_future);
    ioc_.run();
    return answer.get();
  }

  // A new organization's id (through the operator API).
  std::string CreateOrg(const std::string& name = "org") {
    Response res =
        Send(http::verb::post, "/admin/v1/organizations", Admin(), "{\"name\":\"" + name + "\"}");
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    return std::string(boost::json::parse(res.body()).at("id").as_string());
  }

  // A new API key of `org` with `scopes` ("read", "write", "schema", "admin").
  std::string CreateKey(const std::string& org, const std::vector<std::string>& scopes) {
    boost::json::array names;
    for (const auto& s : scopes) names.emplace_back(s);
    Response res =
        Send(http::verb::post, "/admin/v1/organizations/" + org + "/api-keys", Admin(),
             boost::json::serialize(boost::json::object{{"name", "k"}, {"scopes", names}}));
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    return std::string(boost::json::parse(res.body()).at("key").as_string());
  }

  // Creates a SlashID attribute bucket of `org`.
  void CreateBucket(const std::string& org, const std::string& bucket) {
    Response res = Send(http::verb::post, "/admin/v1/organizations/" + org + "/attribute-buckets",
                        Admin(), "{\"name\":\"" + bucket + "\"}");
    EXPECT_EQ(res.result(), http::status::created) << res.body();
  }

  static Headers Admin() { return {{"Authorization", std::string("Bearer ") + kAdminKey}}; }
  static Headers Bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

  storage::Store& store() { return *store_; }

 private:
  std::string dir_;
  std::unique_ptr<replication::ConsistencyGate> gate_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<RateLimiter> limiter_;
  Metrics metrics_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> writes_paused_{false};
  ApiContext ctx_{};
  Router router_;
  boost::asio::io_context ioc_;
};

// `base` with `more` appended.
inline Headers With(Headers base, const Headers& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

}  // namespace meridian::api::testing
