// Fuzzes ZITADEL over gRPC-web: the framing of a request body (grpc_web.h DecodeRequestFrame)
// and the protobuf decoding and handling of the six ManagementService requests (rpc.h), end to
// end through the Router of a node over a real store (fuzz_node.h).
// Input: byte 0 picks the method (six, or an unknown one), byte 1 the shape of the call
// (bit 0: the rest is the message and gets a correct frame header, else it is the whole body;
// bit 1: x-zitadel-orgid names the organization; bit 2: the key authenticates, else none;
// bit 3: Content-Type application/grpc-web instead of +proto), the rest the body or message.
// Beyond "no crash": an accepted frame is exactly its header and message; a message that
// parses re-serializes to a fixed point; every answer is well-formed HTTP and, when 200, a
// sequence of consistent frames ending in one trailer frame with a grpc-status of 0..16, a data
// frame only with status 0, holding the method's response message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/zitadel/grpc/grpc_web.h"
#include "tests/fuzz/fuzz_node.h"
#include "zitadel/management.pb.h"

namespace {

using namespace meridian;
using namespace meridian::api;
using namespace meridian::fuzz;
namespace mgmt = ::zitadel::management::v1;
namespace web = meridian::api::zitadel::grpc_web;

constexpr std::string_view kMethods[] = {
    "SetOrgMetadata",    "BulkSetOrgMetadata",    "GetOrgMetadata", "ListOrgMetadata",
    "RemoveOrgMetadata", "BulkRemoveOrgMetadata", "NoSuchMethod"};

// Parses `bytes` as M; if it parses, its serialization must be a fixed point.
template <typename M>
bool ParsesStably(std::string_view bytes) {
  M first;
  if (!first.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  const std::string once = first.SerializeAsString();
  M second;
  if (!second.ParseFromString(once)) Finding("a serialized message does not parse again");
  if (second.SerializeAsString() != once) Finding("serialization is not a fixed point");
  return true;
}

// Whether `bytes` parses as the request (request = true) or response message of `method`.
bool Parses(size_t method, bool request, std::string_view bytes) {
  switch (method) {
    case 0:
      return request ? ParsesStably<mgmt::SetOrgMetadataRequest>(bytes)
                     : ParsesStably<mgmt::SetOrgMetadataResponse>(bytes);
    case 1:
      return request ? ParsesStably<mgmt::BulkSetOrgMetadataRequest>(bytes)
                     : ParsesStably<mgmt::BulkSetOrgMetadataResponse>(bytes);
    case 2:
      return request ? ParsesStably<mgmt::GetOrgMetadataRequest>(bytes)
                     : ParsesStably<mgmt::GetOrgMetadataResponse>(bytes);
    case 3:
      return request ? ParsesStably<mgmt::ListOrgMetadataRequest>(bytes)
                     : ParsesStably<mgmt::ListOrgMetadataResponse>(bytes);
    case 4:
      return request ? ParsesStably<mgmt::RemoveOrgMetadataRequest>(bytes)
                     : ParsesStably<mgmt::RemoveOrgMetadataResponse>(bytes);
    case 5:
      return request ? ParsesStably<mgmt::BulkRemoveOrgMetadataRequest>(bytes)
                     : ParsesStably<mgmt::BulkRemoveOrgMetadataResponse>(bytes);
    default:
      return false;
  }
}

uint32_t BigEndian32(std::string_view b) {
  return (uint32_t{static_cast<unsigned char>(b[0])} << 24) |
         (uint32_t{static_cast<unsigned char>(b[1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[2])} << 8) | static_cast<unsigned char>(b[3]);
}

std::string Framed(std::string_view message) {
  std::string out(web::kFrameHeaderBytes, '\0');
  const auto n = static_cast<uint32_t>(message.size());
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  return out.append(message);
}

void CheckFrameDecoding(std::string_view body) {
  std::string_view message;
  if (!web::DecodeRequestFrame(body, message).ok()) return;
  if (body.size() < web::kFrameHeaderBytes || body[0] != 0 ||
      BigEndian32(body.substr(1)) != message.size() ||
      body.size() != web::kFrameHeaderBytes + message.size() ||
      message != body.substr(web::kFrameHeaderBytes)) {
    Finding("DecodeRequestFrame accepted a body that is not one data frame");
  }
}

// A 200 gRPC-web answer: frames, one trailer at the end, a data frame only when OK.
void CheckGrpcWebAnswer(size_t method, const Response& res) {
  std::string_view rest = res.body();
  bool data = false;
  std::string_view message;
  while (!rest.empty()) {
    if (rest.size() < web::kFrameHeaderBytes) Finding("a truncated frame header in the answer");
    const auto flags = static_cast<unsigned char>(rest[0]);
    const uint32_t length = BigEndian32(rest.substr(1));
    if (rest.size() - web::kFrameHeaderBytes < length) Finding("a frame longer than the answer");
    const std::string_view payload = rest.substr(web::kFrameHeaderBytes, length);
    rest.remove_prefix(web::kFrameHeaderBytes + length);
    if (flags == web::kTrailerFlag) {
      if (!rest.empty()) Finding("bytes after the trailer frame");
      // HTTP/1 header lines: "grpc-status:" then the code (optional whitespace before it).
      const std::string_view key = "grpc-status:";
      if (!payload.starts_with(key)) Finding("the trailer does not start with grpc-status");
      const size_t end = payload.find("\r\n");
      std::string_view value = payload.substr(key.size(), end - std::min(end, key.size()));
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      const std::string code(value);
      if (end == std::string_view::npos || code.empty() || code.size() > 2 ||
          code.find_first_not_of("0123456789") != std::string::npos || std::stoi(code) > 16) {
        Finding("grpc-status is not a code of 0..16");
      }
      if (data && code != "0") Finding("a data frame beside an error status");
      if (data && method < 6 && !Parses(method, false, message)) {
        Finding("the data frame is not the method's response message");
      }
      return;
    }
    if (flags != 0 || data) Finding("an unexpected frame before the trailer");
    data = true;
    message = payload;
  }
  Finding("the answer has no trailer frame");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 2) return 0;
  Node& node = TheNode();
  const size_t method = bytes[0] % std::size(kMethods);
  const uint8_t shape = bytes[1];
  const std::string_view rest(reinterpret_cast<const char*>(bytes) + 2, size - 2);
  const std::string body = (shape & 1) != 0 ? Framed(rest) : std::string(rest);
  CheckFrameDecoding(body);
  if ((shape & 1) != 0) Parses(method, true, rest);

  Request req{http::verb::post,
              "/zitadel.management.v1.ManagementService/" + std::string(kMethods[method]), 11};
  req.set(http::field::content_type,
          (shape & 8) != 0 ? "application/grpc-web" : "application/grpc-web+proto");
  if ((shape & 4) != 0) req.set(http::field::authorization, "Bearer " + node.key());
  if ((shape & 2) != 0) req.set("x-zitadel-orgid", node.org());
  req.body() = body;
  req.prepare_payload();
  Response res = node.Dispatch(std::move(req));
  CheckResponse(res);
  if (res.result() == http::status::ok) CheckGrpcWebAnswer(method, res);
  return 0;
}
