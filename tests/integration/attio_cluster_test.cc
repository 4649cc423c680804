// Attio select options and statuses across regions: real meridiand processes in two regions
// (tests/support/local_cluster.h). A write answered at all_regions is readable on every node at
// once, whichever node took it, like every other key. Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/local_cluster.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class AttioClusterTest : public testing::Test {
 protected:
  HttpClient Client(int i) { return HttpClient(cluster_->node(i).address(), 15s); }
  Headers Auth(bool all_regions = false) const {
    Headers h = {{"Authorization", "Bearer " + cluster_->admin_token()}, {"SlashID-OrgID", org_}};
    if (all_regions) {
      h.emplace_back("SlashID-Required-Consistency", "all_regions");
      h.emplace_back("SlashID-Required-Consistency-Timeout", "10");
    }
    return h;
  }
  Response Write(int i, http::verb method, const std::string& target, const std::string& body) {
    return Client(i).Request(method, target, Auth(true), body);
  }
  std::vector<std::string> Titles(int i, const std::string& target) {
    std::vector<std::string> out;
    Response r = Client(i).Request(http::verb::get, target, Auth());
    EXPECT_EQ(r.status, 200) << r.body;
    const json::value v = r.Json();
    if (!v.is_object()) return out;
    for (const auto& o : v.at("data").as_array()) out.emplace_back(o.at("title").as_string());
    return out;
  }

  std::unique_ptr<LocalCluster> cluster_;
  std::string org_;
};

TEST_F(AttioClusterTest, OptionsAndStatusesWrittenAtAllRegionsAreReadableEverywhere) {
  cluster_ = std::make_unique<LocalCluster>(ClusterOptions{.regions = 2, .delay_ms = 5});
  ASSERT_TRUE(cluster_->Start());
  Response org = Client(0).Request(http::verb::post, "/admin/v1/organizations",
                                   cluster_->AdminAuth(), R"({"name":"attio-cluster"})");
  ASSERT_EQ(org.status, 201) << org.body;
  org_ = std::string(org.Json().at("id").as_string());
  // The organization reaches node 1 (bounded wait), then every write below is all_regions.
  bool known = false;
  for (int i = 0; i < 200 && !known; ++i) {
    known = Client(1).Request(http::verb::get, "/v2/objects", Auth()).status == 200;
    if (!known) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(known) << "the organization did not reach node 1";
  ASSERT_EQ(Write(0, http::verb::post, "/v2/objects",
                  R"({"data":{"api_slug":"deals","singular_noun":"D","plural_noun":"Ds"}})")
                .status,
            200);
  const std::string flags =
      R"("description":null,"is_required":false,"is_unique":false,"is_multiselect":false,)"
      R"("config":{})";
  ASSERT_EQ(
      Write(0, http::verb::post, "/v2/objects/deals/attributes",
            R"({"data":{"title":"Colour","api_slug":"colour","type":"select",)" + flags + "}}")
          .status,
      200);
  const std::string options = "/v2/objects/deals/attributes/colour/options";
  Response red = Write(0, http::verb::post, options, R"({"data":{"title":"Red"}})");
  ASSERT_EQ(red.status, 200) << red.body;
  EXPECT_EQ(Titles(1, options), std::vector<std::string>{"Red"});
  // Updated on the other node, by title.
  Response crimson =
      Write(1, http::verb::patch, options + "/Red", R"({"data":{"title":"Crimson"}})");
  ASSERT_EQ(crimson.status, 200) << crimson.body;
  EXPECT_EQ(Titles(0, options), std::vector<std::string>{"Crimson"});
  // Statuses the same way, on a list.
  ASSERT_EQ(
      Write(1, http::verb::post, "/v2/lists", R"({"data":{"name":"Pipe","parent_object":"deals"}})")
          .status,
      200);
  ASSERT_EQ(Write(1, http::verb::post, "/v2/lists/pipe/attributes",
                  R"({"data":{"title":"Stage","api_slug":"stage","type":"status",)" + flags + "}}")
                .status,
            200);
  const std::string statuses = "/v2/lists/pipe/attributes/stage/statuses";
  ASSERT_EQ(Write(1, http::verb::post, statuses, R"({"data":{"title":"Won"}})").status, 200);
  EXPECT_EQ(Titles(0, statuses), std::vector<std::string>{"Won"});
}

}  // namespace
}  // namespace meridian::test
