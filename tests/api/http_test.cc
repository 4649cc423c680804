// Tests of the HTTP vocabulary (api/http.h): percent-decoding, query parameters, comma lists,
// UUIDs, request ids, dates, the Status -> HTTP mapping and what clients may see of errors.
#include "api/http.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace meridian::api {
namespace {

class HttpTest : public ::testing::Test {
 protected:
  static Request WithRequestId(std::string_view id) {
    Request req{http::verb::get, "/", 11};
    req.set("X-Request-Id", id);
    return req;
  }
};

TEST_F(HttpTest, PercentDecodeDecodesEscapes) {
  EXPECT_EQ(PercentDecode("plain", false), "plain");
  EXPECT_EQ(PercentDecode("a%2Fb", false), "a/b");
  EXPECT_EQ(PercentDecode("%41%62%7e", false), "Ab~");
  EXPECT_EQ(PercentDecode("%e2%82%AC", false), "\xe2\x82\xac");
  EXPECT_EQ(PercentDecode("%00", false), std::string(1, '\0'));
  EXPECT_EQ(PercentDecode("", false), "");
  EXPECT_EQ(PercentDecode("100%25", false), "100%");
}

TEST_F(HttpTest, PercentDecodeTreatsPlusAsSpaceOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");  // an encoded plus stays a plus
}

TEST_F(HttpTest, PercentDecodeRejectsMalformedEscapes) {
  for (const char* bad : {"%zz", "%4", "abc%4", "%", "a%", "%g0", "%0g", "%%41"}) {
    EXPECT_FALSE(PercentDecode(bad, false).has_value()) << bad;
  }
}

TEST_F(HttpTest, QueryParamFindsDecodedValues) {
  EXPECT_EQ(QueryParam("a=1&b=2", "b"), "2");
  EXPECT_EQ(QueryParam("a=1&b=2", "a"), "1");
  EXPECT_EQ(QueryParam("name=a%20b+c", "name"), "a b c");
  EXPECT_EQ(QueryParam("k=x%26y&z=1", "k"), "x&y");
  EXPECT_EQ(QueryParam("a=1&a=2", "a"), "1");  // the first occurrence
}

TEST_F(HttpTest, QueryParamAbsentOrEmpty) {
  EXPECT_FALSE(QueryParam("", "a").has_value());
  EXPECT_FALSE(QueryParam("ab=1&ba=2", "a").has_value());
  EXPECT_FALSE(QueryParam("a=1", "A").has_value());
  EXPECT_EQ(QueryParam("a=&b=2", "a"), "");
  EXPECT_EQ(QueryParam("flag&b=2", "flag"), "");
  EXPECT_EQ(QueryParam("b=2&&flag", "flag"), "");
}

TEST_F(HttpTest, QueryParamKeepsAMalformedEscapeRaw) { EXPECT_EQ(QueryParam("x=%zz", "x"), "%zz"); }

TEST_F(HttpTest, SplitCommaListKeepsEmptyItems) {
  EXPECT_EQ(SplitCommaList(""), std::vector<std::string>{});
  EXPECT_EQ(SplitCommaList("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(SplitCommaList("a,b,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitCommaList("a,,b"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(SplitCommaList("a,"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(SplitCommaList(","), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(SplitCommaList(" a , b"), (std::vector<std::string>{" a ", " b"}));  // no trimming
}

TEST_F(HttpTest, IsUuidAcceptsOnlyTheCanonicalShape) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_TRUE(IsUuid("123E4567-E89B-42D3-A456-426614174000"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("123e4567e89b42d3a456426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456-42661417400"));    // one short
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456-4266141740000"));  // one long
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456_426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456-42661417400g"));
  EXPECT_FALSE(IsUuid("{23e4567-e89b-42d3-a456-42661417400}"));
  EXPECT_FALSE(IsUuid("123e4567-e89b4-2d3-a456-426614174000"));
}

TEST_F(HttpTest, NewUuidIsAVersionFourUuidAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = NewUuid();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    for (char c : id) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST_F(HttpTest, RequestIdEchoesAPrintableClientId) {
  EXPECT_EQ(RequestIdFor(WithRequestId("trace-123_ABC.xyz")), "trace-123_ABC.xyz");
  const std::string longest(128, 'x');
  EXPECT_EQ(RequestIdFor(WithRequestId(longest)), longest);
}

TEST_F(HttpTest, RequestIdReplacesAMissingUnprintableOrOverlongId) {
  Request none{http::verb::get, "/", 11};
  EXPECT_TRUE(IsUuid(RequestIdFor(none)));
  EXPECT_NE(RequestIdFor(none), RequestIdFor(none));
  for (const std::string& bad :
       {std::string(129, 'x'), std::string("has space"), std::string("tab\there"),
        std::string("del\x7f"), std::string("bell\x07"), std::string("caf\xc3\xa9"),
        std::string("")}) {
    const std::string id = RequestIdFor(WithRequestId(bad));
    EXPECT_TRUE(IsUuid(id)) << "'" << bad << "' gave '" << id << "'";
  }
}

TEST_F(HttpTest, HttpStatusOfMapsEveryCode) {
  using S = http::status;
  EXPECT_EQ(HttpStatusOf(Status::Ok()), S::ok);
  EXPECT_EQ(HttpStatusOf(Status::NotFound("")), S::not_found);
  EXPECT_EQ(HttpStatusOf(Status::InvalidArgument("")), S::bad_request);
  EXPECT_EQ(HttpStatusOf(Status::Conflict("")), S::conflict);
  EXPECT_EQ(HttpStatusOf(Status::PermissionDenied("")), S::forbidden);
  EXPECT_EQ(HttpStatusOf(Status::Unauthenticated("")), S::unauthorized);
  EXPECT_EQ(HttpStatusOf(Status::ResourceExhausted("")), S::insufficient_storage);
  EXPECT_EQ(HttpStatusOf(Status::Timeout("")), S::request_timeout);
  EXPECT_EQ(HttpStatusOf(Status::Unavailable("")), S::service_unavailable);
  EXPECT_EQ(HttpStatusOf(Status::Corruption("")), S::internal_server_error);
  EXPECT_EQ(HttpStatusOf(Status::IOError("")), S::internal_server_error);
  EXPECT_EQ(HttpStatusOf(Status::Internal("")), S::internal_server_error);
}

TEST_F(HttpTest, PublicMessageHidesInternalFailures) {
  EXPECT_EQ(PublicMessage(Status::NotFound("bucket not found")), "bucket not found");
  EXPECT_EQ(PublicMessage(Status::InvalidArgument("bad name")), "bad name");
  EXPECT_EQ(PublicMessage(Status::ResourceExhausted("map full")), "map full");
  for (const Status& st : {Status::Internal("mdb_put: /var/lib/meridian: secret"),
                           Status::Corruption("undecodable record at key k"),
                           Status::IOError("mdb_txn_commit: EIO")}) {
    EXPECT_EQ(PublicMessage(st), "internal error") << st.ToString();
  }
}

TEST_F(HttpTest, Rfc3339FormatsUtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(Rfc3339(951782400007), "2000-02-29T00:00:00.007Z");
}

TEST_F(HttpTest, HttpDateIsAnImfFixdate) {
  const std::string date = HttpDate();
  ASSERT_EQ(date.size(), 29u) << date;  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(date.substr(3, 2), ", ");
  EXPECT_EQ(date.substr(25), " GMT");
  EXPECT_EQ(date[19], ':');
  EXPECT_EQ(date[22], ':');
}

TEST_F(HttpTest, MakeResponseSetsBodyAndContentType) {
  Response res = MakeResponse(http::status::created, "{\"a\":1}");
  EXPECT_EQ(res.result(), http::status::created);
  EXPECT_EQ(res.body(), "{\"a\":1}");
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.version(), 11u);
  Response text = MakeResponse(http::status::ok, "hi", "text/plain");
  EXPECT_EQ(text[http::field::content_type], "text/plain");
  Response empty = MakeResponse(http::status::no_content, "");
  EXPECT_EQ(empty.find(http::field::content_type), empty.end());
}

TEST_F(HttpTest, PercentEncodeQuotesLikePython) {
  EXPECT_EQ(PercentEncode("AUTH_a-b.c~d/e"), "AUTH_a-b.c~d/e");
  EXPECT_EQ(PercentEncode("a\r\nX: \"y\""), "a%0D%0AX%3A%20%22y%22");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(PercentEncode("a/b", ""), "a%2Fb");
}

TEST_F(HttpTest, OriginFormOfAbsoluteTargets) {
  EXPECT_EQ(OriginForm("/a?b"), "/a?b");
  EXPECT_EQ(OriginForm("http://h/a/b?c=1"), "/a/b?c=1");
  EXPECT_EQ(OriginForm("HtTpS://h:1"), "/");
  EXPECT_EQ(OriginForm("http://h?q"), "/");
  EXPECT_EQ(OriginForm("*"), "*");
  EXPECT_EQ(OriginForm("ftp://h/a"), "ftp://h/a");
}

}  // namespace
}  // namespace meridian::api
