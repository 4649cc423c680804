// Unit tests of the Swift dialect's pure helpers: metadata header parsing with Swift's default
// constraints and messages (api/swift/account_meta.h), the merged-state check, name handling
// and transaction ids (api/swift/swift_http.h).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "api/swift/account_meta.h"
#include "api/swift/swift_http.h"

namespace meridian::api::swift {
namespace {

Request Post(std::vector<std::pair<std::string, std::string>> headers) {
  Request req{http::verb::post, "/v1/AUTH_x", 11};
  for (auto& [name, value] : headers) req.insert(name, value);
  return req;
}

std::string Reason(const Result<MetaUpdate>& r) {
  return r.ok() ? std::string("ok") : std::string(r.status().message());
}

TEST(SwiftNames, NormalizeLowercasesAndTurnsUnderscoreIntoDash) {
  EXPECT_EQ(NormalizeName("Book_Title"), "book-title");
  EXPECT_EQ(NormalizeName("TEMP-URL-KEY"), "temp-url-key");
}

TEST(SwiftNames, TitleCaseFollowsPythonTitle) {
  EXPECT_EQ(TitleCase("book"), "Book");
  EXPECT_EQ(TitleCase("temp-url-key-2"), "Temp-Url-Key-2");
  EXPECT_EQ(TitleCase("a2b"), "A2B");
  EXPECT_EQ(TitleCase("mObY"), "Moby");
}

TEST(SwiftNames, TempUrlKeysAreRecognised) {
  EXPECT_TRUE(IsTempUrlKey("temp-url-key"));
  EXPECT_TRUE(IsTempUrlKey("temp-url-key-2"));
  EXPECT_FALSE(IsTempUrlKey("temp-url-key-3"));
}

TEST(SwiftUtf8, AcceptsValidRejectsInvalid) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\x9a"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8(std::string("a\0b", 3)));
}

TEST(SwiftParse, SetsRemovesAndIgnoresOtherHeaders) {
  auto r = ParseMetaUpdate(Post({{"X-Account-Meta-Book", "MobyDick"},
                                 {"x-account-meta-SUBJECT", ""},
                                 {"X-Remove-Account-Meta-Old", "x"},
                                 {"X-Container-Meta-Other", "ignored"},
                                 {"X-Account-Meta-Temp_URL_Key", "secret"}}));
  ASSERT_TRUE(r.ok()) << Reason(r);
  std::map<std::string, std::string> want{
      {"book", "MobyDick"}, {"subject", ""}, {"old", ""}, {"temp-url-key", "secret"}};
  EXPECT_EQ(r->changes, want);
}

TEST(SwiftParse, SetBeatsRemoveOfTheSameName) {
  auto r =
      ParseMetaUpdate(Post({{"X-Remove-Account-Meta-Book", "x"}, {"X-Account-Meta-BOOK", "kept"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes.at("book"), "kept");
  // An empty set and a remove both remove.
  r = ParseMetaUpdate(Post({{"X-Remove-Account-Meta-Book", "x"}, {"X-Account-Meta-Book", ""}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes.at("book"), "");
}

TEST(SwiftParse, RepeatedHeadersAreJoined) {
  auto r = ParseMetaUpdate(Post({{"X-Account-Meta-A", "1"}, {"x-account-meta-a", "2"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes.at("a"), "1, 2");
}

TEST(SwiftParse, BoundariesOfNameAndValue) {
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Account-Meta-" + std::string(128, 'n'), "v"}}))),
            "ok");
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Account-Meta-" + std::string(129, 'n'), "v"}}))),
            "Metadata name too long: X-Account-Meta-N" + std::string(128, 'n'));
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Account-Meta-V", std::string(256, 'v')}}))), "ok");
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Account-Meta-V", std::string(257, 'v')}}))),
            "Metadata value longer than 256: X-Account-Meta-V");
}

TEST(SwiftParse, CountAndOverallSizeOfTheRequest) {
  std::vector<std::pair<std::string, std::string>> h;
  for (int i = 0; i < 90; ++i) h.emplace_back("X-Account-Meta-K" + std::to_string(i), "");
  EXPECT_EQ(Reason(ParseMetaUpdate(Post(h))), "ok");
  h.emplace_back("X-Account-Meta-K90", "");  // removals count in the request, as in Swift
  EXPECT_EQ(Reason(ParseMetaUpdate(Post(h))), "Too many metadata items; max 90");
  // 16 items of 1 + 255 bytes = 4096 exactly; one byte more is too much.
  std::vector<std::pair<std::string, std::string>> s;
  for (char c = 'a'; c < 'a' + 16; ++c)
    s.emplace_back(std::string("X-Account-Meta-") + c, std::string(255, 'v'));
  EXPECT_EQ(Reason(ParseMetaUpdate(Post(s))), "ok");
  s.emplace_back("X-Account-Meta-z", "v");
  EXPECT_EQ(Reason(ParseMetaUpdate(Post(s))), "Total metadata too large; max 4096");
}

TEST(SwiftParse, EmptyNameBadUtf8AndHugeHeaders) {
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Account-Meta-", "v"}}))),
            "Metadata name cannot be empty");
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Account-Meta-A", "\xff\xfe"}}))),
            "Metadata must be valid UTF-8");
  EXPECT_EQ(Reason(ParseMetaUpdate(Post({{"X-Other", std::string(8193, 'x')}}))),
            "Header value too long: X-Other");
  // Removes are not counted and an unnamed remove is nothing.
  auto r = ParseMetaUpdate(Post({{"X-Remove-Account-Meta-", "x"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->changes.empty());
}

TEST(SwiftMerged, LimitsApplyToStoredPlusNew) {
  std::map<std::string, std::string> stored;
  for (int i = 0; i < 89; ++i) stored["k" + std::to_string(i)] = "v";
  MetaUpdate one{{{"new", "v"}}};
  EXPECT_TRUE(CheckMerged(stored, one).ok());
  stored["k89"] = "v";
  EXPECT_EQ(CheckMerged(stored, one).message(), "Too many metadata items; max 90");
  // Replacing or removing an item does not grow the count.
  EXPECT_TRUE(CheckMerged(stored, MetaUpdate{{{"k1", "w"}, {"k2", ""}}}).ok());

  std::map<std::string, std::string> big{{"a", std::string(4000, 'x')}};
  EXPECT_TRUE(CheckMerged(big, MetaUpdate{{{"b", std::string(94, 'y')}}}).ok());  // 4096
  EXPECT_EQ(CheckMerged(big, MetaUpdate{{{"b", std::string(95, 'y')}}}).message(),
            "Total metadata too large; max 4096");
}

TEST(SwiftMerged, AnOvershotAccountCanBeTrimmed) {
  std::map<std::string, std::string> stored;
  for (int i = 0; i < 95; ++i) stored["k" + std::to_string(i)] = "v";
  EXPECT_TRUE(CheckMerged(stored, MetaUpdate{{{"k1", ""}}}).ok());
  EXPECT_FALSE(CheckMerged(stored, MetaUpdate{{{"other", "v"}}}).ok());
}

TEST(SwiftTransId, HasSwiftsShape) {
  EXPECT_TRUE(std::regex_match(NewTransId(), std::regex("tx[0-9a-f]{21}-[0-9a-f]{10}")));
  EXPECT_TRUE(
      std::regex_match(NewTransId("my job"), std::regex("tx[0-9a-f]{21}-[0-9a-f]{10}my%20job")));
  EXPECT_NE(NewTransId(), NewTransId());
}

TEST(SwiftErrors, PlainTextWithTransId) {
  Response r = PlainError(http::status::bad_request, "Metadata name cannot be empty", "tx1");
  EXPECT_EQ(r.body(), "Metadata name cannot be empty");
  EXPECT_EQ(r[http::field::content_type], "text/plain; charset=UTF-8");
  EXPECT_EQ(r["X-Trans-Id"], "tx1");
  EXPECT_EQ(r["X-Openstack-Request-Id"], "tx1");
}

}  // namespace
}  // namespace meridian::api::swift
