// Tests of the router (api/router.h) without sockets: Dispatch runs as a coroutine on an
// io_context. Parameters are percent-decoded per segment, unknown paths give 404 and known
// paths with another method 405 in the dialect format of the path's prefix, HEAD matches GET,
// and every response carries X-Request-Id, Date and Server.
#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace meridian::api {
namespace {

namespace asio = boost::asio;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Echoes what the handler saw, so tests can check the parsed Call.
    router_.Add(http::verb::get, "/v1/things/{}/items/{}",
                [this](Call& call) { return Echo(call, "items"); });
    router_.Add(http::verb::get, "/v1/things/{}", [this](Call& call) { return Echo(call, "get"); });
    router_.Add(http::verb::put, "/v1/things/{}", [this](Call& call) { return Echo(call, "put"); });
    router_.Add(http::verb::get, "/health", [this](Call& call) { return Echo(call, "health"); });
    router_.SetErrorFormat(
        "/v1/", [](http::status status, std::string_view message, const std::string& request_id) {
          return MakeResponse(status, "{\"dialect\":\"v1\",\"message\":\"" + std::string(message) +
                                          "\",\"request_id\":\"" + request_id + "\"}");
        });
    router_.SetErrorFormat("/v1/special/",
                           [](http::status status, std::string_view, const std::string&) {
                             return MakeResponse(status, "{\"dialect\":\"special\"}");
                           });
  }

  asio::awaitable<Response> Echo(Call& call, std::string name) {
    calls_++;
    last_params_ = call.params;
    last_path_ = call.path;
    last_query_ = call.query;
    last_request_id_ = call.request_id;
    last_method_ = call.req.method();
    co_return MakeResponse(http::status::ok, name, "text/plain");
  }

  Response Run(http::verb method, std::string_view target,
               std::optional<std::string> request_id = std::nullopt) {
    Request req{method, target, 11};
    if (request_id) req.set("X-Request-Id", *request_id);
    asio::io_context ioc;
    std::optional<Response> out;
    bool failed = false;
    asio::co_spawn(ioc, router_.Dispatch(std::move(req)), [&](std::exception_ptr e, Response r) {
      if (e) {
        failed = true;
      } else {
        out = std::move(r);
      }
    });
    ioc.run_for(std::chrono::seconds(30));
    EXPECT_FALSE(failed) << "Dispatch threw";
    EXPECT_TRUE(out.has_value()) << "Dispatch did not complete";
    return out ? std::move(*out) : Response{};
  }

  Router router_;
  int calls_ = 0;
  std::vector<std::string> last_params_;
  std::string last_path_, last_query_, last_request_id_;
  http::verb last_method_ = http::verb::unknown;
};

TEST_F(RouterTest, MatchesARouteAndPassesDecodedParameters) {
  Response res = Run(http::verb::get, "/v1/things/a%20b/items/x%2Fy?limit=5&q=%41");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "items");
  EXPECT_EQ(calls_, 1);
  // An encoded '/' stays inside its segment.
  EXPECT_EQ(last_params_, (std::vector<std::string>{"a b", "x/y"}));
  EXPECT_EQ(last_path_, "/v1/things/a b/items/x/y");
  EXPECT_EQ(last_query_, "limit=5&q=%41");  // raw, for the handler to parse
  EXPECT_EQ(last_method_, http::verb::get);
}

TEST_F(RouterTest, SameShapeIsRoutedByMethod) {
  EXPECT_EQ(Run(http::verb::get, "/v1/things/t1").body(), "get");
  EXPECT_EQ(Run(http::verb::put, "/v1/things/t1").body(), "put");
  EXPECT_EQ(last_params_, std::vector<std::string>{"t1"});
}

TEST_F(RouterTest, UnknownPathIsNotFoundInTheDialectOfItsPrefix) {
  Response res = Run(http::verb::get, "/v1/nothing/here", "rid-1");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res.body(),
            "{\"dialect\":\"v1\",\"message\":\"no such endpoint\",\"request_id\":\"rid-1\"}");
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, LongestErrorFormatPrefixWins) {
  Response res = Run(http::verb::get, "/v1/special/thing");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res.body(), "{\"dialect\":\"special\"}");
}

TEST_F(RouterTest, PathWithoutAFormatGetsPlainText) {
  Response res = Run(http::verb::get, "/v2/unknown");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res[http::field::content_type], "text/plain");
  EXPECT_EQ(res.body(), "no such endpoint\n");
}

TEST_F(RouterTest, WrongMethodOnAKnownPathIsMethodNotAllowed) {
  Response res = Run(http::verb::delete_, "/v1/things/t1", "rid-2");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res.body(),
            "{\"dialect\":\"v1\",\"message\":\"method not allowed\",\"request_id\":\"rid-2\"}");
  EXPECT_EQ(Run(http::verb::post, "/health").result(), http::status::method_not_allowed);
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, MethodNotAllowedListsThePathsMethodsInAllow) {
  Response res = Run(http::verb::delete_, "/v1/things/t1");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "GET, HEAD, PUT");
  EXPECT_EQ(Run(http::verb::post, "/health")[http::field::allow], "GET, HEAD");
  EXPECT_EQ(Run(http::verb::get, "/v1/nothing")[http::field::allow], "");  // 404: no Allow
}

TEST_F(RouterTest, AbsoluteFormTargetIsRoutedLikeOriginForm) {
  Response res = Run(http::verb::get, "http://example.com:8080/v1/things/t1?q=1");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "get");
  EXPECT_EQ(last_path_, "/v1/things/t1");
  EXPECT_EQ(last_query_, "q=1");
  EXPECT_EQ(Run(http::verb::get, "HTTPS://example.com/health").body(), "health");
}

TEST_F(RouterTest, HeadMatchesAGetRoute) {
  Response res = Run(http::verb::head, "/v1/things/t1");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(last_method_, http::verb::head);  // the handler sees the real method
}

TEST_F(RouterTest, EmptyParameterSegmentDoesNotMatch) {
  EXPECT_EQ(Run(http::verb::get, "/v1/things//items/x").result(), http::status::not_found);
  EXPECT_EQ(Run(http::verb::get, "/v1/things/").result(), http::status::not_found);
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, SegmentCountMustMatch) {
  EXPECT_EQ(Run(http::verb::get, "/v1/things/a/items").result(), http::status::not_found);
  EXPECT_EQ(Run(http::verb::get, "/health/extra").result(), http::status::not_found);
  EXPECT_EQ(Run(http::verb::get, "/health/").result(), http::status::not_found);
  EXPECT_EQ(Run(http::verb::get, "/health").result(), http::status::ok);
}

TEST_F(RouterTest, MalformedTargetIsABadRequest) {
  Response bad_escape = Run(http::verb::get, "/v1/things/%zz");
  EXPECT_EQ(bad_escape.result(), http::status::bad_request);
  EXPECT_EQ(Run(http::verb::get, "v1/things/x").result(), http::status::bad_request);
  EXPECT_EQ(Run(http::verb::get, "*").result(), http::status::bad_request);
  EXPECT_EQ(calls_, 0);
}

TEST_F(RouterTest, EveryResponseHasRequestIdDateAndServer) {
  for (auto [method, target] :
       {std::pair{http::verb::get, "/health"}, std::pair{http::verb::get, "/v1/nope"},
        std::pair{http::verb::post, "/health"}, std::pair{http::verb::get, "/v1/%zz"},
        std::pair{http::verb::get, "/plain/nope"}}) {
    Response res = Run(method, target);
    EXPECT_TRUE(IsUuid(res["X-Request-Id"])) << target;
    EXPECT_EQ(res[http::field::date].size(), 29u) << target;
    EXPECT_EQ(res[http::field::server], "meridian") << target;
  }
}

TEST_F(RouterTest, ClientRequestIdIsEchoedAndPassedToTheHandler) {
  Response res = Run(http::verb::get, "/health", "client-trace-7");
  EXPECT_EQ(res["X-Request-Id"], "client-trace-7");
  EXPECT_EQ(last_request_id_, "client-trace-7");
  Response replaced = Run(http::verb::get, "/health", "has space");
  EXPECT_TRUE(IsUuid(replaced["X-Request-Id"]));
  EXPECT_EQ(last_request_id_, std::string(replaced["X-Request-Id"]));
}

TEST_F(RouterTest, ErrorForFormatsByTargetIgnoringTheQuery) {
  Response res = router_.ErrorFor("/v1/special/x?y=/v1/", http::status::payload_too_large,
                                  "too large", "rid-9");
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(res.body(), "{\"dialect\":\"special\"}");
  EXPECT_EQ(res["X-Request-Id"], "rid-9");
  EXPECT_EQ(res[http::field::server], "meridian");
}

}  // namespace
}  // namespace meridian::api
