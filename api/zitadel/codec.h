// Value-level rules and encodings of ZITADEL organization metadata: base64 as protojson reads
// `bytes` fields, key and value limits (docs/zitadel.md), the stored form of one metadata entry,
// and the ObjectDetails JSON. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/base/status.h"

namespace meridian::api::zitadel {

inline constexpr size_t kMaxKeyChars = 200;
// A key is also at most 400 bytes of UTF-8 (so 200 characters of up to two bytes each), so that
// its storage key `<org>\0zitadel:meta\0<key>` always fits LMDB (storage/keys.h).
inline constexpr size_t kMaxKeyBytes = 400;
inline constexpr size_t kMaxValueChars = 500000;  // of the base64 text, as docs/zitadel.md states

// Decodes base64 the way protojson reads `bytes`: the standard alphabet, or the URL-safe one
// when the text holds '-' or '_' (never both); padding optional, but when present it must be
// exact. Strict beyond protojson: no line breaks or other characters, and the unused bits of
// the last character must be zero, so every accepted text has exactly one decoding.
// nullopt for anything else.
std::optional<std::string> DecodeBase64(std::string_view text);
// Standard alphabet with padding (what ZITADEL answers).
std::string EncodeBase64(std::string_view bytes);

// The number of Unicode code points of `s`; nullopt if `s` is not valid UTF-8.
std::optional<size_t> CountCodePoints(std::string_view s);

// OK for a key of 1..200 characters and at most 400 bytes of valid UTF-8; InvalidArgument
// (with an id) otherwise.
Status CheckKey(std::string_view key);
// The canonical (standard, padded) base64 of a valid value: non-empty, at most 500000
// characters, valid base64. InvalidArgument (with an id) otherwise.
Result<std::string> CheckValue(std::string_view base64_text);

// One stored metadata entry (the value of `<org>\0zitadel:meta\0<key>`), JSON text:
//   {"value":"<canonical base64>","sequence":N,"created_ms":N,"changed_ms":N}
struct StoredEntry {
  std::string value;       // canonical base64
  uint64_t sequence = 0;   // the organization's metadata sequence of the last set
  int64_t created_ms = 0;  // when the key was first set (kept across updates)
  int64_t changed_ms = 0;  // the last set
};
std::string EncodeEntry(const StoredEntry& entry);
// nullopt if `text` is not an entry this module wrote.
std::optional<StoredEntry> DecodeEntry(std::string_view text);

// The per-organization sequence record (`<org>\0zitadel:seq\0org`): decimal text.
std::string EncodeSequence(uint64_t sequence);
std::optional<uint64_t> DecodeSequence(std::string_view text);

// ObjectDetails (zitadel.v1): sequence as a string (protojson's uint64), RFC 3339 dates.
// A zero `created_ms` leaves creationDate out, as ZITADEL does on change/remove answers.
struct Details {
  uint64_t sequence = 0;
  int64_t created_ms = 0;
  int64_t changed_ms = 0;
  std::string resource_owner;
};
std::string DetailsJson(const Details& details);

}  // namespace meridian::api::zitadel
