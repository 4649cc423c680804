// The gRPC port under api_tls (docs/security.md): it speaks TLS with the API's certificate, a
// gRPC stub trusting the test CA calls SetOrgMetadata/GetOrgMetadata over it, a plaintext client
// and a client trusting another CA get nothing, and a certificate swapped under SIGHUP serves the
// next connections while a broken one keeps the old. Certificates come from the openssl command.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/cluster.h"
#include "tests/support/http_client.h"
#include "tests/support/node_process.h"
#include "tests/support/node_test.h"
#include "tests/support/test_certs.h"
#include "zitadel/management.grpc.pb.h"

namespace meridian::test {
namespace {
using namespace std::chrono_literals;
namespace mgmt = ::zitadel::management::v1;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A stub on a connection of its own (no subchannel shared with earlier channels), over TLS
// trusting `ca_file`, or plaintext when `ca_file` is empty.
std::unique_ptr<mgmt::ManagementService::Stub> Stub(int port, const std::string& ca_file) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!ca_file.empty()) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadAll(ca_file);
    credentials = grpc::SslCredentials(options);
    args.SetSslTargetNameOverride("localhost");
  }
  return mgmt::ManagementService::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), credentials, args));
}

grpc::Status Set(mgmt::ManagementService::Stub& stub, const std::string& key, const std::string& k,
                 const std::string& v) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  context.AddMetadata("authorization", "Bearer " + key);
  mgmt::SetOrgMetadataRequest req;
  req.set_key(k);
  req.set_value(v);
  mgmt::SetOrgMetadataResponse res;
  return stub.SetOrgMetadata(&context, req, &res);
}

grpc::Status Get(mgmt::ManagementService::Stub& stub, const std::string& key, const std::string& k,
                 std::string* value = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  context.AddMetadata("authorization", "Bearer " + key);
  mgmt::GetOrgMetadataRequest req;
  req.set_key(k);
  mgmt::GetOrgMetadataResponse res;
  grpc::Status status = stub.GetOrgMetadata(&context, req, &res);
  if (value) *value = res.metadata().value();
  return status;
}

TEST(ZitadelGrpcTlsTest, ApiTlsCoversTheGrpcPortAndSighupSwapsItsCertificate) {
  TempDir dir("meridian-grpc-tls-");
  TestCa ca(dir.path(), "api");
  TestCa other(dir.path(), "other");
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(other.ok());
  CertFiles server, swapped;
  ASSERT_TRUE(ca.IssueForLoopback("server", &server));
  ASSERT_TRUE(other.IssueForLoopback("swapped", &swapped));

  // An organization and its key, made over plain HTTP before the node restarts with api_tls.
  NodeOptions options;
  options.work_dir = dir.path();
  options.admin_token = std::string(kTestAdminToken);
  NodeProcess node(options);
  ASSERT_TRUE(node.Start());
  std::string org, key;
  {
    HttpClient http(node.address());
    auto made = http.Request(http::verb::post, "/admin/v1/organizations",
                             BearerAuth(kTestAdminToken), R"({"name":"grpc-tls"})");
    ASSERT_EQ(made.status, 201) << made.body;
    org = std::string(made.Json().at("id").as_string());
    auto k = http.Request(http::verb::post, "/admin/v1/organizations/" + org + "/api-keys",
                          BearerAuth(kTestAdminToken), R"({"name":"g","scopes":["read","write"]})");
    ASSERT_EQ(k.status, 201) << k.body;
    key = std::string(k.Json().at("key").as_string());
  }
  ASSERT_EQ(node.Terminate(), 0);
  node.set_extra_args(
      {"--api-tls-cert", server.cert, "--api-tls-key", server.key, "--grpc-listen", "127.0.0.1:0"});
  ASSERT_TRUE(node.Restart());
  const int port = PortFromLog(node.log_path(), "grpc_listening");
  ASSERT_GT(port, 0) << node.ReadLog();
  EXPECT_NE(node.ReadLog().find("tls=true"), std::string::npos);
  // The staged identity is the node's own.
  struct stat st {};
  ASSERT_EQ(::stat((node.data_dir() + "/grpc-tls/identity.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);

  auto stub = Stub(port, ca.ca_file());
  grpc::Status s = Set(*stub, key, "plan", "enterprise");
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message() << "\n" << node.ReadLog();
  std::string value;
  s = Get(*stub, key, "plan", &value);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(value, "enterprise");

  // Plaintext and a client trusting another CA get no answer.
  EXPECT_EQ(Get(*Stub(port, ""), key, "plan").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Get(*Stub(port, other.ca_file()), key, "plan").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(Get(*Stub(port, ca.ca_file()), key, "plan").ok()) << "failures cost only themselves";

  // SIGHUP with a broken certificate keeps the old one.
  namespace fs = std::filesystem;
  fs::copy_file(server.cert, server.cert + ".orig");
  { std::ofstream(server.cert, std::ios::trunc) << "garbage\n"; }
  ASSERT_TRUE(node.Signal(SIGHUP));
  ASSERT_TRUE(PollUntil(
      [&] { return node.ReadLog().find("grpc_tls_reload_failed") != std::string::npos; }, 10s));
  std::this_thread::sleep_for(1500ms);  // longer than libgrpc's poll of the staged file
  EXPECT_TRUE(Get(*Stub(port, ca.ca_file()), key, "plan").ok()) << node.ReadLog();

  // With a good one, new connections get the new certificate within libgrpc's poll.
  fs::copy_file(swapped.cert, server.cert, fs::copy_options::overwrite_existing);
  fs::copy_file(swapped.key, server.key, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(node.Signal(SIGHUP));
  ASSERT_TRUE(PollUntil(
      [&] { return node.ReadLog().find("grpc_tls_reloaded") != std::string::npos; }, 10s));
  EXPECT_TRUE(PollUntil([&] { return Get(*Stub(port, other.ca_file()), key, "plan").ok(); }, 10s))
      << node.ReadLog();
  EXPECT_FALSE(Get(*Stub(port, ca.ca_file()), key, "plan").ok());
  // An existing connection keeps working: `stub` connected under the old certificate.
  EXPECT_TRUE(Get(*stub, key, "plan").ok());
}

}  // namespace
}  // namespace meridian::test
