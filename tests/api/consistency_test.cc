// Tests of the consistency headers and commit tokens (api/consistency.h): defaults, both
// levels, the timeout range 1..120, and commit token formatting and strict parsing.
#include "api/consistency.h"

#include <gtest/gtest.h>

#include <string>

namespace meridian::api {
namespace {

using replication::ConsistencyLevel;

class ConsistencyTest : public ::testing::Test {
 protected:
  static Request With(std::string_view level, std::string_view timeout) {
    Request req{http::verb::put, "/x", 11};
    if (!level.empty()) req.set(kConsistencyHeader, level);
    if (!timeout.empty()) req.set(kConsistencyTimeoutHeader, timeout);
    return req;
  }
};

TEST_F(ConsistencyTest, DefaultsToLocalRegionAndThirtySeconds) {
  auto c = ParseWriteConsistency(With("", ""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->level, ConsistencyLevel::kLocalRegion);
  EXPECT_EQ(c->timeout, std::chrono::seconds(30));
  auto t = ParseConsistencyTimeout(With("", ""));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, std::chrono::seconds(30));
}

TEST_F(ConsistencyTest, AcceptsBothLevels) {
  auto local = ParseWriteConsistency(With("local_region", ""));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->level, ConsistencyLevel::kLocalRegion);
  auto all = ParseWriteConsistency(With("all_regions", ""));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->level, ConsistencyLevel::kAllRegions);
  EXPECT_EQ(all->timeout, std::chrono::seconds(30));
}

TEST_F(ConsistencyTest, RejectsAnUnknownLevel) {
  for (const char* level : {"strong", "ALL_REGIONS", "all-regions", "local"}) {
    auto c = ParseWriteConsistency(With(level, ""));
    ASSERT_FALSE(c.ok()) << level;
    EXPECT_TRUE(c.status().IsInvalidArgument()) << level;
    EXPECT_NE(c.status().message().find("SlashID-Required-Consistency"), std::string::npos);
  }
}

TEST_F(ConsistencyTest, AcceptsTimeoutsFromOneToOneHundredTwenty) {
  for (int s : {1, 7, 120}) {
    auto c = ParseWriteConsistency(With("all_regions", std::to_string(s)));
    ASSERT_TRUE(c.ok()) << s << ": " << c.status().ToString();
    EXPECT_EQ(c->timeout, std::chrono::seconds(s));
    EXPECT_EQ(c->level, ConsistencyLevel::kAllRegions);
  }
}

TEST_F(ConsistencyTest, RejectsTimeoutsOutsideTheRangeOrNotAnInteger) {
  for (const char* t :
       {"0", "121", "abc", "5 s", "-1", "1.5", "+5", "0x10", "99999999999999999999"}) {
    auto c = ParseWriteConsistency(With("", t));
    ASSERT_FALSE(c.ok()) << "'" << t << "'";
    EXPECT_TRUE(c.status().IsInvalidArgument()) << t;
    EXPECT_FALSE(ParseConsistencyTimeout(With("", t)).ok()) << t;
  }
}

TEST_F(ConsistencyTest, WhitespaceAroundAHeaderValueIsNotPartOfIt) {
  // RFC 9110 5.5: optional whitespace around a field value is not part of it; Beast drops it
  // when the field is stored, so " 5" arrives as "5".
  auto c = ParseWriteConsistency(With("all_regions ", " 5"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->level, ConsistencyLevel::kAllRegions);
  auto trailing = ParseConsistencyTimeout(With("", "120 "));
  ASSERT_TRUE(trailing.ok());
  EXPECT_EQ(*trailing, std::chrono::seconds(120));
}

TEST_F(ConsistencyTest, AnEmptyTimeoutHeaderIsInvalid) {
  Request req{http::verb::put, "/x", 11};
  req.set(kConsistencyTimeoutHeader, "");
  EXPECT_FALSE(ParseConsistencyTimeout(req).ok());
}

TEST_F(ConsistencyTest, CommitTokenRoundTrips) {
  const CommitToken token = {
      {"n1.0a1b2c3d", 5}, {"n2.ffffffff", 18446744073709551615ull}, {"n3.x", 0}};
  const std::string text = FormatCommitToken(token);
  EXPECT_EQ(text, "n1.0a1b2c3d:5,n2.ffffffff:18446744073709551615,n3.x:0");
  auto parsed = ParseCommitToken(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, token);
}

TEST_F(ConsistencyTest, SingleOriginTokenFormatsWithoutComma) {
  EXPECT_EQ(FormatCommitToken({{"n1.a", 12}}), "n1.a:12");
  EXPECT_EQ(FormatCommitToken({}), "");
}

TEST_F(ConsistencyTest, OriginMayContainAColonTheLastOneSeparatesTheSequence) {
  auto parsed = ParseCommitToken("odd:origin:7");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].first, "odd:origin");
  EXPECT_EQ((*parsed)[0].second, 7u);
}

TEST_F(ConsistencyTest, MalformedTokensAreRejected) {
  for (const char* text : {"", "n1", "n1:", ":5", "n1:x", "n1:5,", ",n1:5", "n1:5,,n2:6", "n1:-1",
                           "n1:5x", "n1: 5", "n1:18446744073709551616"}) {
    auto parsed = ParseCommitToken(text);
    ASSERT_FALSE(parsed.ok()) << "'" << text << "'";
    EXPECT_TRUE(parsed.status().IsInvalidArgument()) << text;
  }
}

TEST_F(ConsistencyTest, OverlongTokenIsRejected) {
  std::string text;
  while (text.size() <= 4096) text += "n1.abcdef:123456,";
  text += "n1:1";
  EXPECT_FALSE(ParseCommitToken(text).ok());
}

}  // namespace
}  // namespace meridian::api
