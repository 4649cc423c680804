// Value rules of Attio attribute definitions that depend only on the attribute's type: the 17
// types and what each allows, the ISO 4217 codes and display types of config.currency, and the
// shape of default values (static templates typed by the attribute's type, or the dynamic
// "current-user" of actor references). Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/base/status.h"

namespace meridian::api::attio {

struct TypeInfo {
  std::string_view name;
  bool creatable;       // false: only system attributes have it (interaction, personal-name)
  bool multiselect_ok;  // is_multiselect may be true
  bool lists_only;      // status attributes exist on lists only
};

// The 17 types, in the order the reference lists them.
std::span<const TypeInfo> AllTypes();
// nullptr for an unknown type name.
const TypeInfo* FindType(std::string_view name);

// config.currency.default_currency_code: the 43 ISO 4217 codes Attio's API lists, in its order.
std::span<const std::string_view> CurrencyCodes();
bool IsCurrencyCode(std::string_view code);
// config.currency.display_type: code | name | narrowSymbol | symbol.
bool IsDisplayType(std::string_view display_type);

inline constexpr size_t kMaxTemplateValues = 100;
inline constexpr size_t kMaxDefaultValueBytes = 16 * 1024;

// OK if `value` is null or a valid default value for an attribute of `type` (REQUIRES: a known
// type): {"type": "static", "template": [<value>...]} with one value per element (exactly one
// unless `multiselect`), each shaped as the type's write format, or {"type": "dynamic",
// "template": "current-user"} for actor references. InvalidArgument (validation_type) otherwise.
Status CheckDefaultValue(std::string_view type, bool multiselect, const boost::json::value& value);

// The API form of a default value that passed CheckDefaultValue (stored as written): Attio's
// output-value shape. Each static template item carries `attribute_type` and the fields Attio
// derives for the type (currency_value and currency_code, the attribute's `currency_code` when
// the item names none; domain -> root_domain; email parts; phone_number; every location field;
// timestamps in UTC with nanoseconds). Dynamic values and null come back unchanged.
boost::json::value RenderDefaultValue(std::string_view type,
                                      const std::optional<std::string>& currency_code,
                                      const boost::json::value& stored);

// Format checks shared with the default values (exposed for tests).
bool IsIsoDate(std::string_view s);       // YYYY-MM-DD, a real calendar day
bool IsIsoTimestamp(std::string_view s);  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)

}  // namespace meridian::api::attio
