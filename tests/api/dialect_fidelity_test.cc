// Behaviour a client of the original service relies on, checked through the whole pipeline in
// process (tests/api/in_process_node.h): Ocamba's list conventions, SlashID's and ZITADEL's
// answers where Meridian once differed from the original (docs/ocamba.md, docs/http-api.md,
// docs/zitadel.md "Deliberate differences" list what still differs on purpose).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "tests/api/in_process_node.h"

namespace meridian::api::testing {
namespace {
namespace json = boost::json;
using V = http::verb;

class DialectFidelityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    org_ = node_.CreateOrg("acme");
    key_ = node_.CreateKey(org_, {"read", "write"});
  }
  Headers Key() const { return InProcessNode::Bearer(key_); }

  // Creates an Ocamba property from `body`; returns its id.
  std::string CreateProperty(const std::string& body) {
    Response res = node_.Send(V::post, "/v1/hood/profile-properties", Key(), body);
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    return std::string(json::parse(res.body()).at("id").as_string());
  }
  // The `target`s of a list answer, in order.
  std::vector<std::string> ListTargets(const std::string& query) {
    Response res = node_.Send(V::get, "/v1/hood/profile-properties?" + query, Key());
    EXPECT_EQ(res.result(), http::status::ok) << res.body();
    std::vector<std::string> out;
    if (res.result() != http::status::ok) return out;
    const json::value body = json::parse(res.body());
    for (const auto& item : body.at("items").as_array()) {
      out.emplace_back(item.at("target").as_string());
    }
    return out;
  }

  InProcessNode node_;
  std::string org_, key_;
};

// Ocamba's `sort=a,-b` orders a list (ascending, '-' descending, later keys break ties) before
// `page` cuts it; an unsortable field is refused, not ignored.
TEST_F(DialectFidelityTest, OcambaListHonoursSort) {
  CreateProperty(R"({"label":"Beta","target":"beta","pi_data":1,"exportable":0})");
  CreateProperty(R"({"label":"Alpha","target":"alpha","pi_data":0,"exportable":0})");
  CreateProperty(R"({"label":"Gamma","target":"gamma","pi_data":1,"exportable":1})");
  EXPECT_EQ(ListTargets("system=0&sort=-id").size(), 3u);
  EXPECT_EQ(ListTargets("system=0&sort=label"),
            (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(ListTargets("system=0&sort=-label"),
            (std::vector<std::string>{"gamma", "beta", "alpha"}));
  EXPECT_EQ(ListTargets("system=0&sort=-pi_data,exportable,-target"),
            (std::vector<std::string>{"beta", "gamma", "alpha"}));
  EXPECT_EQ(ListTargets("system=0&sort=-label&page=1,2"),
            (std::vector<std::string>{"gamma", "beta"}));
  for (const std::string bad : {"sort=bogus", "sort=label,,id", "sort=import_aliases"}) {
    Response res = node_.Send(V::get, "/v1/hood/profile-properties?" + bad, Key());
    EXPECT_EQ(res.result(), http::status::bad_request) << bad << ": " << res.body();
    EXPECT_EQ(json::parse(res.body()).at("title"), "Bad request.");
  }
}

// Ocamba's `q_fields=a,b` limits `q` to the named searchable fields.
TEST_F(DialectFidelityTest, OcambaListHonoursQFields) {
  CreateProperty(R"({"label":"Region","target":"region","description":"where the user is"})");
  CreateProperty(R"({"label":"Segment","target":"segment","description":"the region group"})");
  EXPECT_EQ(ListTargets("system=0&q=region"), (std::vector<std::string>{"region", "segment"}));
  EXPECT_EQ(ListTargets("system=0&q=region&q_fields=label"), (std::vector<std::string>{"region"}));
  EXPECT_EQ(ListTargets("system=0&q=region&q_fields=description"),
            (std::vector<std::string>{"segment"}));
  EXPECT_EQ(ListTargets("system=0&q=region&q_fields=target,description").size(), 2u);
  Response res = node_.Send(V::get, "/v1/hood/profile-properties?q=x&q_fields=example", Key());
  EXPECT_EQ(res.result(), http::status::bad_request) << res.body();
}

// Ocamba's filterable fields filter a list by equality (`data_type=number&pi_data=1`), as
// `system=0|1` does; a flag other than 0 or 1 is refused.
TEST_F(DialectFidelityTest, OcambaListFiltersOnFilterableFields) {
  const std::string age = CreateProperty(R"({"label":"Age","data_type":"number","pi_data":1})");
  CreateProperty(R"({"label":"Score","data_type":"number","pi_data":0})");
  CreateProperty(R"({"label":"Nick","data_type":"text","pi_data":1,"example":"jd"})");
  EXPECT_EQ(ListTargets("data_type=number"), (std::vector<std::string>{"age", "score"}));
  EXPECT_EQ(ListTargets("data_type=number&pi_data=1"), (std::vector<std::string>{"age"}));
  EXPECT_EQ(ListTargets("system=0&pi_data=1&sort=-target"),
            (std::vector<std::string>{"nick", "age"}));
  EXPECT_EQ(ListTargets("example=jd"), (std::vector<std::string>{"nick"}));
  EXPECT_EQ(ListTargets("id=" + age), (std::vector<std::string>{"age"}));
  EXPECT_EQ(ListTargets("label=Score&exportable=1&importable=1"),
            (std::vector<std::string>{"score"}));
  for (const std::string bad : {"pi_data=2", "exportable=yes", "system=true"}) {
    Response res = node_.Send(V::get, "/v1/hood/profile-properties?" + bad, Key());
    EXPECT_EQ(res.result(), http::status::bad_request) << bad << ": " << res.body();
  }
}

}  // namespace
}  // namespace meridian::api::testing
