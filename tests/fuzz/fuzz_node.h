// What the fuzz targets that dispatch requests share: a node's API over an in-process store in
// a temporary folder (every dialect registered, as node/node.cc wires it, without sockets), one
// organization and a key with every scope, and the checks every answer must pass. Header-only;
// the fuzzer's single thread only.
#pragma once

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "api/api_context.h"
#include "api/dialects.h"
#include "api/http_server.h"
#include "api/router.h"
#include "replication/consistency_gate.h"
#include "replication/net/replication_service.h"
#include "storage/store.h"

namespace meridian::fuzz {

using namespace meridian::api;
namespace asio = boost::asio;

inline constexpr std::string_view kAdminToken = "fuzz-admin-token";
inline constexpr auto kRequestDeadline = std::chrono::seconds(5);

[[noreturn]] inline void Finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

inline void CheckResponse(const Response& res) {
  const int status = res.result_int();
  if (status < 100 || status > 599) Finding("status " + std::to_string(status));
  for (const auto& field : res) {
    const std::string_view value = field.value();
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
      Finding("CR, LF or NUL in header " + std::string(field.name_string()));
    }
    if (field.name_string().empty()) Finding("empty header name");
  }
  std::ostringstream out;
  out << res;  // Beast's serializer must accept it
}

// A node's API over an in-process store: what node/node.cc wires, without sockets.
class Node {
 public:
  Node() {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = std::string(base) + "/meridian_http_fuzz_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) Finding("mkdtemp failed");
    dir_ = tmpl;
    gate_ = std::make_unique<replication::ConsistencyGate>(
        replication::Quorum({{"n1", "local"}}, "n1"));
    storage::StoreOptions options;
    options.dir = dir_;
    options.node_id = "n1";
    options.map_size_bytes = uint64_t{1} << 30;
    replication::ConsistencyGate* gate = gate_.get();
    options.writer.on_durable = [gate](uint64_t seq) { gate->Durable("n1", seq); };
    auto store = storage::Store::Open(std::move(options));
    if (!store.ok()) Finding("store: " + store.status().ToString());
    store_ = std::move(*store);
    gate_->Durable("n1", store_->writer().committed_seq());
    replication::ReplicationOptions repl;
    repl.node_id = "n1";
    repl.region = "local";
    repl.secret = "fuzz-cluster-secret";
    replication_ =
        std::make_unique<replication::ReplicationService>(ioc_, store_.get(), gate_.get(), repl);
    auth_ = std::make_unique<Authenticator>(store_.get(), std::string(kAdminToken));
    ctx_ = ApiContext{store_.get(), gate_.get(), replication_.get(),
                      auth_.get(),  &metrics_,   &draining_,
                      "n1",         "local",     nullptr};
    RegisterAllRoutes(router_, ctx_);
    CreateTenant();
  }

  asio::io_context& ioc() { return ioc_; }
  Router& router() { return router_; }
  BodyBudget& budget() { return budget_; }
  const std::string& org() const { return org_; }
  const std::string& key() const { return key_; }

  // Runs the router on `req` to completion (bounded).
  Response Dispatch(Request req) {
    std::optional<Response> out;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(ioc_, router_.Dispatch(std::move(req)), [&](std::exception_ptr e, Response res) {
      done = true;
      error = e;
      if (!e) out = std::move(res);
    });
    const auto deadline = std::chrono::steady_clock::now() + kRequestDeadline;
    ioc_.restart();
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ioc_.run_for(std::chrono::milliseconds(50));
      ioc_.restart();
    }
    if (!done) Finding("request did not finish within the deadline");
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        Finding(std::string("handler threw: ") + e.what());
      }
    }
    return std::move(*out);
  }

 private:
  std::string PostJson(std::string target, std::string body) {
    Request req{http::verb::post, target, 11};
    req.set(http::field::authorization, "Bearer " + std::string(kAdminToken));
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    Response res = Dispatch(std::move(req));
    if (res.result_int() / 100 != 2) Finding("setup " + target + ": " + res.body());
    return res.body();
  }

  void CreateTenant() {
    org_ = boost::json::value_to<std::string>(
        boost::json::parse(PostJson("/admin/v1/organizations", R"({"name":"fuzz"})")).at("id"));
    key_ = boost::json::value_to<std::string>(
        boost::json::parse(
            PostJson("/admin/v1/organizations/" + org_ + "/api-keys",
                     R"({"name":"fuzz","scopes":["read","write","schema","admin"]})"))
            .at("key"));
  }

  std::string dir_;
  std::string org_;
  std::string key_;
  asio::io_context ioc_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<replication::ConsistencyGate> gate_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<replication::ReplicationService> replication_;
  std::unique_ptr<Authenticator> auth_;
  Metrics metrics_;
  ApiContext ctx_{};
  Router router_;
  BodyBudget budget_{ServerOptions{}.max_body_memory_bytes};
};

inline Node& TheNode() {
  // Never destroyed: the writer thread may outlive the fuzzer's last input.
  static Node* node = new Node();
  return *node;
}

}  // namespace meridian::fuzz
