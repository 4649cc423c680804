// gRPC-web framing and routes (see grpc_web.h).
#include "api/zitadel/grpc/grpc_web.h"

#include <boost/algorithm/string/predicate.hpp>
#include <cctype>

#include "api/consistency.h"
#include "api/rate_limit.h"
#include "api/zitadel/errors.h"

namespace meridian::api::zitadel::grpc_web {
namespace asio = boost::asio;
namespace {

std::string Frame(unsigned char flags, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  out.push_back(static_cast<char>(flags));
  const auto n = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(payload);
  return out;
}

rpc::RpcStatus Invalid(std::string_view text) {
  return {kGrpcInvalidArgument, Tagged(text, "MERIDIAN-grpcweb"), ""};
}

// The call's metadata: every request header, names lowercased (HTTP/2 and gRPC's form).
rpc::Metadata MetadataOf(const Request& req) {
  rpc::Metadata md;
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    md.emplace_back(std::move(name), std::string(field.value()));
  }
  return md;
}

// Errors raised before a call runs (413, 405, 429, 503) as gRPC-web answers: the gRPC code of
// the HTTP status, in the trailer frame and, for clients that read headers only, in headers.
Response FormatError(http::status status, std::string_view message, const std::string&) {
  const std::string text =
      message.empty() ? std::string(http::obsolete_reason(status)) : std::string(message);
  const std::string id = "MERIDIAN-" + std::to_string(static_cast<unsigned>(status));
  rpc::RpcStatus st{GrpcCodeOf(status, id), Tagged(text, id), ""};
  Response res = MakeGrpcWebResponse(st, {});
  res.result(status);
  res.set("grpc-status", std::to_string(st.code));
  res.set("grpc-message", PercentEncodeMessage(st.message));
  return res;
}

asio::awaitable<Response> Serve(const ApiContext& ctx, Call& call) {
  auto type = call.req.find(http::field::content_type);
  if (type == call.req.end() || !IsGrpcWebProto(type->value())) {
    co_return MakeGrpcWebResponse(
        Invalid("Content-Type must be application/grpc-web+proto or application/grpc-web"), {});
  }
  std::string_view message;
  rpc::RpcStatus decoded = DecodeRequestFrame(call.req.body(), message);
  if (!decoded.ok()) co_return MakeGrpcWebResponse(decoded, {});
  const rpc::Metadata md = MetadataOf(call.req);
  std::string response;
  rpc::RpcStatus status = co_await rpc::Invoke(ctx, call.params[0], md, message, response);
  co_return MakeGrpcWebResponse(status, response);
}

}  // namespace

bool IsGrpcWebProto(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return boost::algorithm::iequals(type, "application/grpc-web") ||
         boost::algorithm::iequals(type, "application/grpc-web+proto");
}

rpc::RpcStatus DecodeRequestFrame(std::string_view body, std::string_view& message) {
  if (body.size() < kFrameHeaderBytes) return Invalid("the request holds no complete gRPC frame");
  const auto flags = static_cast<unsigned char>(body[0]);
  uint32_t length = 0;
  for (size_t i = 1; i < kFrameHeaderBytes; ++i) {
    length = (length << 8) | static_cast<unsigned char>(body[i]);
  }
  if (flags & kTrailerFlag) return Invalid("a request may not carry a trailer frame");
  if (flags != 0) {
    return {kGrpcUnimplemented, Tagged("compressed messages are not supported", "MERIDIAN-grpcweb"),
            ""};
  }
  if (length != body.size() - kFrameHeaderBytes) {
    return Invalid("the gRPC frame length does not match the request body");
  }
  message = body.substr(kFrameHeaderBytes);
  return {};
}

std::string EncodeDataFrame(std::string_view message) { return Frame(0, message); }

std::string PercentEncodeMessage(std::string_view message) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : message) {
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string EncodeTrailerFrame(const rpc::RpcStatus& status) {
  std::string text = "grpc-status:" + std::to_string(status.code) + "\r\n";
  if (!status.message.empty())
    text += "grpc-message:" + PercentEncodeMessage(status.message) + "\r\n";
  if (!status.commit_token.empty()) {
    text += std::string(rpc::kCommitTokenKey) + ":" + status.commit_token + "\r\n";
  }
  return Frame(kTrailerFlag, text);
}

Response MakeGrpcWebResponse(const rpc::RpcStatus& status, std::string_view message) {
  std::string body = status.ok() ? EncodeDataFrame(message) : std::string();
  body += EncodeTrailerFrame(status);
  Response res = MakeResponse(http::status::ok, std::move(body), kContentType);
  // Also as a header, as the JSON dialect answers it.
  if (!status.commit_token.empty()) res.set(kCommitTokenHeader, status.commit_token);
  return res;
}

void RegisterRoutes(Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.SetErrorFormat("/zitadel.management.v1.ManagementService", FormatError);
  // The RPC layer runs the pipeline's prologue itself (rpc.h), as the gRPC port does.
  router.Add(http::verb::post, "/zitadel.management.v1.ManagementService/{}",
             [c](Call& call) { return Serve(*c, call); });
}

}  // namespace meridian::api::zitadel::grpc_web
