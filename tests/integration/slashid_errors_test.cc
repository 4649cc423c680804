// End-to-end tests of the SlashID attribute-bucket dialect's refusals (docs/http-api.md): bad input
// of every kind, limits, auth, organization and scope errors, oversized headers and bodies. Each
// refusal must be the right 4xx in SlashID's error envelope and must leave every bucket unchanged
// (compared before and after).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "tests/support/bucket_test.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using V = http::verb;

struct BadRequest {
  V method;
  std::string target;
  std::string body;
  int status;
};

std::string Describe(const BadRequest& b) {
  return std::string(http::to_string(b.method)) + " " + b.target + " body=" + b.body.substr(0, 80) +
         " expect " + std::to_string(b.status);
}

class SlashIdErrorsTest : public BucketTest {
 protected:
  void SetUp() override {
    BucketTest::SetUp();
    if (HasFatalFailure()) return;
    // Known data in every bucket, so that a wrongly applied write or delete shows.
    for (std::string_view b : {kReadWrite, kReadOnly, kNoAccess}) {
      Response r = Patch(b, R"({"seed":"value","n":1})");
      ASSERT_EQ(r.status, 204) << r.body;
    }
    before_ = Snapshot();
  }

  // Sends each request with `headers` and expects its status in the envelope and no change.
  void ExpectAllRefused(const std::vector<BadRequest>& requests, const Headers& headers) {
    for (const BadRequest& b : requests) {
      SCOPED_TRACE(Describe(b));
      Response r = Send(b.method, b.target, headers, b.body);
      EXPECT_TRUE(IsErrorEnvelope(r, b.status));
      EXPECT_FALSE(r.HasHeader("Meridian-Commit-Token"));
      EXPECT_EQ(r.Header("Content-Type").substr(0, 16), "application/json") << r.body;
    }
    ExpectUnchanged();
  }
  void ExpectUnchanged() { EXPECT_EQ(Snapshot(), before_) << "a refused request changed data"; }

  json::value before_;
};

TEST_F(SlashIdErrorsTest, MalformedOrMistypedBodies) {
  const std::string one = BucketPath(kReadWrite);
  const std::string all(kAllBuckets);
  std::vector<BadRequest> bad;
  for (const std::string body :
       {"", "{", "{\"a\":}", "not json", "{\"a\":1}x", "{\"a\":1,}", "{'a':1}", "[1,2]", "[]",
        "\"string\"", "42", "null", "true", "{\"a\":1}{\"b\":2}", "\xff\xfe{}"}) {
    for (V m : {V::patch, V::put}) {
      bad.push_back({m, one, body, 400});
      bad.push_back({m, all, body, 400});
    }
  }
  // The multi-bucket form wants an object of objects.
  for (const std::string body :
       {R"({"end_user_read_write":1})", R"({"end_user_read_write":[1]})",
        R"({"end_user_read_write":"x"})", R"({"end_user_read_write":null})",
        R"({"end_user_read_write":{"ok":1},"end_user_read_only":true})"}) {
    bad.push_back({V::patch, all, body, 400});
    bad.push_back({V::put, all, body, 400});
  }
  // Nesting deeper than the parser allows.
  bad.push_back(
      {V::patch, one, "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}", 400});
  ExpectAllRefused(bad, Auth());
}

TEST_F(SlashIdErrorsTest, NamesAndValuesOverTheLimits) {
  const std::string one = BucketPath(kReadWrite);
  const std::string all(kAllBuckets);
  const std::string name71(71, 'n');
  std::string utf8_71 = "x";  // 1 + 35 * 2 bytes
  for (int i = 0; i < 35; ++i) utf8_71 += "\xc3\xa9";
  const std::string too_big(65536 - 1, 'v');  // serialized: 65537 bytes
  json::object big_object;                    // serialized: well over 64 KiB
  for (int i = 0; i < 2000; ++i) big_object["k" + std::to_string(i)] = std::string(30, 'x');
  std::vector<std::string> bodies = {
      json::serialize(json::object{{name71, 1}}),
      json::serialize(json::object{{utf8_71, 1}}),
      json::serialize(json::object{{"ok", 1}, {name71, 1}}),
      json::serialize(json::object{{"", 1}}),
      json::serialize(json::object{{"ok", 1}, {"big", too_big}}),
      json::serialize(json::object{{"big", big_object}}),
  };
  std::vector<BadRequest> bad;
  for (const std::string& body : bodies) {
    bad.push_back({V::patch, one, body, 400});
    bad.push_back({V::put, one, body, 400});
    bad.push_back({V::patch, all, "{\"end_user_read_write\":" + body + "}", 400});
    bad.push_back({V::put, all,
                   "{\"end_user_read_only\":{\"fine\":1},\"end_user_read_write\":" + body + "}",
                   400});
  }
  // Names in query lists: too long, empty, or an empty list.
  bad.push_back({V::delete_, BucketPath(kReadWrite, "attributes=" + name71), "", 400});
  bad.push_back({V::delete_, BucketPath(kReadWrite, "attributes=seed," + name71), "", 400});
  for (std::string_view query : {"attributes=", "attributes=seed,", "attributes=,seed",
                                 "attributes=seed,,n", "attributes=,"}) {
    bad.push_back({V::delete_, BucketPath(kReadWrite, query), "", 400});
    bad.push_back({V::get, BucketPath(kReadWrite, query), "", 400});
  }
  for (std::string_view query : {"buckets=", "buckets=end_user_read_write,", "buckets=,"}) {
    bad.push_back({V::get, all + "?" + std::string(query), "", 400});
  }
  ExpectAllRefused(bad, Auth());
}

TEST_F(SlashIdErrorsTest, UnknownBuckets) {
  const std::string all(kAllBuckets);
  std::vector<BadRequest> bad;
  for (std::string_view bucket : {"no_such_bucket", "END_USER_READ_WRITE", "end_user_read_write_",
                                  "bad%20name", "%2e%2e", "x%C3%A9"}) {
    const std::string path = BucketPath(bucket);
    bad.push_back({V::patch, path, R"({"a":1})", 404});
    bad.push_back({V::put, path, R"({"a":1})", 404});
    bad.push_back({V::get, path, "", 404});
    bad.push_back({V::delete_, path, "", 404});
    bad.push_back({V::delete_, path + "?attributes=seed", "", 404});
  }
  // In the multi-bucket body and list (one good bucket beside it changes nothing).
  bad.push_back({V::patch, all, R"({"end_user_read_write":{"x":1},"nope":{"y":1}})", 404});
  bad.push_back({V::put, all, R"({"end_user_read_write":{"x":1},"nope":{"y":1}})", 404});
  bad.push_back({V::get, all + "?buckets=end_user_read_write,nope", "", 404});
  // Another organization's created bucket is unknown here.
  const std::string other = CreateOrg("other");
  ASSERT_EQ(CreateBucket(other, "theirs"), 201);
  bad.push_back({V::patch, BucketPath("theirs"), R"({"a":1})", 404});
  bad.push_back({V::get, BucketPath("theirs"), "", 404});
  ExpectAllRefused(bad, Auth());
  // Unknown paths and methods under /organizations use the same envelope.
  ExpectAllRefused({{V::get, "/organizations/nothing", "", 404},
                    {V::get, "/organizations/attributes/a/b", "", 404},
                    {V::post, BucketPath(kReadWrite), R"({"a":1})", 405},
                    {V::post, all, R"({"end_user_read_write":{"a":1}})", 405},
                    {V::delete_, all, "", 405},
                    {V::patch, "/organizations/attribute-buckets", "{}", 405}},
                   Auth());
}

// Every endpoint, for the auth and organization checks.
std::vector<BadRequest> EveryEndpoint(int status) {
  const std::string one = BucketPath(kReadWrite);
  const std::string all(kAllBuckets);
  return {{V::patch, one, R"({"seed":"changed","x":1})", status},
          {V::put, one, R"({"x":1})", status},
          {V::get, one, "", status},
          {V::get, one + "?attributes=seed", "", status},
          {V::delete_, one, "", status},
          {V::delete_, one + "?attributes=seed", "", status},
          {V::patch, all, R"({"end_user_read_write":{"x":1}})", status},
          {V::put, all, R"({"end_user_read_write":{"x":1}})", status},
          {V::get, all, "", status},
          {V::get, "/organizations/attribute-buckets", "", status}};
}

std::vector<BadRequest> Writes(int status) {
  std::vector<BadRequest> out;
  for (auto& b : EveryEndpoint(status)) {
    if (b.method != V::get) out.push_back(b);
  }
  return out;
}

// Keys, organizations and scopes: tests/api/dialects_in_process_test.cc
// (SlashIdRefusalsChangeNothing) and, for every route, tests/api/pipeline_rules_test.cc.

TEST_F(SlashIdErrorsTest, BadConsistencyHeadersOnEveryWrite) {
  const std::vector<Headers> bad_headers = {
      {{"SlashID-Required-Consistency", "ALL_REGIONS"}},
      {{"SlashID-Required-Consistency", "strong"}},
      {{"SlashID-Required-Consistency", ""}},
      {{"SlashID-Required-Consistency", "local_region,all_regions"}},
      {{"SlashID-Required-Consistency-Timeout", "0"}},
      {{"SlashID-Required-Consistency-Timeout", "121"}},
      {{"SlashID-Required-Consistency-Timeout", "-1"}},
      {{"SlashID-Required-Consistency-Timeout", "1.5"}},
      {{"SlashID-Required-Consistency-Timeout", "5s"}},
      {{"SlashID-Required-Consistency-Timeout", "abc"}},
      {{"SlashID-Required-Consistency-Timeout", ""}},
      {{"SlashID-Required-Consistency-Timeout", "99999999999999999999"}},
      {{"SlashID-Required-Consistency", "all_regions"},
       {"SlashID-Required-Consistency-Timeout", "0"}},
  };
  for (const Headers& h : bad_headers) {
    SCOPED_TRACE(h.front().first + ": '" + h.front().second + "'");
    ExpectAllRefused(Writes(400), Auth(h));
  }
}

// 413 for a body over max_body_bytes (4 MiB), announced by Content-Length or arriving chunked,
// in the dialect's JSON envelope; the connection is closed.
TEST_F(SlashIdErrorsTest, BodyOverTheLimitIs413InTheEnvelope) {
  const uint64_t limit = 4 * 1024 * 1024;
  const std::string auth_lines = "SlashID-API-Key: " + key_ + "\r\nSlashID-OrgID: " + org_ + "\r\n";
  // Content-Length over the limit: refused from the header alone.
  for (const std::string& target : {BucketPath(kReadWrite), std::string(kAllBuckets)}) {
    SCOPED_TRACE(target);
    RawReply reply = SendRawBytes(node().port(),
                                  "PATCH " + target + " HTTP/1.1\r\nHost: x\r\n" + auth_lines +
                                      "Content-Length: " + std::to_string(limit + 1) + "\r\n\r\n{");
    EXPECT_TRUE(IsErrorEnvelope(reply.response, 413)) << reply.bytes.substr(0, 300);
    EXPECT_EQ(reply.response.Header("Content-Type").substr(0, 16), "application/json");
    EXPECT_FALSE(reply.response.Header("X-Request-Id").empty());
    EXPECT_TRUE(reply.peer_closed);
  }
  // The same over the ordinary client, with the body really sent.
  std::string big = "{\"a\":\"" + std::string(limit, 'x') + "\"}";
  Response r = Patch(kReadWrite, big);
  EXPECT_TRUE(IsErrorEnvelope(r, 413));
  // Chunked: the limit is found while reading.
  std::string chunked = "PUT " + BucketPath(kReadWrite) + " HTTP/1.1\r\nHost: x\r\n" + auth_lines +
                        "Transfer-Encoding: chunked\r\n\r\n";
  const std::string piece(256 * 1024, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
  chunked += "6\r\n{\"a\":\"\r\n";
  for (uint64_t sent = 0; sent <= limit; sent += piece.size()) {
    chunked += size_line + piece + "\r\n";
  }
  chunked += "2\r\n\"}\r\n0\r\n\r\n";
  RawReply reply = SendRawBytes(node().port(), chunked);
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 413)) << reply.bytes.substr(0, 300);
  // Admin paths answer in the same envelope.
  reply = SendRawBytes(node().port(),
                       "POST /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer " +
                           AdminToken() + "\r\nContent-Length: 99999999999\r\n\r\n");
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 413)) << reply.bytes.substr(0, 300);
  // A body just under the limit is read (and refused only for its content).
  const std::string just_under = "{\"a\":\"" + std::string(limit - 8, 'x') + "\"}";
  r = Patch(kReadWrite, just_under);
  EXPECT_TRUE(IsErrorEnvelope(r, 400));  // the value is over 64 KiB
  ExpectUnchanged();
  // The node still serves.
  EXPECT_EQ(Get(kReadWrite).status, 200);
}

TEST_F(SlashIdErrorsTest, HeadersOverTheLimitAre431) {
  // One huge header, and many small ones: 32 KiB in all is the limit.
  const std::vector<std::string> extras = {
      "X-Big: " + std::string(40 * 1024, 'h') + "\r\n",
      [] {
        std::string many;
        for (int i = 0; i < 1000; ++i)
          many += "X-H" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
        return many;
      }(),
  };
  for (const std::string& extra : extras) {
    RawReply reply =
        SendRawBytes(node().port(), "PATCH " + BucketPath(kReadWrite) +
                                        " HTTP/1.1\r\nHost: x\r\nSlashID-API-Key: " + key_ +
                                        "\r\nSlashID-OrgID: " + org_ + "\r\n" + extra +
                                        "Content-Length: 10\r\n\r\n{\"big\":1}");
    EXPECT_EQ(reply.response.status, 431) << reply.bytes.substr(0, 300);
    EXPECT_TRUE(IsErrorEnvelope(reply.response, 431)) << reply.bytes.substr(0, 300);
    EXPECT_TRUE(reply.peer_closed);
  }
  // Through the ordinary client too.
  Response r = Get(kReadWrite, "", {{"X-Big", std::string(40 * 1024, 'h')}});
  EXPECT_EQ(r.status, 431) << r.error;
  ExpectUnchanged();
  EXPECT_EQ(Get(kReadWrite).status, 200);
}

TEST_F(SlashIdErrorsTest, MalformedHttpIs400) {
  for (const std::string raw : {"GARBAGE\r\n\r\n",
                                "PATCH /organizations/attributes/end_user_read_write HTTP/1.1\r\n"
                                "Host: x\r\nContent-Length: abc\r\n\r\n",
                                "GET /organizations/attributes HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    SCOPED_TRACE(raw);
    RawReply reply = SendRawBytes(node().port(), raw);
    EXPECT_EQ(reply.response.status, 400) << reply.bytes.substr(0, 300);
  }
  // Bad percent-encoding in the path.
  Response r = Send(V::get, "/organizations/attributes/%zz", Auth());
  EXPECT_TRUE(IsErrorEnvelope(r, 400));
  ExpectUnchanged();
}

}  // namespace
}  // namespace meridian::test
