// Tests of the HTTP edge's last line of defence (api/http_server.h) in process, over a real
// socket on 127.0.0.1: a response header value with CR, LF or NUL is never written (500
// instead), a handler that throws answers 500 without ending the process, and requests are read
// whole however their bytes arrive (pipelined in one segment, or split inside head and body).
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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
    router_.Add(http::verb::post, "/echo", [](Call& call) -> asio::awaitable<Response> {
      co_return MakeResponse(http::status::ok, "echo:" + call.req.body(), "text/plain");
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

  // Sends `pieces` on one connection, 50 ms apart, and returns all it receives until the server
  // closes the connection (at most 10 s).
  std::string Exchange(const std::vector<std::string>& pieces) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    if (ec) return "connect failed: " + ec.message();
    for (const auto& piece : pieces) {
      asio::write(socket, asio::buffer(piece), ec);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string received;
    socket.non_blocking(true);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      char chunk[4096];
      const size_t n = socket.read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) break;  // closed by the server
      received.append(chunk, n);
    }
    return received;
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

TEST_F(HttpServerTest, PipelinedRequestsInOneSegmentAreAnsweredInOrder) {
  // Head, head with body, head: all already buffered after the first read.
  const std::string all =
      Exchange({"GET /fine HTTP/1.1\r\nHost: x\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                "GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"});
  const size_t first = all.find("\r\n\r\nfine");
  const size_t echo = all.find("\r\n\r\necho:hello");
  const size_t last = all.rfind("\r\n\r\nfine");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(echo, std::string::npos) << all;
  EXPECT_LT(first, echo);
  EXPECT_LT(echo, last);
}

TEST_F(HttpServerTest, ARequestSplitInsideItsHeadAndBodyIsReadWhole) {
  const std::string all =
      Exchange({"POST /echo HTTP/1.1\r\nHo", "st: x\r\nContent-Length: 6\r\n\r\nab", "cdef",
                "GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"});
  const size_t echo = all.find("\r\n\r\necho:abcdef");
  ASSERT_NE(echo, std::string::npos) << all;
  EXPECT_NE(all.find("\r\n\r\nfine", echo), std::string::npos) << all;
}

}  // namespace
}  // namespace meridian::api
