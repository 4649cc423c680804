// Swift response conventions (see swift_http.h).
#include "api/swift/swift_http.h"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "api/pipeline.h"
#include "api/swift/account_meta.h"

namespace meridian::api::swift {

std::string NewTransId(std::string_view extra) {
  std::string hex;
  for (char c : NewUuid()) {
    if (c != '-') hex.push_back(c);
  }
  hex.resize(21);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  char epoch[24];
  std::snprintf(epoch, sizeof epoch, "%010llx", static_cast<unsigned long long>(now));
  std::string id = "tx" + hex + "-" + epoch;
  // Swift appends the client's suffix URL-quoted (safe characters kept), cut at 32 bytes.
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : extra.substr(0, 32)) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      id.push_back(static_cast<char>(c));
    } else {
      id.push_back('%');
      id.push_back(kHex[c >> 4]);
      id.push_back(kHex[c & 15]);
    }
  }
  return id;
}

std::string TransIdFor(const Request& req) {
  auto it = req.find("X-Trans-Id-Extra");
  return NewTransId(it == req.end() ? std::string_view() : std::string_view(it->value()));
}

void SetTransId(Response& res, const std::string& trans_id) {
  res.set("X-Trans-Id", trans_id);
  res.set("X-Openstack-Request-Id", trans_id);
}

Response PlainError(http::status status, std::string_view message, const std::string& trans_id) {
  Response res = MakeResponse(status, std::string(message), "text/plain; charset=UTF-8");
  SetTransId(res, trans_id);
  return res;
}

Status PreconditionFailed(std::string_view message) {
  return WithCode(Status::InvalidArgument(message), kPreconditionCode);
}

Status CheckSwiftPath(std::string_view decoded_path) {
  if (IsValidUtf8(decoded_path)) return Status::Ok();
  return PreconditionFailed("Invalid UTF8 or contains NULL");
}

Response NoContent() {
  Response res{http::status::no_content, 11};
  res.set(http::field::content_type, "text/html; charset=UTF-8");
  return res;
}

}  // namespace meridian::api::swift
