// gRPC-web framing of ZITADEL's ManagementService: the request frame decoder refuses every
// malformed body with a gRPC status (never crashes), and answers carry the message frame and
// a trailer frame with grpc-status, the percent-encoded grpc-message and the commit token.
#include <gtest/gtest.h>

#include <string>

#include "api/zitadel/errors.h"
#include "api/zitadel/grpc/grpc_web.h"

namespace meridian::api::zitadel::grpc_web {
namespace {

std::string Header(unsigned char flags, uint32_t length) {
  std::string h(1, static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8)
    h.push_back(static_cast<char>((length >> shift) & 0xff));
  return h;
}

TEST(GrpcWebFrameTest, DecodesOneDataFrame) {
  std::string_view message;
  const std::string body = EncodeDataFrame("abc");
  EXPECT_EQ(body, Header(0, 3) + "abc");
  ASSERT_TRUE(DecodeRequestFrame(body, message).ok());
  EXPECT_EQ(message, "abc");
  // An empty message (every field default) is a frame of length 0.
  ASSERT_TRUE(DecodeRequestFrame(Header(0, 0), message).ok());
  EXPECT_EQ(message, "");
}

TEST(GrpcWebFrameTest, RefusesMalformedFrames) {
  std::string_view message;
  for (const std::string& body :
       {std::string(), std::string("\0\0\0", 3), Header(0, 4) + "abc", Header(0, 2) + "abc",
        Header(0, 0xffffffffu), Header(0x80, 0), Header(0, 1) + "a" + Header(0, 0)}) {
    auto status = DecodeRequestFrame(body, message);
    EXPECT_EQ(status.code, kGrpcInvalidArgument) << body.size();
    EXPECT_NE(status.message.find("MERIDIAN-grpcweb"), std::string::npos);
  }
  // Compressed: Meridian negotiates no grpc-encoding.
  EXPECT_EQ(DecodeRequestFrame(Header(1, 1) + "a", message).code, kGrpcUnimplemented);
}

TEST(GrpcWebFrameTest, TrailerCarriesStatusMessageAndToken) {
  rpc::RpcStatus status{kGrpcDeadlineExceeded, "late (MERIDIAN-408) 100%\n", "n1:7"};
  const std::string text =
      "grpc-status:4\r\ngrpc-message:late (MERIDIAN-408) 100%25%0A\r\n"
      "meridian-commit-token:n1:7\r\n";
  EXPECT_EQ(EncodeTrailerFrame(status), Header(0x80, static_cast<uint32_t>(text.size())) + text);
  EXPECT_EQ(EncodeTrailerFrame({}), Header(0x80, 15) + "grpc-status:0\r\n");
}

TEST(GrpcWebFrameTest, ResponseIsMessageThenTrailer) {
  Response ok = MakeGrpcWebResponse({0, "", "n1:3"}, "xyz");
  EXPECT_EQ(ok.result(), http::status::ok);
  EXPECT_EQ(ok[http::field::content_type], kContentType);
  EXPECT_EQ(ok["Meridian-Commit-Token"], "n1:3");
  EXPECT_EQ(ok.body(), EncodeDataFrame("xyz") + EncodeTrailerFrame({0, "", "n1:3"}));
  // An error carries no message frame.
  Response error = MakeGrpcWebResponse({kGrpcNotFound, "gone", ""}, "ignored");
  EXPECT_EQ(error.body(), EncodeTrailerFrame({kGrpcNotFound, "gone", ""}));
}

TEST(GrpcWebFrameTest, ContentTypes) {
  EXPECT_TRUE(IsGrpcWebProto("application/grpc-web+proto"));
  EXPECT_TRUE(IsGrpcWebProto("application/grpc-web"));
  EXPECT_TRUE(IsGrpcWebProto("Application/GRPC-Web+Proto; charset=binary"));
  EXPECT_FALSE(IsGrpcWebProto("application/grpc-web-text"));
  EXPECT_FALSE(IsGrpcWebProto("application/grpc"));
  EXPECT_FALSE(IsGrpcWebProto("application/json"));
  EXPECT_FALSE(IsGrpcWebProto(""));
}

}  // namespace
}  // namespace meridian::api::zitadel::grpc_web
