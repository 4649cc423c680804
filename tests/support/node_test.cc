// NodeTest and the JSON/envelope helpers (see node_test.h).
#include "tests/support/node_test.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

namespace meridian::test {
namespace json = boost::json;

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value() : v;
}

Headers BearerAuth(std::string_view key) {
  return {{"Authorization", "Bearer " + std::string(key)}};
}

testing::AssertionResult IsErrorEnvelope(const Response& r, int status) {
  if (r.status != status) {
    return testing::AssertionFailure() << "status " << r.status << ", expected " << status
                                       << "; body: " << r.body.substr(0, 300) << r.error;
  }
  const json::value v = ParseJson(r.body);
  const json::object* obj = v.if_object();
  const json::value* meta = obj ? obj->if_contains("meta") : nullptr;
  const json::value* errors = obj ? obj->if_contains("errors") : nullptr;
  if (!meta || !meta->is_object() || !errors || !errors->is_array() || errors->as_array().empty() ||
      !errors->as_array()[0].is_object()) {
    return testing::AssertionFailure() << "not the error envelope: " << r.body.substr(0, 300);
  }
  const json::object& first = errors->as_array()[0].as_object();
  const json::value* code = first.if_contains("httpcode");
  const json::value* message = first.if_contains("message");
  if (!code || !code->is_int64() || code->as_int64() != status) {
    return testing::AssertionFailure()
           << "httpcode differs from the status " << status << ": " << r.body.substr(0, 300);
  }
  if (!message || !message->is_string() || message->as_string().empty()) {
    return testing::AssertionFailure() << "no message: " << r.body.substr(0, 300);
  }
  return testing::AssertionSuccess();
}

void NodeTest::SetUp() {
  temp_ = std::make_unique<TempDir>();
  ASSERT_FALSE(temp_->path().empty());
  dir_ = temp_->path();
  NodeOptions options;
  options.work_dir = dir_;
  options.admin_token = admin_token_;
  node_ = std::make_unique<NodeProcess>(std::move(options));
  ASSERT_TRUE(node_->Start());
}

// A failed test prints the end of every node log in its dir, so that a failure seen only on
// another machine can be read from the test's own output.
static void PrintNodeLogTails(const std::string& dir) {
  constexpr size_t kTailBytes = 6000;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    std::cerr << "---- last " << kTailBytes << " bytes of " << entry.path().filename().string()
              << " ----\n"
              << (s.size() > kTailBytes ? s.substr(s.size() - kTailBytes) : s) << "\n";
  }
}

void NodeTest::TearDown() {
  if (HasFailure() && !dir_.empty()) PrintNodeLogTails(dir_);
  client_.reset();
  other_nodes_.clear();  // each is SIGKILLed by its destructor
  node_.reset();
  temp_.reset();
}

HttpClient& NodeTest::Client() {
  if (!client_ || client_->port() != node_->port()) client_.emplace(node_->port());
  return *client_;
}

std::string NodeTest::CreateOrg(const std::string& name) {
  Response r = Client().Request(http::verb::post, "/admin/v1/organizations", AdminAuth(),
                                json::serialize(json::object{{"name", name}}));
  EXPECT_EQ(r.status, 201) << r.body << r.error;
  const json::value v = r.Json();
  const json::value* id = v.is_object() ? v.as_object().if_contains("id") : nullptr;
  if (r.status != 201 || !id || !id->is_string()) return "";
  return std::string(id->as_string());
}

CreatedKey NodeTest::CreateApiKey(const std::string& org_id, const std::vector<std::string>& scopes,
                                  const std::string& name) {
  json::array scope_list;
  for (const auto& s : scopes) scope_list.emplace_back(s);
  Response r = Client().Request(
      http::verb::post, "/admin/v1/organizations/" + org_id + "/api-keys", AdminAuth(),
      json::serialize(json::object{{"name", name}, {"scopes", scope_list}}));
  EXPECT_EQ(r.status, 201) << r.body << r.error;
  const json::value v = r.Json();
  const json::object* obj = v.if_object();
  const json::value* id = obj ? obj->if_contains("id") : nullptr;
  const json::value* key = obj ? obj->if_contains("key") : nullptr;
  if (r.status != 201 || !id || !id->is_string() || !key || !key->is_string()) return {};
  return {std::string(id->as_string()), std::string(key->as_string())};
}

std::string NodeTest::CreateKey(const std::string& org_id, const std::vector<std::string>& scopes) {
  return CreateApiKey(org_id, scopes).secret;
}

int NodeTest::CreateBucket(const std::string& org_id, const std::string& bucket) {
  return Client()
      .Request(http::verb::post, "/admin/v1/organizations/" + org_id + "/attribute-buckets",
               AdminAuth(), json::serialize(json::object{{"name", bucket}}))
      .status;
}

std::string NodeTest::StartNode(const std::vector<std::string>& flags) {
  NodeOptions options;
  options.work_dir = dir_;
  options.name = "node" + std::to_string(other_nodes_.size() + 2);
  options.admin_token = admin_token_;
  options.extra_args = flags;
  auto node = std::make_unique<NodeProcess>(std::move(options));
  testing::AssertionResult started = node->Start();
  EXPECT_TRUE(started);
  if (!started) return "";
  std::string address = node->address();
  other_nodes_.push_back(std::move(node));
  return address;
}

int PortFromLog(const std::string& log_path, std::string_view event) {
  const std::regex line(std::string(event) + R"(.*addr=127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(log_path);
    std::stringstream text;
    text << in.rdbuf();
    std::smatch m;
    const std::string s = text.str();
    if (std::regex_search(s, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return 0;
}

}  // namespace meridian::test
