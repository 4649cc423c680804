// Dialect 1: SlashID organization attributes (docs/http-api.md). A thin translation
// of attribute-bucket requests onto the store: validation, then one WriteBatch through the
// shared write path. Handlers are stateless; thread-safe.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "api/pipeline.h"
#include "api/slashid/buckets.h"
#include "storage/keys.h"

namespace meridian::api::slashid {

inline constexpr size_t kMaxNameBytes = 70;
inline constexpr size_t kMaxValueBytes = 64 * 1024;
// `<org>\0attr:<bucket>\0<name>` always fits LMDB (storage/keys.h).
static_assert(storage::KeyFits(std::string_view("attr:").size() + kMaxBucketNameBytes,
                               kMaxNameBytes));

// The dialect's error body: {"meta": {}, "errors": [{"httpcode": N, "message": "..."}]}.
Response ErrorResponse(http::status status, std::string_view message,
                       const std::string& request_id);

// The dialect: every /organizations/attributes* and /organizations/attribute-buckets route.
const Dialect& AttributesDialect();

}  // namespace meridian::api::slashid
