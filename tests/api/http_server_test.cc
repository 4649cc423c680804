// Tests of the HTTP edge's last line of defence (api/http_server.h) in process, over a real
// socket on 127.0.0.1: a response header value with CR, LF or NUL is never written (500
// instead), and a handler that throws answers 500 without ending the process.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/http_client.h"

namespace meridian::api {
namespace {

namespace asio = boost::asio;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(http::verb::get, "/forged", [](Call& call) -> asio::awaitable<Response> {
      Response res = MakeResponse(http::status::ok, "ok", "text/plain");
      res.set("X-Echo", call.query == "nul" ? std::string("a\0b", 3) : "a\r\nX-Injected: yes");
      co_return res;
    });
    router_.Add(http::verb::get, "/throws", [](Call&) -> asio::awaitable<Response> {
      throw std::runtime_error("handler bug");
      co_return MakeResponse(http::status::ok, "never");
    });
    router_.Add(http::verb::get, "/fine", [](Call&) -> asio::awaitable<Response> {
      co_return MakeResponse(http::status::ok, "fine", "text/plain");
    });
    server_.emplace(ioc_, &router_, &metrics_, ServerOptions{});
    auto endpoint = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(endpoint.ok());
    port_ = endpoint->port();
    server_->Start();
    thread_ = std::thread([this] { ioc_.run_for(std::chrono::seconds(120)); });
  }
  void TearDown() override {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  test::RawReply Get(const std::string& target) {
    return test::SendRawBytes(port_, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }

  asio::io_context ioc_;
  Router router_;
  Metrics metrics_;
  std::optional<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpServerTest, AResponseHeaderWithCrLfOrNulIsNeverWritten) {
  for (const std::string target : {"/forged", "/forged?nul"}) {
    test::RawReply reply = Get(target);
    EXPECT_EQ(reply.response.status, 500) << reply.bytes;
    EXPECT_FALSE(reply.response.HasHeader("X-Injected")) << reply.bytes;
    EXPECT_FALSE(reply.response.HasHeader("X-Echo")) << reply.bytes;
    EXPECT_EQ(reply.bytes.find("X-Injected"), std::string::npos);
  }
  EXPECT_EQ(Get("/fine").response.status, 200);
}

TEST_F(HttpServerTest, AThrowingHandlerAnswers500AndTheServerGoesOn) {
  test::RawReply reply = Get("/throws");
  EXPECT_EQ(reply.response.status, 500) << reply.bytes;
  EXPECT_EQ(Get("/fine").response.status, 200);
}

}  // namespace
}  // namespace meridian::api
