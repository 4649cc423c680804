// StreamedResponse (api/http_server.h) over a real socket on 127.0.0.1: a body many pieces long
// arrives whole with its Content-Length and the connection stays usable; a client that does
// not read holds the server to a bounded number of pieces (backpressure); a source that fails
// mid-body closes the connection short of the promised length; HEAD reads nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>
#include <thread>

#include "api/http_server.h"

namespace meridian::api {
namespace {

namespace asio = boost::asio;

// Byte i of every test body.
char BodyByte(uint64_t i) { return static_cast<char>('a' + i % 23); }

// Produces `length` bytes (BodyByte), or fails once `fail_at` bytes were produced.
class PatternSource : public BodySource {
 public:
  PatternSource(uint64_t length, std::atomic<uint64_t>* produced, uint64_t fail_at = UINT64_MAX)
      : length_(length), fail_at_(fail_at), produced_(produced) {}
  asio::awaitable<Result<size_t>> Read(char* out, size_t room) override {
    if (next_ >= fail_at_) co_return Status::IOError("disk gone");
    const size_t n = static_cast<size_t>(std::min<uint64_t>(room, length_ - next_));
    for (size_t i = 0; i < n; ++i) out[i] = BodyByte(next_ + i);
    next_ += n;
    produced_->store(next_);
    co_return n;
  }

 private:
  uint64_t length_;
  uint64_t fail_at_;
  uint64_t next_ = 0;
  std::atomic<uint64_t>* produced_;
};

constexpr uint64_t kBig = uint64_t{64} << 20;  // 256 pieces

class HttpServerStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(http::verb::get, "/stream", [this](Call& call) -> asio::awaitable<Response> {
      const uint64_t length = call.query == "big" ? kBig : 3 * kStreamPieceBytes + 17;
      const uint64_t fail_at = call.query == "fail" ? kStreamPieceBytes : UINT64_MAX;
      co_return StreamedResponse(call, http::status::ok, "application/octet-stream", length,
                                 std::make_shared<PatternSource>(length, &produced_, fail_at));
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
    socket_.connect({asio::ip::make_address("127.0.0.1"), port_});
  }
  void TearDown() override {
    boost::system::error_code ec;
    socket_.close(ec);
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Send(const std::string& request) { asio::write(socket_, asio::buffer(request)); }
  // Reads one response head; returns it (without the blank line), the body bytes already read
  // stay in buffer_.
  std::string ReadHead() {
    boost::system::error_code ec;
    const size_t n = asio::read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n\r\n", ec);
    if (ec) return "";
    std::string head = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return head;
  }
  // Reads up to `length` body bytes (fewer if the server closes).
  std::string ReadBody(uint64_t length) {
    std::string body = std::move(buffer_);
    buffer_.clear();
    boost::system::error_code ec;
    if (body.size() < length) {
      const size_t have = body.size();
      body.resize(length);
      const size_t n = asio::read(socket_, asio::buffer(body.data() + have, length - have), ec);
      body.resize(have + n);
    }
    return body;
  }
  static bool IsPattern(const std::string& body) {
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] != BodyByte(i)) return false;
    }
    return true;
  }

  asio::io_context ioc_;
  Router router_;
  Metrics metrics_;
  std::optional<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<uint64_t> produced_{0};
  asio::io_context client_io_;
  asio::ip::tcp::socket socket_{client_io_};
  std::string buffer_;
};

TEST_F(HttpServerStreamTest, ABodyOfManyPiecesArrivesWholeAndTheConnectionGoesOn) {
  const uint64_t length = 3 * kStreamPieceBytes + 17;
  Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = ReadHead();
  EXPECT_NE(head.find("Content-Length: " + std::to_string(length)), std::string::npos) << head;
  EXPECT_EQ(head.find("chunked"), std::string::npos) << head;
  const std::string body = ReadBody(length);
  ASSERT_EQ(body.size(), length);
  EXPECT_TRUE(IsPattern(body));
  Send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadHead().find("200 OK"), std::string::npos);
  EXPECT_EQ(ReadBody(4), "fine");
}

TEST_F(HttpServerStreamTest, AClientThatDoesNotReadHoldsTheServerToAFewPieces) {
  Send("GET /stream?big HTTP/1.1\r\nHost: x\r\n\r\n");
  // Wait (bounded: 3 s) until the production stalls: socket buffers full, no further piece read.
  uint64_t seen = 0;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const uint64_t now = produced_.load();
    if (now == seen && now > 0) break;
    seen = now;
  }
  // What the kernel's socket buffers hold, plus one piece: far below the body's 64 MiB.
  EXPECT_LT(produced_.load(), kBig / 4);
  EXPECT_GT(produced_.load(), 0u);
  // Reading resumes the production, and the body arrives whole.
  ReadHead();
  const std::string body = ReadBody(kBig);
  ASSERT_EQ(body.size(), kBig);
  EXPECT_TRUE(IsPattern(body));
}

TEST_F(HttpServerStreamTest, ASourceThatFailsMidBodyClosesTheConnectionShort) {
  Send("GET /stream?fail HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = ReadHead();
  EXPECT_NE(head.find("200 OK"), std::string::npos) << head;
  const std::string body = ReadBody(3 * kStreamPieceBytes + 17);
  EXPECT_EQ(body.size(), kStreamPieceBytes);  // the promised length is never reached
  EXPECT_TRUE(IsPattern(body));
}

TEST_F(HttpServerStreamTest, HeadAnswersTheLengthWithoutReadingTheSource) {
  Send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = ReadHead();
  EXPECT_NE(head.find("Content-Length: " + std::to_string(3 * kStreamPieceBytes + 17)),
            std::string::npos)
      << head;
  EXPECT_EQ(produced_.load(), 0u);
  Send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadHead().find("200 OK"), std::string::npos);
}

}  // namespace
}  // namespace meridian::api
