// The Ocamba Hood profile property: its fields, validation of create and PATCH bodies, the
// stored form (JSON text under "ocamba:props"), the answer form, and the system properties
// every organization has (derived, not stored, so they cannot be changed or deleted).
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/status.h"
#include "storage/keys.h"

namespace meridian::api::ocamba {

inline constexpr std::string_view kPropsNamespace = "ocamba:props";
inline constexpr size_t kMaxPropertyIdBytes = 20;
static_assert(storage::KeyFits(kPropsNamespace.size(), kMaxPropertyIdBytes));
inline constexpr size_t kMaxPropertiesPerOrg = 500;
inline constexpr size_t kMaxLabelBytes = 255;
inline constexpr size_t kMaxTargetBytes = 64;
inline constexpr size_t kMaxExampleBytes = 255;
inline constexpr size_t kMaxDescriptionBytes = 1000;
inline constexpr size_t kMaxImportAliases = 20;

struct Property {
  std::string id;  // numeric string
  std::string target;
  std::string label;
  std::string data_type = "text";
  std::string example;
  std::string description;
  std::string export_alias;
  std::vector<std::string> import_aliases;
  int pi_data = 0;
  int importable = 1;
  int exportable = 1;
  bool system = false;
  int64_t create_ms = 0;
  int64_t update_ms = 0;
};

// True for 1..20 ASCII digits.
bool IsPropertyId(std::string_view id);
// A fresh random 16-digit id (never one of the system properties' short ids).
std::string NewPropertyId();
// "YYYY-MM-DD HH:MM:SS" in UTC.
std::string FormatTime(int64_t unix_ms);

// A create body: InvalidArgument naming the first bad field. `label` (or its aliases `name`,
// `property`) is required; `target` defaults to one derived from the label.
Result<Property> ParseCreate(const boost::json::value& body);
// A PATCH body, validated: InvalidArgument for a non-object, a read-only or unknown field, a
// bad value, or no updatable field at all. Returns the fields to apply.
Result<boost::json::object> ParsePatch(const boost::json::value& body);
// Applies fields accepted by ParsePatch.
void ApplyPatch(const boost::json::object& patch, Property& property);

// The stored value (no id, system flag or times: those come from the key and the record).
std::string EncodeStored(const Property& property);
// Corruption if `value` is not what EncodeStored wrote.
Result<Property> DecodeStored(std::string_view id, std::string_view value);
// The answer form: every field, 0/1 integers, times as FormatTime.
boost::json::object ToJson(const Property& property);

// The system properties, in id order, with `org_created_ms` as their times.
std::vector<Property> SystemProperties(int64_t org_created_ms);
// True if `id` or `target` names a system property.
bool IsSystemId(std::string_view id);
bool IsSystemTarget(std::string_view target);

}  // namespace meridian::api::ocamba
