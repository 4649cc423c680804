// Tests of the ZITADEL dialect's pure helpers: base64 as protojson reads it (strict), key and
// value rules, the stored entry and sequence encodings, ObjectDetails JSON and the error body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/zitadel/codec.h"
#include "api/zitadel/errors.h"

namespace meridian::api::zitadel {
namespace {
namespace json = boost::json;

TEST(ZitadelBase64Test, DecodesStandardPaddedText) {
  EXPECT_EQ(DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(DecodeBase64("aGVsbG8h"), "hello!");
  EXPECT_EQ(DecodeBase64("aGk="), "hi");
  EXPECT_EQ(DecodeBase64("aA=="), "h");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("+/+/"), std::string("\xfb\xff\xbf", 3));
}

TEST(ZitadelBase64Test, AcceptsUnpaddedAndUrlSafeTextLikeProtojson) {
  EXPECT_EQ(DecodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(DecodeBase64("aA"), "h");
  EXPECT_EQ(DecodeBase64("-_-_"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(DecodeBase64("-_8"), std::string("\xfb\xff", 2));
}

TEST(ZitadelBase64Test, RejectsBadCharactersAndPadding) {
  for (const char* bad : {"a", "aGVsbG8=!", "aGV sbG8=", "aGVsbG8=\n",
                          "aA=", "aA===", "a===", "====", "aA==aA==", "=aA=", "-_+/",
                          "aGVs\nbG8=", "aGVsbG8==", "\xc3\xa9\xc3\xa9"}) {
    EXPECT_FALSE(DecodeBase64(bad).has_value()) << bad;
  }
}

TEST(ZitadelBase64Test, RejectsNonZeroTrailingBits) {
  EXPECT_TRUE(DecodeBase64("QQ==").has_value());
  EXPECT_FALSE(DecodeBase64("QR==").has_value());
  EXPECT_FALSE(DecodeBase64("QUJ=").has_value());
  EXPECT_TRUE(DecodeBase64("QUI=").has_value());
}

TEST(ZitadelBase64Test, EncodeRoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = DecodeBase64(EncodeBase64(bytes));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(EncodeBase64("hello"), "aGVsbG8=");
  EXPECT_EQ(EncodeBase64("h"), "aA==");
}

TEST(ZitadelKeyTest, CountsCodePointsAndRejectsInvalidUtf8) {
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\xc3\xa9t\xc3\xa9"), 3u);
  EXPECT_EQ(CountCodePoints("\xf0\x9f\x98\x80"), 1u);
  EXPECT_FALSE(CountCodePoints("\xc3").has_value());
  EXPECT_FALSE(CountCodePoints("\xc0\xaf").has_value());          // overlong
  EXPECT_FALSE(CountCodePoints("\xed\xa0\x80").has_value());      // surrogate
  EXPECT_FALSE(CountCodePoints("\xf4\x90\x80\x80").has_value());  // past U+10FFFF
  EXPECT_FALSE(CountCodePoints("\xff").has_value());
}

TEST(ZitadelKeyTest, KeysAreOneTo200Characters) {
  EXPECT_TRUE(CheckKey("a").ok());
  EXPECT_TRUE(CheckKey(std::string(200, 'k')).ok());
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "\xc3\xa9";  // 400 bytes, 200 characters
  EXPECT_TRUE(CheckKey(accented).ok());
  EXPECT_TRUE(CheckKey("").IsInvalidArgument());
  EXPECT_TRUE(CheckKey(std::string(201, 'k')).IsInvalidArgument());
  EXPECT_TRUE(CheckKey("\xff").IsInvalidArgument());
}

TEST(ZitadelKeyTest, KeysAreAtMost400BytesSoTheirStorageKeyFitsLmdb) {
  std::string four, three;
  for (int i = 0; i < 100; ++i) four += "\xf0\x9f\x98\x80";  // 100 characters, 400 bytes
  EXPECT_TRUE(CheckKey(four).ok());
  EXPECT_TRUE(CheckKey(four + "\xf0\x9f\x98\x80").IsInvalidArgument());  // 404 bytes
  for (int i = 0; i < 134; ++i) three += "\xe2\x82\xac";  // 134 characters, 402 bytes
  EXPECT_TRUE(CheckKey(three).IsInvalidArgument());
  EXPECT_TRUE(CheckKey(three.substr(3)).ok());  // 399 bytes
}

TEST(ZitadelValueTest, ValuesAreNonEmptyBase64OfAtMost500000Characters) {
  EXPECT_EQ(*CheckValue("aGVsbG8="), "aGVsbG8=");
  EXPECT_EQ(*CheckValue("aGVsbG8"), "aGVsbG8=");  // stored canonical
  EXPECT_EQ(*CheckValue("-_8"), "+/8=");
  EXPECT_TRUE(CheckValue(std::string(500000, 'A')).ok());
  EXPECT_TRUE(CheckValue(std::string(500004, 'A')).status().IsInvalidArgument());
  EXPECT_TRUE(CheckValue("").status().IsInvalidArgument());
  EXPECT_TRUE(CheckValue("not base64!").status().IsInvalidArgument());
}

TEST(ZitadelEntryTest, StoredEntryRoundTrips) {
  StoredEntry e{"aGVsbG8=", 42, 1700000000123, 1700000000456};
  auto back = DecodeEntry(EncodeEntry(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->value, e.value);
  EXPECT_EQ(back->sequence, 42u);
  EXPECT_EQ(back->created_ms, e.created_ms);
  EXPECT_EQ(back->changed_ms, e.changed_ms);
  EXPECT_FALSE(DecodeEntry("{}").has_value());
  EXPECT_FALSE(DecodeEntry("not json").has_value());
  EXPECT_FALSE(DecodeEntry("{\"value\":1,\"sequence\":1,\"created_ms\":1,\"changed_ms\":1}"));
}

TEST(ZitadelEntryTest, SequenceRoundTrips) {
  EXPECT_EQ(DecodeSequence(EncodeSequence(0)), 0u);
  EXPECT_EQ(DecodeSequence(EncodeSequence(18446744073709551615ull)), 18446744073709551615ull);
  EXPECT_FALSE(DecodeSequence("").has_value());
  EXPECT_FALSE(DecodeSequence("12x").has_value());
}

TEST(ZitadelDetailsTest, SequenceIsAStringAndCreationDateIsOptional) {
  json::value full = json::parse(DetailsJson({7, 1700000000123, 1700000000456, "org-1"}));
  EXPECT_EQ(full.at("sequence"), "7");
  EXPECT_EQ(full.at("creationDate"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(full.at("changeDate"), "2023-11-14T22:13:20.456Z");
  EXPECT_EQ(full.at("resourceOwner"), "org-1");
  json::value change = json::parse(DetailsJson({8, 0, 1700000000456, "org-1"}));
  EXPECT_EQ(change.as_object().if_contains("creationDate"), nullptr);
}

TEST(ZitadelErrorTest, BodyHasGrpcCodeMessageAndTheStatusTagAsId) {
  Response res =
      ErrorFromStatus(WithCode(Status::NotFound("Metadata not found"), "QUERY-Rph32"), "rid");
  EXPECT_EQ(res.result(), http::status::not_found);
  json::value body = json::parse(res.body());
  EXPECT_EQ(body.at("code"), 5);
  EXPECT_EQ(body.at("message"), "Metadata not found (QUERY-Rph32)");
  const json::object& detail = body.at("details").at(0).as_object();
  EXPECT_EQ(detail.at("@type"), "type.googleapis.com/zitadel.v1.ErrorDetail");
  EXPECT_EQ(detail.at("id"), "QUERY-Rph32");
  EXPECT_EQ(detail.at("message"), "Metadata not found");
}

TEST(ZitadelErrorTest, FailedPreconditionIdsGiveGrpcNine) {
  json::value body = json::parse(
      ErrorFromStatus(WithCode(Status::InvalidArgument("No metadata to set"), kIdBulkSetEmpty), "r")
          .body());
  EXPECT_EQ(body.at("code"), 9);
}

TEST(ZitadelErrorTest, MessagesWithoutIdGetOne) {
  const std::string rid = "r";
  Response res = ErrorResponse(ApiError{http::status::payload_too_large, {}, "too big", rid});
  json::value body = json::parse(res.body());
  EXPECT_EQ(body.at("code"), kGrpcResourceExhausted);
  EXPECT_EQ(body.at("details").at(0).at("id"), "MERIDIAN-413");
  EXPECT_EQ(body.at("message"), "too big (MERIDIAN-413)");
}

TEST(ZitadelErrorTest, HttpStatusesMapToGrpcCodes) {
  using S = http::status;
  EXPECT_EQ(GrpcCodeOf(S::bad_request, ""), 3);
  EXPECT_EQ(GrpcCodeOf(S::unauthorized, ""), 16);
  EXPECT_EQ(GrpcCodeOf(S::forbidden, ""), 7);
  EXPECT_EQ(GrpcCodeOf(S::not_found, ""), 5);
  EXPECT_EQ(GrpcCodeOf(S::request_timeout, ""), 4);
  EXPECT_EQ(GrpcCodeOf(S::conflict, ""), 6);
  EXPECT_EQ(GrpcCodeOf(S::too_many_requests, ""), 8);
  EXPECT_EQ(GrpcCodeOf(S::internal_server_error, ""), 13);
  EXPECT_EQ(GrpcCodeOf(S::service_unavailable, ""), 14);
  EXPECT_EQ(GrpcCodeOf(S::insufficient_storage, ""), 8);
  EXPECT_EQ(GrpcCodeOf(S::method_not_allowed, ""), 12);
  EXPECT_EQ(GrpcCodeOf(S::bad_request, kIdBulkSetEmpty), 9);
  EXPECT_EQ(GrpcCodeOf(S::bad_request, kIdBulkRemoveEmpty), 9);
}

TEST(ZitadelErrorTest, InternalFailuresAreNotDescribed) {
  Response res = ErrorFromStatus(Status::Corruption("page 7 checksum"), "r");
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(res.body().find("checksum"), std::string::npos);
  EXPECT_EQ(json::parse(res.body()).at("code"), 13);
}

}  // namespace
}  // namespace meridian::api::zitadel
