// Tests of the type-dependent value rules of Attio attributes: the type table, currency codes
// and display types, date and timestamp formats, and default values of every type.
#include <gtest/gtest.h>

#include "api/attio/default_values.h"

namespace meridian::api::attio {
namespace {
namespace json = boost::json;

json::value Static(json::array values) {
  return json::object{{"type", "static"}, {"template", std::move(values)}};
}

Status Check(std::string_view type, json::value one, bool multi = false) {
  return CheckDefaultValue(type, multi, Static(json::array{std::move(one)}));
}

TEST(AttioTypesTest, SeventeenTypesAsListed) {
  EXPECT_EQ(AllTypes().size(), 17u);
  EXPECT_NE(FindType("record-reference"), nullptr);
  EXPECT_EQ(FindType("Text"), nullptr);
  EXPECT_FALSE(FindType("interaction")->creatable);
  EXPECT_FALSE(FindType("personal-name")->creatable);
  EXPECT_TRUE(FindType("status")->lists_only);
}

TEST(AttioTypesTest, CurrencyCodesAndDisplayTypes) {
  for (std::string_view code : {"ARS", "NTD", "XPF", "USD", "EUR", "UYU"}) {
    EXPECT_TRUE(IsCurrencyCode(code)) << code;
  }
  for (std::string_view code : {"", "usd", "XXX", "TWD", "USDD"})
    EXPECT_FALSE(IsCurrencyCode(code));
  for (std::string_view d : {"code", "name", "narrowSymbol", "symbol"})
    EXPECT_TRUE(IsDisplayType(d));
  EXPECT_FALSE(IsDisplayType("narrowsymbol"));
}

TEST(AttioTypesTest, CurrencyCodesAreAttiosPublishedList) {
  // Attio's API lists 43 codes today, more than the seed's 38.
  EXPECT_EQ(CurrencyCodes().size(), 43u);
  for (std::string_view code : {"FJD", "HUF", "KES", "IDR", "TRY"}) {
    EXPECT_TRUE(IsCurrencyCode(code)) << code;
  }
}

// The API form of one static template item of `type`.
json::object Rendered(std::string_view type, json::value item,
                      std::optional<std::string> code = std::nullopt) {
  json::value out = RenderDefaultValue(type, code, Static(json::array{std::move(item)}));
  EXPECT_EQ(out.at("type"), "static");
  return out.at("template").as_array().at(0).as_object();
}

TEST(AttioDefaultValueTest, RenderedInAttiosOutputShape) {
  EXPECT_EQ(Rendered("number", json::object{{"value", 3}}),
            (json::object{{"value", 3}, {"attribute_type", "number"}}));
  EXPECT_EQ(Rendered("currency", json::object{{"value", 5}}, "EUR"),
            (json::object{
                {"currency_value", 5}, {"currency_code", "EUR"}, {"attribute_type", "currency"}}));
  EXPECT_EQ(
      Rendered("currency", json::object{{"currency_value", 2}, {"currency_code", "GBP"}}, "EUR")
          .at("currency_code"),
      "GBP");
  EXPECT_EQ(
      Rendered("timestamp", json::object{{"value", "2023-01-02T13:00:00.5+02:00"}}),
      (json::object{{"value", "2023-01-02T11:00:00.500000000Z"}, {"attribute_type", "timestamp"}}));
  EXPECT_EQ(Rendered("timestamp", json::object{{"value", "2024-01-01T01:00:00-03:30"}}).at("value"),
            "2024-01-01T04:30:00.000000000Z");
  EXPECT_EQ(Rendered("timestamp", json::object{{"value", "2024-03-01T00:30:00+01:00"}}).at("value"),
            "2024-02-29T23:30:00.000000000Z");
  EXPECT_EQ(Rendered("domain", json::object{{"domain", "App.Example.com"}}),
            (json::object{{"domain", "app.example.com"},
                          {"root_domain", "example.com"},
                          {"attribute_type", "domain"}}));
  EXPECT_EQ(Rendered("email-address", json::object{{"email_address", "Alice+x@Mail.Example.com"}}),
            (json::object{{"original_email_address", "Alice+x@Mail.Example.com"},
                          {"email_address", "alice+x@mail.example.com"},
                          {"email_domain", "mail.example.com"},
                          {"email_root_domain", "example.com"},
                          {"email_local_specifier", "alice"},
                          {"attribute_type", "email-address"}}));
  EXPECT_EQ(Rendered("phone-number", json::object{{"original_phone_number", "+44 20 7946-0000"}}),
            (json::object{{"original_phone_number", "+44 20 7946-0000"},
                          {"country_code", nullptr},
                          {"phone_number", "+442079460000"},
                          {"attribute_type", "phone-number"}}));
  json::object place = Rendered("location", json::object{{"locality", "Oslo"}, {"latitude", 59.9}});
  EXPECT_EQ(place.size(), 11u);
  EXPECT_EQ(place.at("latitude"), "59.9");
  EXPECT_TRUE(place.at("line_1").is_null());
  EXPECT_EQ(Rendered("select", json::object{{"option", "Red"}}),
            (json::object{{"option", "Red"}, {"attribute_type", "select"}}));
  // Dynamic values and null are already in Attio's shape.
  json::value dynamic = json::object{{"type", "dynamic"}, {"template", "current-user"}};
  EXPECT_EQ(RenderDefaultValue("actor-reference", std::nullopt, dynamic), dynamic);
  EXPECT_TRUE(RenderDefaultValue("text", std::nullopt, nullptr).is_null());
}

TEST(AttioDefaultValueTest, OutputShapeMayBeSentBack) {
  EXPECT_TRUE(Check("number", json::object{{"value", 3}, {"attribute_type", "number"}}).ok());
  EXPECT_FALSE(Check("number", json::object{{"value", 3}, {"attribute_type", "text"}}).ok());
}

TEST(AttioFormatsTest, DatesAndTimestamps) {
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-02-29"));
  EXPECT_FALSE(IsIsoDate("2024-13-01"));
  EXPECT_FALSE(IsIsoDate("2024-1-01"));
  EXPECT_TRUE(IsIsoTimestamp("2022-11-21T13:22:49.061281000Z"));
  EXPECT_TRUE(IsIsoTimestamp("2022-11-21T13:22:49+02:00"));
  EXPECT_FALSE(IsIsoTimestamp("2022-11-21 13:22:49Z"));
  EXPECT_FALSE(IsIsoTimestamp("2022-11-21T25:22:49Z"));
  EXPECT_FALSE(IsIsoTimestamp("2022-11-21T13:22:49"));
}

TEST(AttioDefaultValueTest, NullIsNoDefault) {
  EXPECT_TRUE(CheckDefaultValue("text", false, nullptr).ok());
}

TEST(AttioDefaultValueTest, EveryTypeAcceptsItsWriteFormat) {
  const std::pair<std::string_view, json::value> good[] = {
      {"text", json::object{{"value", "hello"}}},
      {"number", json::object{{"value", 5}}},
      {"checkbox", json::object{{"value", true}}},
      {"currency", json::object{{"currency_value", 9.5}, {"currency_code", "GBP"}}},
      {"currency", json::object{{"value", 5}}},
      {"date", json::object{{"value", "2024-01-31"}}},
      {"timestamp", json::object{{"value", "2024-01-31T10:00:00Z"}}},
      {"rating", json::object{{"value", 4}}},
      {"status", json::object{{"status", "In progress"}}},
      {"select", json::object{{"option", "Gold"}}},
      {"record-reference",
       json::object{{"target_object", "companies"},
                    {"target_record_id", "bf071e1f-6035-429d-b874-d83ea64ea13b"}}},
      {"actor-reference",
       json::object{{"referenced_actor_type", "workspace-member"},
                    {"referenced_actor_id", "bf071e1f-6035-429d-b874-d83ea64ea13b"}}},
      {"location", json::object{{"locality", "Paris"}, {"country_code", "FR"}}},
      {"domain", json::object{{"domain", "example.com"}}},
      {"email-address", json::object{{"email_address", "a@example.com"}}},
      {"phone-number", json::object{{"original_phone_number", "+44 20 7946 0000"}}},
  };
  for (const auto& [type, value] : good) {
    Status st = Check(type, value);
    EXPECT_TRUE(st.ok()) << type << ": " << st.ToString();
  }
}

TEST(AttioDefaultValueTest, EveryTypeRejectsWrongShapes) {
  const std::pair<std::string_view, json::value> bad[] = {
      {"text", json::object{{"value", 5}}},
      {"text", json::object{{"value", ""}}},
      {"text", json::object{{"text", "x"}}},
      {"number", json::object{{"value", "5"}}},
      {"checkbox", json::object{{"value", 1}}},
      {"currency", json::object{{"currency_value", 1}, {"value", 2}}},
      {"currency", json::object{{"currency_value", 1}, {"currency_code", "XXX"}}},
      {"date", json::object{{"value", "31/01/2024"}}},
      {"timestamp", json::object{{"value", "yesterday"}}},
      {"rating", json::object{{"value", 6}}},
      {"rating", json::object{{"value", 2.5}}},
      {"status", json::object{{"status", ""}}},
      {"select", json::object{{"value", "Gold"}}},
      {"record-reference", json::object{{"target_object", "companies"}}},
      {"record-reference",
       json::object{{"target_object", "companies"}, {"target_record_id", "nope"}}},
      {"actor-reference",
       json::object{{"referenced_actor_type", "robot"},
                    {"referenced_actor_id", "bf071e1f-6035-429d-b874-d83ea64ea13b"}}},
      {"location", json::object{}},
      {"location", json::object{{"country_code", "France"}}},
      {"domain", json::object{{"domain", "not a domain"}}},
      {"email-address", json::object{{"email_address", "nobody"}}},
      {"phone-number", json::object{{"original_phone_number", "0207946"}}},
      {"text", json::value("just a string")},
  };
  for (const auto& [type, value] : bad) {
    EXPECT_FALSE(Check(type, value).ok()) << type << ": " << json::serialize(value);
  }
  EXPECT_FALSE(CheckDefaultValue("interaction", false, Static({json::object{{"value", 1}}})).ok());
}

TEST(AttioDefaultValueTest, EnvelopeAndMultiplicity) {
  json::object one{{"value", "a"}};
  EXPECT_FALSE(CheckDefaultValue("text", false, json::value(5)).ok());
  EXPECT_FALSE(CheckDefaultValue("text", false, json::object{{"type", "static"}}).ok());
  EXPECT_FALSE(CheckDefaultValue("text", false,
                                 json::object{{"type", "fixed"}, {"template", json::array{one}}})
                   .ok());
  EXPECT_FALSE(CheckDefaultValue(
                   "text", false,
                   json::object{{"type", "static"}, {"template", json::array{one}}, {"extra", 1}})
                   .ok());
  EXPECT_FALSE(CheckDefaultValue("text", false, Static({})).ok());
  EXPECT_FALSE(CheckDefaultValue("text", false, Static({one, one})).ok());
  json::object option{{"option", "a"}};
  EXPECT_TRUE(CheckDefaultValue("select", true, Static({option, option})).ok());
  json::array many;
  for (int i = 0; i < 101; ++i) many.push_back(option);
  EXPECT_FALSE(CheckDefaultValue("select", true, Static(many)).ok());
}

TEST(AttioDefaultValueTest, DynamicCurrentUserOnlyForActorReferences) {
  json::object dynamic{{"type", "dynamic"}, {"template", "current-user"}};
  EXPECT_TRUE(CheckDefaultValue("actor-reference", false, dynamic).ok());
  EXPECT_FALSE(CheckDefaultValue("text", false, dynamic).ok());
  EXPECT_FALSE(CheckDefaultValue("record-reference", false, dynamic).ok());
  dynamic["template"] = "someone-else";
  EXPECT_FALSE(CheckDefaultValue("actor-reference", false, dynamic).ok());
}

}  // namespace
}  // namespace meridian::api::attio
