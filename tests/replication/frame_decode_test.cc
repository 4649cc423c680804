// Tests of the socket-free frame checks (replication/net/framing.h) that ReadFrame applies and
// tests/fuzz/replication_frame_fuzz drives: the length prefix bound, undecodable bodies, other
// versions, and the round trip of EncodeFrame.
#include <gtest/gtest.h>

#include <string>

#include "replication/net/framing.h"

namespace meridian::replication {
namespace {

TEST(FrameDecodeTest, LengthPrefixIsBigEndianAndBounded) {
  const unsigned char small[4] = {0, 0, 1, 2};
  auto length = DecodeFrameLength(small);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 258u);
  const unsigned char huge[4] = {0xff, 0xff, 0xff, 0xff};
  EXPECT_FALSE(DecodeFrameLength(huge).ok());
}

TEST(FrameDecodeTest, EncodedFrameDecodesAgain) {
  pb::Frame frame;
  frame.mutable_ack()->set_applied_seq(42);
  const std::string bytes = EncodeFrame(frame);
  unsigned char header[4];
  for (int i = 0; i < 4; ++i) header[i] = static_cast<unsigned char>(bytes[i]);
  auto length = DecodeFrameLength(header);
  ASSERT_TRUE(length.ok());
  ASSERT_EQ(*length, bytes.size() - 4);
  auto decoded = DecodeFrameBody(std::string_view(bytes).substr(4));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->ack().applied_seq(), 42u);
}

TEST(FrameDecodeTest, GarbageAndOtherVersionsAreCorruption) {
  EXPECT_FALSE(DecodeFrameBody(std::string("\xff\xff\xff", 3)).ok());
  pb::Frame frame;
  frame.set_version(kProtocolVersion + 1);
  EXPECT_FALSE(DecodeFrameBody(frame.SerializeAsString()).ok());
}

}  // namespace
}  // namespace meridian::replication
