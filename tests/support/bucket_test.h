// Test harness: BucketTest, a NodeTest with one organization and a read+write key, and
// helpers for the attribute-bucket API (docs/http-api.md "Attribute buckets"): requests with
// the SlashID headers, and a snapshot of every default bucket for before/after comparisons.
// Fixture methods run on the test's main thread only.
#ifndef MERIDIAN_TESTS_SUPPORT_BUCKET_TEST_H_
#define MERIDIAN_TESTS_SUPPORT_BUCKET_TEST_H_

#include <string>
#include <string_view>

#include "tests/support/node_test.h"

namespace meridian::test {

inline constexpr std::string_view kReadWrite = "end_user_read_write";
inline constexpr std::string_view kReadOnly = "end_user_read_only";
inline constexpr std::string_view kNoAccess = "end_user_no_access";
inline constexpr std::string_view kAllBuckets = "/organizations/attributes";

// "/organizations/attributes/<bucket>" plus `query` (without its '?') when not empty.
std::string BucketPath(std::string_view bucket, std::string_view query = {});

// {"SlashID-API-Key": key, "SlashID-OrgID": org} plus `extra`.
Headers SlashIdAuth(const std::string& key, const std::string& org, const Headers& extra = {});

class BucketTest : public NodeTest {
 protected:
  // NodeTest::SetUp, then org_ and key_ (scopes read and write).
  void SetUp() override;

  // key_ and org_ plus `extra`.
  Headers Auth(const Headers& extra = {}) const { return SlashIdAuth(key_, org_, extra); }

  Response Send(http::verb method, const std::string& target, const Headers& headers,
                std::string_view body = {}) {
    return Client().Request(method, target, headers, body);
  }
  Response Patch(std::string_view bucket, std::string_view body, const Headers& extra = {});
  Response Put(std::string_view bucket, std::string_view body, const Headers& extra = {});
  Response Get(std::string_view bucket, std::string_view query = {}, const Headers& extra = {});
  Response Delete(std::string_view bucket, std::string_view query = {}, const Headers& extra = {});

  // The "result" object of GET on `bucket` with `headers` (default Auth()); records a failure
  // and returns null when the answer is not 200 with a result object.
  boost::json::value Attributes(std::string_view bucket, const Headers& headers = {});
  // Every default bucket's attributes, read one bucket at a time with the admin key; the
  // value to compare before and after a refused request.
  boost::json::value Snapshot(const std::string& org);
  boost::json::value Snapshot() { return Snapshot(org_); }

  std::string org_;
  std::string key_;
};

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_BUCKET_TEST_H_
