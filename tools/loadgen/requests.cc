// Raw request formatting (see requests.h).
#include "requests.h"

#include <charconv>

namespace meridian::loadgen {
namespace {

void AppendInt(uint64_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out->append(digits, end);
}

}  // namespace

std::string AttributeName(int index) {
  std::string name = "k";
  AppendInt(static_cast<uint64_t>(index), &name);
  return name;
}

void AppendValue(int bytes, uint64_t stamp, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t start = out->size();
  out->append(static_cast<size_t>(bytes), 'v');
  for (int i = 0; i < 16 && i < bytes; ++i) {
    (*out)[start + static_cast<size_t>(i)] = kHex[(stamp >> (60 - 4 * i)) & 0xf];
  }
}

RequestBuilder::RequestBuilder(const Options& options, const std::vector<OrgCreds>& creds)
    : value_bytes_(options.value_bytes) {
  for (const OrgCreds& org : creds) {
    org_headers_.push_back("Host: " + options.HostHeader() + "\r\nAuthorization: Bearer " +
                           org.key + "\r\nSlashID-OrgID: " + org.id + "\r\n");
    zitadel_headers_.push_back("Host: " + options.HostHeader() + "\r\nAuthorization: Bearer " +
                               org.key + "\r\n");
  }
  patch_headers_ = "Content-Type: application/json\r\n";
  if (!options.consistency.empty()) {
    patch_headers_ += "SlashID-Required-Consistency: " + options.consistency + "\r\n";
  }
  if (options.consistency_timeout_s > 0) {
    patch_headers_ +=
        "SlashID-Required-Consistency-Timeout: " + std::to_string(options.consistency_timeout_s) +
        "\r\n";
  }
}

void RequestBuilder::Patch(int org, int key, uint64_t stamp, std::string* out) const {
  const std::string name = AttributeName(key);
  out->clear();
  out->append("PATCH ").append(kBucketPath).append(" HTTP/1.1\r\n");
  out->append(org_headers_[static_cast<size_t>(org)]).append(patch_headers_);
  // Body is {"<name>":"<value>"}: 7 bytes of punctuation around the name and the value.
  out->append("Content-Length: ");
  AppendInt(name.size() + static_cast<size_t>(value_bytes_) + 7, out);
  out->append("\r\n\r\n{\"").append(name).append("\":\"");
  AppendValue(value_bytes_, stamp, out);
  out->append("\"}");
}

void RequestBuilder::Get(int org, int key, std::string* out) const {
  out->clear();
  out->append("GET ").append(kBucketPath).append("?attributes=");
  out->append(AttributeName(key)).append(" HTTP/1.1\r\n");
  out->append(org_headers_[static_cast<size_t>(org)]).append("\r\n");
}

void RequestBuilder::ZitadelSet(int org, int key, uint64_t stamp, std::string* out) const {
  out->clear();
  out->append("POST /management/v1/metadata/").append(AttributeName(key)).append(" HTTP/1.1\r\n");
  out->append(zitadel_headers_[static_cast<size_t>(org)]).append(patch_headers_);
  // Body is {"value":"<value>"}: 12 bytes around the value.
  out->append("Content-Length: ");
  AppendInt(static_cast<size_t>(value_bytes_) + 12, out);
  out->append("\r\n\r\n{\"value\":\"");
  AppendValue(value_bytes_, stamp, out);
  out->append("\"}");
}

}  // namespace meridian::loadgen
