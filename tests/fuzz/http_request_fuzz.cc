// Fuzzes the HTTP request path without sockets: the bytes are one connection's input, read
// the way the server's session reads them (api/request_parser.h under the node's default
// limits, over an in-memory stream), and each request (up to four, pipelined) is dispatched
// by the Router with every dialect registered over a real Store in a temporary folder. Every
// answer, refusals included, must be well-formed: status 100-599, no CR, LF or NUL in a header
// value, serializable. A handler that throws or a request that does not finish is a finding.
//
// The store is shared by all inputs (state builds up as in a running node). One organization
// and a key with every scope exist from the start; the input's "@ORG@" and "@KEY@" are replaced
// by their values and "@ADMIN@" by the operator's token, so seeds can reach past authentication.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
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
#include "api/request_parser.h"
#include "api/router.h"
#include "replication/consistency_gate.h"
#include "replication/net/replication_service.h"
#include "storage/store.h"

namespace {

using namespace meridian;
using namespace meridian::api;
namespace asio = boost::asio;
namespace beast = boost::beast;

constexpr std::string_view kAdminToken = "fuzz-admin-token";
constexpr auto kRequestDeadline = std::chrono::seconds(5);
constexpr int kMaxRequestsPerInput = 4;

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "http_request_fuzz: %s\n", what.c_str());
  std::abort();
}

void CheckResponse(const Response& res) {
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

Node& TheNode() {
  // Never destroyed: the writer thread may outlive the fuzzer's last input.
  static Node* node = new Node();
  return *node;
}

std::string Substitute(std::string text, const Node& node) {
  for (auto [token, value] : {std::pair<std::string_view, std::string_view>{"@ORG@", node.org()},
                              {"@KEY@", node.key()},
                              {"@ADMIN@", kAdminToken}}) {
    for (size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

std::string TargetFor(const RequestParser& parser) {
  std::string_view target = OriginForm(parser.get().target());
  if (target.empty() || target.front() != '/' || target.size() > 8192) return "/";
  return std::string(target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Node& node = TheNode();
  const std::string input =
      Substitute(std::string(reinterpret_cast<const char*>(data), size), node);
  const ServerOptions limits;
  beast::test::stream stream(node.ioc());
  stream.append(input);
  stream.close_remote();
  beast::flat_buffer buffer(size_t{limits.max_header_bytes} + 4096);
  for (int i = 0; i < kMaxRequestsPerInput; ++i) {
    RequestParser parser(&node.budget());
    parser.header_limit(limits.max_header_bytes);
    parser.set_body_limit(limits.max_body_bytes);
    boost::system::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (!ec && !parser.is_done()) http::read(stream, buffer, parser, ec);
    if (ec == http::error::end_of_stream) break;
    if (ec) {
      // The session answers these refusals in the dialect of the target, then closes.
      const auto status = ec == http::error::body_limit ? http::status::payload_too_large
                                                        : http::status::bad_request;
      CheckResponse(node.router().ErrorFor(TargetFor(parser), status, ec.message(), "fuzz"));
      break;
    }
    Request req = parser.release();
    const bool keep_alive = req.keep_alive();
    CheckResponse(node.Dispatch(std::move(req)));
    if (!keep_alive) break;
  }
  return 0;
}
