// Wire format of meridian-loadgen's data requests: attribute names, written values, and the raw
// HTTP/1.1 bytes of each PATCH and GET, formatted by hand so the client spends its CPU on the
// socket rather than on a serializer. Immutable after construction; safe to share across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "options.h"

namespace meridian::loadgen {

// The attribute bucket every org has; the workload reads and writes only this one.
inline constexpr std::string_view kBucketPath = "/organizations/attributes/end_user_read_write";

// Credentials of one organization created by the setup phase.
struct OrgCreds {
  std::string id;
  std::string key;  // API key with scopes read and write
};

// "k<index>": URL- and JSON-safe without escaping.
std::string AttributeName(int index);

// Appends a `bytes`-long string of [0-9a-fv] that starts with `stamp` in hex, so successive
// writes of one attribute differ.
void AppendValue(int bytes, uint64_t stamp, std::string* out);

class RequestBuilder {
 public:
  // REQUIRES: creds.size() == options.UsedOrgs().
  RequestBuilder(const Options& options, const std::vector<OrgCreds>& creds);

  // Replaces *out with a PATCH setting attribute `key` of org `org`.
  void Patch(int org, int key, uint64_t stamp, std::string* out) const;
  // Replaces *out with a GET of attribute `key` of org `org`.
  void Get(int org, int key, std::string* out) const;
  // Replaces *out with ZITADEL's JSON SetOrgMetadata of key `key` in org `org`: the value is
  // the PATCH's string read as base64 (its alphabet is base64's).
  void ZitadelSet(int org, int key, uint64_t stamp, std::string* out) const;

 private:
  std::vector<std::string> org_headers_;      // per org: Host, Authorization, SlashID-OrgID lines
  std::vector<std::string> zitadel_headers_;  // per org: Host and Authorization (the key's org)
  std::string patch_headers_;                 // Content-Type and the consistency lines
  int value_bytes_;
};

}  // namespace meridian::loadgen
