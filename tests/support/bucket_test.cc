// BucketTest and the attribute-bucket request helpers (see bucket_test.h).
#include "tests/support/bucket_test.h"

namespace meridian::test {
namespace json = boost::json;

std::string BucketPath(std::string_view bucket, std::string_view query) {
  std::string path = std::string(kAllBuckets) + "/" + std::string(bucket);
  if (!query.empty()) path += "?" + std::string(query);
  return path;
}

Headers SlashIdAuth(const std::string& key, const std::string& org, const Headers& extra) {
  Headers h = {{"SlashID-API-Key", key}, {"SlashID-OrgID", org}};
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

void BucketTest::SetUp() {
  NodeTest::SetUp();
  if (HasFatalFailure()) return;
  org_ = CreateOrg("bucket-test-org");
  ASSERT_FALSE(org_.empty());
  key_ = CreateKey(org_, {"read", "write"});
  ASSERT_FALSE(key_.empty());
}

Response BucketTest::Patch(std::string_view bucket, std::string_view body, const Headers& extra) {
  return Send(http::verb::patch, BucketPath(bucket), Auth(extra), body);
}

Response BucketTest::Put(std::string_view bucket, std::string_view body, const Headers& extra) {
  return Send(http::verb::put, BucketPath(bucket), Auth(extra), body);
}

Response BucketTest::Get(std::string_view bucket, std::string_view query, const Headers& extra) {
  return Send(http::verb::get, BucketPath(bucket, query), Auth(extra));
}

Response BucketTest::Delete(std::string_view bucket, std::string_view query, const Headers& extra) {
  return Send(http::verb::delete_, BucketPath(bucket, query), Auth(extra));
}

json::value BucketTest::Attributes(std::string_view bucket, const Headers& headers) {
  Response r = Send(http::verb::get, BucketPath(bucket), headers.empty() ? Auth() : headers);
  EXPECT_EQ(r.status, 200) << "GET " << bucket << ": " << r.body.substr(0, 300) << r.error;
  const json::value v = r.Json();
  const json::value* result = v.is_object() ? v.as_object().if_contains("result") : nullptr;
  EXPECT_TRUE(result && result->is_object()) << "GET " << bucket << ": " << r.body.substr(0, 300);
  if (r.status != 200 || !result || !result->is_object()) return nullptr;
  return *result;
}

json::value BucketTest::Snapshot(const std::string& org) {
  const Headers admin = {{"Authorization", "Bearer " + AdminToken()}, {"SlashID-OrgID", org}};
  json::object all;
  for (std::string_view bucket : {kReadWrite, kReadOnly, kNoAccess}) {
    all[bucket] = Attributes(bucket, admin);
  }
  return all;
}

}  // namespace meridian::test
