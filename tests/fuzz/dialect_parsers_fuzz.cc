// Fuzzes the dialects' pure parsers: the first byte picks one, the rest is its input (a JSON
// body, header lines `Name: value`, a query string or a stored value). Beyond "no crash", each
// checks what its contract promises: CompactJson is idempotent and valid JSON, an accepted
// base64 text re-encodes to a text that decodes to the same bytes, a parsed Ocamba property
// survives its stored form, and a list page never reaches outside the list.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/attio/attribute_model.h"
#include "api/attio/attribute_request.h"
#include "api/attio/parent_requests.h"
#include "api/attio/registry.h"
#include "api/consistency.h"
#include "api/json_util.h"
#include "api/ocamba/property.h"
#include "api/ocamba/property_list.h"
#include "api/swift/account_meta.h"
#include "api/zitadel/codec.h"
#include "api/zitadel/search.h"

namespace {

using namespace meridian;
using namespace meridian::api;
namespace json = boost::json;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::optional<json::value> Json(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return std::nullopt;
  return v;
}

void FuzzCompactJson(std::string_view text) {
  auto compact = CompactJson(text);
  if (!compact.ok()) return;
  auto again = CompactJson(*compact);
  Check(again.ok() && *again == *compact);
  Check(Json(*compact).has_value());
  if (auto members = ObjectMembers(*compact)) {
    for (const auto& m : *members) Check(CompactJson(m.value).ok());
  }
  (void)JsonQuote(text);
}

void FuzzZitadelCodec(std::string_view text) {
  if (auto bytes = zitadel::DecodeBase64(text)) {
    const std::string canonical = zitadel::EncodeBase64(*bytes);
    auto back = zitadel::DecodeBase64(canonical);
    Check(back && *back == *bytes);
  }
  (void)zitadel::CountCodePoints(text);
  (void)zitadel::CheckKey(text);
  (void)zitadel::CheckValue(text);
  if (auto entry = zitadel::DecodeEntry(text)) (void)zitadel::EncodeEntry(*entry);
  (void)zitadel::DecodeSequence(text);
}

void FuzzZitadelSearch(std::string_view text) {
  if (auto body = Json(text)) (void)zitadel::ParseSearchRequest(*body);
}

void FuzzAttioBodies(std::string_view text) {
  auto body = Json(text);
  if (!body) return;
  (void)attio::ParseCreateBody(*body, attio::Target::kObjects);
  (void)attio::ParseCreateBody(*body, attio::Target::kLists);
  (void)attio::ParsePatchBody(*body);
  (void)attio::ParseObjectBody(*body);
  (void)attio::ParseListBody(*body);
}

void FuzzAttioStored(std::string_view text) {
  (void)attio::DecodeAttribute(text);
  (void)attio::DecodeParent(attio::Target::kObjects, text);
  (void)attio::DecodeParent(attio::Target::kLists, text);
}

// Header lines `Name: value` (at most 64, each field under Beast's 16-bit limits).
Request HeaderRequest(std::string_view text) {
  Request req{http::verb::post, "/v1/AUTH_a", 11};
  for (int lines = 0; !text.empty() && lines < 64; ++lines) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view name = line.substr(0, colon).substr(0, 1000);
    std::string_view value = line.substr(colon + 1).substr(0, 8000);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.insert(name, value);
  }
  return req;
}

void FuzzSwiftAndConsistencyHeaders(std::string_view text) {
  const Request req = HeaderRequest(text);
  if (auto update = swift::ParseMetaUpdate(req); update.ok()) {
    (void)swift::CheckMerged({}, *update);
    for (const auto& [name, value] : update->changes) {
      (void)swift::TitleCase(name);
      (void)swift::IsTempUrlKey(name);
    }
  }
  (void)ParseWriteConsistency(req);
  (void)ParseConsistencyTimeout(req);
}

void FuzzOcambaBodies(std::string_view text) {
  auto body = Json(text);
  if (!body) return;
  if (auto property = ocamba::ParseCreate(*body); property.ok()) {
    property->id = "1234567890123456";
    auto stored = ocamba::DecodeStored(property->id, ocamba::EncodeStored(*property));
    Check(stored.ok());
    (void)ocamba::ToJson(*stored);
    if (auto patch = ocamba::ParsePatch(*body); patch.ok()) {
      ocamba::ApplyPatch(*patch, *property);
      Check(ocamba::DecodeStored(property->id, ocamba::EncodeStored(*property)).ok());
    }
  } else {
    (void)ocamba::ParsePatch(*body);
  }
}

void FuzzOcambaQueryAndStored(std::string_view text) {
  if (auto query = ocamba::ParseListQuery(text); query.ok()) {
    const auto all = ocamba::SystemProperties(1700000000000);
    json::object body = ocamba::ListBody(all, *query);
    Check(body.at("items").as_array().size() <= all.size());
  }
  (void)ocamba::DecodeStored("42", text);
  (void)ocamba::IsPropertyId(text);
  (void)ParseCommitToken(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
      FuzzCompactJson(text);
      break;
    case 1:
      FuzzZitadelCodec(text);
      break;
    case 2:
      FuzzZitadelSearch(text);
      break;
    case 3:
      FuzzAttioBodies(text);
      break;
    case 4:
      FuzzAttioStored(text);
      break;
    case 5:
      FuzzSwiftAndConsistencyHeaders(text);
      break;
    case 6:
      FuzzOcambaBodies(text);
      break;
    case 7:
      FuzzOcambaQueryAndStored(text);
      break;
    case 8:
      (void)swift::IsValidUtf8(text);
      (void)swift::NormalizeName(text);
      break;
  }
  return 0;
}
