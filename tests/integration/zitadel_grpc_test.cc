// ZITADEL's ManagementService over gRPC (HTTP/2, --grpc-listen) and gRPC-web (the HTTP port)
// against real nodes: all six metadata methods through a C++ gRPC stub and through gRPC-web
// frames, one store and sequence shared with the JSON dialect, ZITADEL's codes and messages,
// commit tokens in trailing metadata, and DEADLINE_EXCEEDED with the write kept.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/node_test.h"
#include "zitadel/management.grpc.pb.h"

namespace meridian::test {
namespace {
namespace mgmt = ::zitadel::management::v1;
using V = http::verb;

struct Call {
  grpc::Status status;
  std::string commit_token;  // trailing meridian-commit-token
};

class ZitadelGrpcTest : public NodeTest {
 protected:
  // A node with gRPC on; `flags` are appended (a cluster config for the 408 test).
  void StartGrpcNode(std::vector<std::string> flags = {}) {
    flags.insert(flags.end(), {"--grpc-listen", "127.0.0.1:0"});
    const std::string name = "node" + std::to_string(++nodes_started_ + 1);
    address_ = StartNode(flags);
    ASSERT_FALSE(address_.empty());
    const int port = PortFromLog(dir_ + "/" + name + ".log", "grpc_listening");
    ASSERT_GT(port, 0) << "no grpc_listening line in " << name << ".log";
    // Loopback only: a proxy from the environment must never carry these calls.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                         grpc::InsecureChannelCredentials(), args);
    // Connected before the first call, so that a slow connect and a slow call fail apart.
    ASSERT_TRUE(
        channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(20)))
        << "gRPC channel state " << channel_->GetState(false);
    stub_ = mgmt::ManagementService::NewStub(channel_);
  }
  // An organization and a read/write key on the gRPC node.
  void NewOrgAndKey() {
    HttpClient http(address_);
    auto org = http.Request(V::post, "/admin/v1/organizations", AdminAuth(), R"({"name":"grpc"})");
    ASSERT_EQ(org.status, 201) << org.body;
    org_ = std::string(org.Json().at("id").as_string());
    auto key = http.Request(V::post, "/admin/v1/organizations/" + org_ + "/api-keys", AdminAuth(),
                            R"({"name":"grpc","scopes":["read","write"]})");
    ASSERT_EQ(key.status, 201) << key.body;
    key_ = std::string(key.Json().at("key").as_string());
  }
  using Md = std::vector<std::pair<std::string, std::string>>;
  Md Auth() const { return {{"authorization", "Bearer " + key_}}; }

  template <typename Req, typename Res, typename Fn>
  Call Run(Fn method, const Req& req, Res& res, const Md& md) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    for (const auto& [k, v] : md) context.AddMetadata(k, v);
    Call call;
    call.status = (stub_.get()->*method)(&context, req, &res);
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto it = trailers.find("meridian-commit-token"); it != trailers.end()) {
      call.commit_token.assign(it->second.data(), it->second.size());
    }
    return call;
  }
  Call Set(const std::string& key, const std::string& value, const Md& md,
           mgmt::SetOrgMetadataResponse* out = nullptr) {
    mgmt::SetOrgMetadataRequest req;
    req.set_key(key);
    req.set_value(value);
    mgmt::SetOrgMetadataResponse res;
    Call c = Run(&mgmt::ManagementService::Stub::SetOrgMetadata, req, res, md);
    if (out) *out = res;
    return c;
  }
  Call Get(const std::string& key, const Md& md, mgmt::GetOrgMetadataResponse* out = nullptr) {
    mgmt::GetOrgMetadataRequest req;
    req.set_key(key);
    mgmt::GetOrgMetadataResponse res;
    Call c = Run(&mgmt::ManagementService::Stub::GetOrgMetadata, req, res, md);
    if (out) *out = res;
    return c;
  }

  std::string address_, org_, key_;
  int nodes_started_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<mgmt::ManagementService::Stub> stub_;
};

TEST_F(ZitadelGrpcTest, AllSixMethodsOverGrpc) {
  StartGrpcNode();
  NewOrgAndKey();
  mgmt::SetOrgMetadataResponse set;
  Call c = Set("plan", "enterprise", Auth(), &set);
  ASSERT_TRUE(c.status.ok()) << c.status.error_message();
  EXPECT_EQ(set.details().sequence(), 1u);
  EXPECT_EQ(set.details().resource_owner(), org_);
  EXPECT_TRUE(set.details().has_creation_date());
  EXPECT_FALSE(c.commit_token.empty());

  mgmt::GetOrgMetadataResponse got;
  ASSERT_TRUE(Get("plan", Auth(), &got).status.ok());
  EXPECT_EQ(got.metadata().value(), "enterprise");
  EXPECT_EQ(got.metadata().details().sequence(), 1u);

  mgmt::BulkSetOrgMetadataRequest bulk;
  for (auto [k, v] : {std::pair{"billing.seats", "250"}, {"billing.tier", "gold"}}) {
    auto* item = bulk.add_metadata();
    item->set_key(k);
    item->set_value(v);
  }
  mgmt::BulkSetOrgMetadataResponse bulk_res;
  c = Run(&mgmt::ManagementService::Stub::BulkSetOrgMetadata, bulk, bulk_res, Auth());
  ASSERT_TRUE(c.status.ok()) << c.status.error_message();
  EXPECT_EQ(bulk_res.details().sequence(), 3u);
  EXPECT_FALSE(bulk_res.details().has_creation_date());

  mgmt::ListOrgMetadataRequest list;
  list.mutable_query()->set_asc(true);
  list.add_queries()->mutable_key_query()->set_key("billing.");
  list.mutable_queries(0)->mutable_key_query()->set_method(
      ::zitadel::v1::TEXT_QUERY_METHOD_STARTS_WITH);
  mgmt::ListOrgMetadataResponse listed;
  ASSERT_TRUE(
      Run(&mgmt::ManagementService::Stub::ListOrgMetadata, list, listed, Auth()).status.ok());
  EXPECT_EQ(listed.details().total_result(), 2u);
  ASSERT_EQ(listed.result_size(), 2);
  EXPECT_EQ(listed.result(0).key(), "billing.seats");
  EXPECT_EQ(listed.result(1).value(), "gold");

  mgmt::BulkRemoveOrgMetadataRequest bulk_remove;
  bulk_remove.add_keys("billing.seats");
  bulk_remove.add_keys("no-such-key");
  mgmt::BulkRemoveOrgMetadataResponse removed;
  c = Run(&mgmt::ManagementService::Stub::BulkRemoveOrgMetadata, bulk_remove, removed, Auth());
  EXPECT_EQ(c.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(c.status.error_message().find("(META-2npds)"), std::string::npos);
  bulk_remove.set_keys(1, "billing.tier");
  ASSERT_TRUE(
      Run(&mgmt::ManagementService::Stub::BulkRemoveOrgMetadata, bulk_remove, removed, Auth())
          .status.ok());
  EXPECT_EQ(removed.details().sequence(), 5u);

  mgmt::RemoveOrgMetadataRequest remove;
  remove.set_key("plan");
  mgmt::RemoveOrgMetadataResponse remove_res;
  ASSERT_TRUE(Run(&mgmt::ManagementService::Stub::RemoveOrgMetadata, remove, remove_res, Auth())
                  .status.ok());
  c = Run(&mgmt::ManagementService::Stub::RemoveOrgMetadata, remove, remove_res, Auth());
  EXPECT_EQ(c.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(c.status.error_message(), "Metadata not found (META-mcnw3)");
  c = Get("plan", Auth());
  EXPECT_EQ(c.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(c.status.error_message(), "Metadata not found (QUERY-Rph32)");
}

TEST_F(ZitadelGrpcTest, AuthErrorsAndOneStoreWithTheJsonDialect) {
  StartGrpcNode();
  NewOrgAndKey();
  EXPECT_EQ(Set("plan", "x", {}).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Set("plan", "x", {{"authorization", "Bearer nope"}}).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Set("", "x", Auth()).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Set("plan", "x", {{"authorization", "Bearer " + AdminToken()}}).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // the operator must name the organization
  Md admin = {{"authorization", "Bearer " + AdminToken()}, {"x-zitadel-orgid", org_}};
  ASSERT_TRUE(Set("plan", "pro", admin).status.ok());

  // The JSON dialect reads what gRPC wrote, and the other way round, on one sequence.
  HttpClient http(address_);
  const Headers json_auth = BearerAuth(key_);
  auto read = http.Request(V::get, "/management/v1/metadata/plan", json_auth);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json().at("metadata").at("value"), "cHJv");
  auto wrote =
      http.Request(V::post, "/management/v1/metadata/tier", json_auth, R"({"value":"Z29sZA=="})");
  ASSERT_EQ(wrote.status, 200) << wrote.body;
  mgmt::GetOrgMetadataResponse got;
  ASSERT_TRUE(Get("tier", Auth(), &got).status.ok());
  EXPECT_EQ(got.metadata().value(), "gold");
  EXPECT_EQ(got.metadata().details().sequence(), 2u);

  // A commit token from gRPC gives read-your-writes over gRPC; one ahead of the node waits.
  Call c = Set("plan", "team", Auth());
  ASSERT_FALSE(c.commit_token.empty());
  Md after = Auth();
  after.emplace_back("meridian-min-commit-token", c.commit_token);
  ASSERT_TRUE(Get("plan", after, &got).status.ok());
  EXPECT_EQ(got.metadata().value(), "team");
  Md ahead = Auth();
  ahead.emplace_back("meridian-min-commit-token",
                     c.commit_token.substr(0, c.commit_token.rfind(':')) + ":99999999");
  ahead.emplace_back("slashid-required-consistency-timeout", "1");
  EXPECT_EQ(Get("plan", ahead).status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(ZitadelGrpcTest, ConsistencyNotReachedIsDeadlineExceededAndTheWriteIsKept) {
  // A second region that never answers: all_regions cannot be reached.
  const std::string config = dir_ + "/grpc-cluster.json";
  std::ofstream(config) << R"({"cluster_secret":"s","admin_token":"unused","nodes":[
      {"id":"n1","region":"a","api":"127.0.0.1:0","replication":"127.0.0.1:0"},
      {"id":"n2","region":"b","api":"127.0.0.1:1","replication":"127.0.0.1:1"}]})";
  StartGrpcNode({"--config", config, "--node-id", "n1"});
  NewOrgAndKey();
  Md slow = Auth();
  slow.emplace_back("slashid-required-consistency", "all_regions");
  slow.emplace_back("slashid-required-consistency-timeout", "1");
  Call c = Set("plan", "pro", slow);
  EXPECT_EQ(c.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_NE(c.status.error_message().find("(MERIDIAN-408)"), std::string::npos);
  EXPECT_FALSE(c.commit_token.empty());
  mgmt::GetOrgMetadataResponse got;
  ASSERT_TRUE(Get("plan", Auth(), &got).status.ok());  // kept
  EXPECT_EQ(got.metadata().value(), "pro");
}

// ZITADEL's own SDK, from npm, unchanged but for endpoint and token (zitadel_node/six_calls.mjs).
// @zitadel/node 3.0.28's generated code imports @bufbuild/protobuf/wire without declaring the
// dependency (a packaging gap of that release), so it is installed beside it, as its users do.
// A write's commit is signalled on whichever I/O thread runs it; the call waiting for it must
// still wake. Before each call had a strand of its own, a commit signalled between the call's
// check and its wait was lost and the call hung (a few per 10,000 under load). Many concurrent
// SetOrgMetadata calls on a node with several I/O threads must all finish OK.
TEST_F(ZitadelGrpcTest, ConcurrentWritesOnManyIoThreadsAllFinish) {
  StartGrpcNode({"--io-threads", "8"});
  NewOrgAndKey();
  constexpr int kInFlight = 64;
  constexpr int kCalls = 12000;
  struct Slot {
    grpc::ClientContext context;
    mgmt::SetOrgMetadataRequest req;
    mgmt::SetOrgMetadataResponse res;
  };
  std::mutex mu;
  std::condition_variable cv;
  int started = 0, running = 0, ok = 0;
  std::map<std::string, int> failures;
  // Stops starting calls after a failure; every call has a deadline, so `running` drains.
  std::function<void()> start_one = [&] {
    auto slot = std::make_shared<Slot>();
    {
      std::lock_guard lock(mu);
      if (started == kCalls || !failures.empty()) return;
      slot->req.set_key("k" + std::to_string(started % 100));
      ++started;
      ++running;
    }
    slot->req.set_value("value");
    slot->context.AddMetadata("authorization", "Bearer " + key_);
    slot->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    stub_->async()->SetOrgMetadata(
        &slot->context, &slot->req, &slot->res, [&, slot](grpc::Status status) {
          {
            std::lock_guard lock(mu);
            if (status.ok()) {
              ++ok;
            } else {
              ++failures[std::to_string(status.error_code()) + " " + status.error_message()];
            }
          }
          start_one();
          std::lock_guard lock(mu);
          --running;
          cv.notify_all();
        });
  };
  for (int i = 0; i < kInFlight; ++i) start_one();
  std::unique_lock lock(mu);
  // Bounded: at most kInFlight calls run past a failure, each for at most its 5 s deadline.
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(300), [&] { return running == 0; }));
  EXPECT_EQ(ok, kCalls);
  for (const auto& [what, n] : failures) ADD_FAILURE() << n << " calls answered " << what;
}

TEST_F(ZitadelGrpcTest, ZitadelNodeSdkRunsAllSixCalls) {
  if (std::system("command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Node.js and npm are not installed (tools/setup.sh installs them): "
                    "the @zitadel/node client test needs them";
  }
  StartGrpcNode();
  NewOrgAndKey();
  const std::string script =
      std::string(MERIDIAN_SOURCE_DIR) + "/tests/integration/zitadel_node/six_calls.mjs";
  const std::string work = dir_ + "/zitadel-node";
  const std::string install =
      "mkdir -p " + work + " && cd " + work + " && echo '{\"private\":true}' > package.json && " +
      "timeout 300 npm install --no-audit --no-fund --loglevel=error @zitadel/node@3.0.28 " +
      "@bufbuild/protobuf@2.17.0 > " + "npm.log 2>&1 && cp " + script + " .";
  ASSERT_EQ(std::system(install.c_str()), 0) << "npm install failed, see " << work << "/npm.log";
  const int port = PortFromLog(dir_ + "/node2.log", "grpc_listening");
  const std::string run = "cd " + work +
                          " && no_proxy=127.0.0.1 no_grpc_proxy=127.0.0.1 timeout 120 node "
                          "six_calls.mjs http://127.0.0.1:" +
                          std::to_string(port) + " " + key_ + " > run.log 2>&1";
  const int rc = std::system(run.c_str());
  std::ifstream in(work + "/run.log");
  std::stringstream out;
  out << in.rdbuf();
  EXPECT_EQ(rc, 0) << out.str();
  EXPECT_NE(out.str().find("six calls OK"), std::string::npos) << out.str();
}

// ---- gRPC-web on the HTTP port ----

std::string Frame(unsigned char flags, const std::string& payload) {
  std::string out(1, static_cast<char>(flags));
  const auto n = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  return out + payload;
}

struct WebReply {
  int http_status = 0;
  std::string message;                          // the data frame's payload
  std::map<std::string, std::string> trailers;  // from the 0x80 frame
  int code() const {
    return trailers.count("grpc-status") ? std::stoi(trailers.at("grpc-status")) : -1;
  }
};

WebReply ParseWeb(const Response& r) {
  WebReply out;
  out.http_status = r.status;
  std::string_view body = r.body;
  while (body.size() >= 5) {
    const auto flags = static_cast<unsigned char>(body[0]);
    uint32_t n = 0;
    for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<unsigned char>(body[i]);
    if (body.size() < 5 + n) break;
    std::string payload(body.substr(5, n));
    body.remove_prefix(5 + n);
    if (flags & 0x80) {
      std::istringstream lines(payload);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t colon = line.find(':');
        if (colon != std::string::npos)
          out.trailers[line.substr(0, colon)] = line.substr(colon + 1);
      }
    } else {
      out.message = payload;
    }
  }
  return out;
}

class ZitadelGrpcWebTest : public ZitadelGrpcTest {
 protected:
  WebReply Web(const std::string& method, const google::protobuf::Message& req,
               Headers headers = {}) {
    if (headers.empty()) headers = BearerAuth(key_);
    headers.emplace_back("Content-Type", "application/grpc-web+proto");
    return WebRaw(method, Frame(0, req.SerializeAsString()), headers);
  }
  WebReply WebRaw(const std::string& method, const std::string& body, const Headers& headers) {
    HttpClient http(address_);
    auto r =
        http.Request(V::post, "/zitadel.management.v1.ManagementService/" + method, headers, body);
    EXPECT_EQ(r.Header("content-type"), "application/grpc-web+proto");
    return ParseWeb(r);
  }
};

TEST_F(ZitadelGrpcWebTest, AllSixMethodsOverGrpcWeb) {
  StartGrpcNode();
  NewOrgAndKey();
  mgmt::SetOrgMetadataRequest set;
  set.set_key("plan");
  set.set_value("enterprise");
  WebReply r = Web("SetOrgMetadata", set);
  ASSERT_EQ(r.http_status, 200);
  ASSERT_EQ(r.code(), 0) << r.trailers["grpc-message"];
  EXPECT_FALSE(r.trailers["meridian-commit-token"].empty());
  mgmt::SetOrgMetadataResponse set_res;
  ASSERT_TRUE(set_res.ParseFromString(r.message));
  EXPECT_EQ(set_res.details().sequence(), 1u);

  mgmt::GetOrgMetadataRequest get;
  get.set_key("plan");
  r = Web("GetOrgMetadata", get);
  ASSERT_EQ(r.code(), 0);
  mgmt::GetOrgMetadataResponse got;
  ASSERT_TRUE(got.ParseFromString(r.message));
  EXPECT_EQ(got.metadata().value(), "enterprise");

  mgmt::BulkSetOrgMetadataRequest bulk;
  auto* item = bulk.add_metadata();
  item->set_key("a");
  item->set_value("1");
  EXPECT_EQ(Web("BulkSetOrgMetadata", bulk).code(), 0);
  mgmt::ListOrgMetadataRequest list;
  r = Web("ListOrgMetadata", list);
  ASSERT_EQ(r.code(), 0);
  mgmt::ListOrgMetadataResponse listed;
  ASSERT_TRUE(listed.ParseFromString(r.message));
  EXPECT_EQ(listed.details().total_result(), 2u);
  EXPECT_EQ(listed.result(0).key(), "plan");  // descending by default, as ZITADEL
  mgmt::BulkRemoveOrgMetadataRequest bulk_remove;
  bulk_remove.add_keys("a");
  EXPECT_EQ(Web("BulkRemoveOrgMetadata", bulk_remove).code(), 0);
  mgmt::RemoveOrgMetadataRequest remove;
  remove.set_key("plan");
  EXPECT_EQ(Web("RemoveOrgMetadata", remove).code(), 0);
  r = Web("GetOrgMetadata", get);
  EXPECT_EQ(r.code(), 5);
  EXPECT_EQ(r.trailers["grpc-message"], "Metadata not found (QUERY-Rph32)");
  EXPECT_TRUE(r.message.empty());
}

TEST_F(ZitadelGrpcWebTest, MalformedCallsGetAStatusAndChangeNothing) {
  StartGrpcNode();
  NewOrgAndKey();
  const Headers h = {{"Authorization", "Bearer " + key_},
                     {"Content-Type", "application/grpc-web+proto"}};
  mgmt::SetOrgMetadataRequest set;
  set.set_key("plan");
  set.set_value("x");
  const std::string frame = Frame(0, set.SerializeAsString());
  EXPECT_EQ(WebRaw("SetOrgMetadata", frame.substr(0, 3), h).code(), 3);
  EXPECT_EQ(WebRaw("SetOrgMetadata", frame + "x", h).code(), 3);
  EXPECT_EQ(WebRaw("SetOrgMetadata", Frame(1, set.SerializeAsString()), h).code(), 12);
  EXPECT_EQ(WebRaw("SetOrgMetadata", Frame(0, "\xff\xff\xff"), h).code(), 3);
  EXPECT_EQ(WebRaw("GetOrgByID", frame, h).code(), 12);
  EXPECT_EQ(
      WebRaw("SetOrgMetadata", frame, {{"Content-Type", "application/grpc-web+proto"}}).code(), 16);
  EXPECT_EQ(
      WebRaw("SetOrgMetadata", frame,
             {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/grpc-web-text"}})
          .code(),
      3);
  mgmt::GetOrgMetadataRequest get;
  get.set_key("plan");
  EXPECT_EQ(Web("GetOrgMetadata", get).code(), 5);  // nothing was written
}

}  // namespace
}  // namespace meridian::test
