// The HTTP edge against a real meridiand over raw sockets: requests that used to crash the
// process (a huge trailer section, a 70,000-byte field), smuggling (Transfer-Encoding not ending
// in chunked, Content-Length conflicts), header injection through the Swift realm, each phase's
// deadline, HTTP/1.0 keep-alive, absolute-form targets, the Authorization scheme's case, Allow
// on 405, and the overload caps (connections, body memory).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {

using namespace std::chrono_literals;
using V = http::verb;
using Clock = std::chrono::steady_clock;

class HttpEdgeTest : public NodeTest {
 protected:
  // Starts a second node whose config file has `limits`; returns its port (0 on failure).
  uint16_t StartWithLimits(const std::string& limits) {
    const std::string config = dir_ + "/limits.json";
    std::ofstream(config) << "{\"limits\":" << limits << "}";
    const std::string addr = StartNode({"--config", config});
    if (addr.empty()) return 0;
    return static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
  }
  // The node still answers.
  void ExpectAlive(uint16_t port) {
    EXPECT_EQ(SendRawBytes(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").response.status, 200);
  }
  static size_t CountAnswers(const std::string& bytes) {
    size_t n = 0;
    for (size_t at = bytes.find("HTTP/1.1 "); at != std::string::npos;
         at = bytes.find("HTTP/1.1 ", at + 1)) {
      ++n;
    }
    return n;
  }
  std::string AdminPost() const {
    return "POST /admin/v1/organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           AdminToken() + "\r\n";
  }
};

TEST_F(HttpEdgeTest, AHugeTrailerSectionIs431AndTheNodeLives) {
  // One trailer field of 200 KiB, then 5,000 small ones: both over the 32 KiB header limit.
  const std::string body = "{\"name\":\"t\"}";
  const std::string head =
      AdminPost() + "Transfer-Encoding: chunked\r\n\r\nc\r\n" + body + "\r\n0\r\n";
  RawReply reply =
      SendRawBytes(node().port(), head + "X-T: " + std::string(200 << 10, 't') + "\r\n\r\n");
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 431)) << reply.bytes.substr(0, 300);
  EXPECT_TRUE(reply.peer_closed);
  std::string many = head;
  for (int i = 0; i < 5000; ++i) many += "X-T" + std::to_string(i) + ": v\r\n";
  reply = SendRawBytes(node().port(), many + "\r\n");
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 431)) << reply.bytes.substr(0, 300);
  // A chunk extension of 100 KiB: the chunk-size line is bounded the same way.
  reply = SendRawBytes(node().port(), AdminPost() + "Transfer-Encoding: chunked\r\n\r\nc;x=" +
                                          std::string(100 << 10, 'e') + "\r\n" + body +
                                          "\r\n0\r\n\r\n");
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 431)) << reply.bytes.substr(0, 300);
  ExpectAlive(node().port());
  // A small trailer is accepted (and dropped).
  reply = SendRawBytes(node().port(), head + "X-T: small\r\n\r\n");
  EXPECT_EQ(reply.response.status, 201) << reply.bytes.substr(0, 300);
}

TEST_F(HttpEdgeTest, AFieldOver64KiBUnderA1MiBHeaderLimitIs431) {
  const uint16_t port = StartWithLimits(R"({"max_header_bytes":1048576})");
  ASSERT_NE(port, 0);
  RawReply reply = SendRawBytes(
      port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'h') + "\r\n\r\n");
  EXPECT_EQ(reply.response.status, 431) << reply.bytes.substr(0, 300);
  reply = SendRawBytes(
      port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-" + std::string(70000, 'n') + ": v\r\n\r\n");
  EXPECT_EQ(reply.response.status, 431) << reply.bytes.substr(0, 300);
  // Many fields under the per-field bound but 300 KiB in all fit the raised limit.
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 10; ++i)
    many += "X-F" + std::to_string(i) + ": " + std::string(30000, 'v') + "\r\n";
  EXPECT_EQ(SendRawBytes(port, many + "\r\n").response.status, 200);
  ExpectAlive(port);
}

TEST_F(HttpEdgeTest, TransferEncodingNotEndingInChunkedIs400AndClosesBeforeAnySecondRequest) {
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string te : {"gzip", "chunked, gzip", "gzip, chunked", "identity", "x"}) {
    RawReply reply = SendRawBytes(node().port(),
                                  AdminPost() + "Transfer-Encoding: " + te + "\r\n\r\n" + smuggled);
    EXPECT_TRUE(IsErrorEnvelope(reply.response, 400)) << te << ": " << reply.bytes;
    EXPECT_TRUE(reply.peer_closed) << te;
    EXPECT_EQ(CountAnswers(reply.bytes), 1u) << te << ": " << reply.bytes;
  }
  // Content-Length with Transfer-Encoding (either order), two different lengths, a bad one.
  for (const std::string fields :
       {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n", "Content-Length: 5, 6\r\n",
        "Content-Length: -5\r\n", "Content-Length: 0x5\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
    RawReply reply = SendRawBytes(node().port(), AdminPost() + fields + "\r\n0\r\n\r\n" + smuggled);
    EXPECT_TRUE(IsErrorEnvelope(reply.response, 400)) << fields << ": " << reply.bytes;
    EXPECT_TRUE(reply.peer_closed) << fields;
    EXPECT_EQ(CountAnswers(reply.bytes), 1u) << fields << ": " << reply.bytes;
  }
}

TEST_F(HttpEdgeTest, SwiftRealmQuotesTheAccountAndNoHeaderIsForged) {
  RawReply reply = SendRawBytes(
      node().port(), "GET /v1/AUTH_a%0d%0aX-Injected:%20yes HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(reply.response.status, 401) << reply.bytes;
  EXPECT_FALSE(reply.response.HasHeader("X-Injected")) << reply.bytes;
  EXPECT_EQ(reply.response.Header("WWW-Authenticate"),
            "Swift realm=\"AUTH_a%0D%0AX-Injected%3A%20yes\"");
}

TEST_F(HttpEdgeTest, ATrickledHeadIsDroppedAtTheReadTimeoutAndIdleAtTheIdleTimeout) {
  const uint16_t port = StartWithLimits(R"({"read_timeout_s":1,"idle_timeout_s":5})");
  ASSERT_NE(port, 0);
  // One byte every 200 ms: the request head never ends; dropped after about 1 s, well
  // before the idle timeout.
  {
    RawConnection conn(port);
    ASSERT_TRUE(conn.connected());
    const auto start = Clock::now();
    bool closed = false;
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 's');
    for (size_t i = 0; i < head.size() && !closed; ++i) {
      closed = !conn.Send(head.substr(i, 1)) || conn.Read(200ms).peer_closed;
    }
    const auto elapsed = Clock::now() - start;
    EXPECT_TRUE(closed);
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, 4500ms) << "dropped at the idle timeout, not the read timeout";
  }
  // A connection waiting for a request (a new one, or kept alive after an answer: the same
  // phase) outlives the read timeout and is closed at the idle one.
  {
    RawConnection conn(port);
    ASSERT_TRUE(conn.connected());
    const auto start = Clock::now();
    const RawReply idle = conn.Read(12s);
    const auto elapsed = Clock::now() - start;
    EXPECT_TRUE(idle.peer_closed);
    EXPECT_GE(elapsed, 4s);
    EXPECT_LT(elapsed, 10s);
  }
}

TEST_F(HttpEdgeTest, Http10KeepAliveIsAnsweredWithKeepAlive) {
  RawConnection conn(node().port());
  ASSERT_TRUE(conn.connected());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const RawReply reply = conn.Read(5s);
    EXPECT_EQ(reply.response.status, 200) << reply.bytes;
    EXPECT_EQ(reply.response.Header("Connection"), "keep-alive") << reply.bytes;
    EXPECT_FALSE(reply.peer_closed);
  }
  // Without keep-alive HTTP/1.0 closes.
  const RawReply reply = SendRawBytes(node().port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(reply.response.status, 200);
  EXPECT_TRUE(reply.peer_closed);
}

TEST_F(HttpEdgeTest, AbsoluteFormTargetsAreServed) {
  RawReply reply = SendRawBytes(node().port(),
                                "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(reply.response.status, 200) << reply.bytes;
  reply = SendRawBytes(node().port(),
                       "GET http://127.0.0.1/admin/v1/organizations HTTP/1.1\r\n"
                       "Host: x\r\nAuthorization: Bearer " +
                           AdminToken() + "\r\n\r\n");
  EXPECT_EQ(reply.response.status, 200) << reply.bytes;
}

TEST_F(HttpEdgeTest, TheAuthorizationSchemeIsCaseInsensitive) {
  for (const std::string scheme : {"BEARER", "bearer", "BeArEr"}) {
    Response r = Client().Request(V::get, "/admin/v1/organizations",
                                  {{"Authorization", scheme + " " + AdminToken()}});
    EXPECT_EQ(r.status, 200) << scheme << ": " << r.body;
  }
  EXPECT_EQ(
      Client()
          .Request(V::get, "/admin/v1/organizations", {{"Authorization", "Basic " + AdminToken()}})
          .status,
      401);
}

TEST_F(HttpEdgeTest, Every405CarriesAllow) {
  Response r = Client().Request(V::delete_, "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
  r = Client().Request(V::put, "/admin/v1/organizations", AdminAuth(), "{}");
  EXPECT_TRUE(IsErrorEnvelope(r, 405)) << r.body;
  EXPECT_NE(r.Header("Allow").find("POST"), std::string::npos) << r.Header("Allow");
  // Swift, ZITADEL, Attio, Ocamba paths: each answers in its own format and lists Allow.
  for (const std::string target :
       {"/info", "/management/v1/orgs/me", "/v2/objects", "/v1/AUTH_x"}) {
    r = Client().Request(V::patch, target);
    if (r.status != 405) continue;  // a path this dialect does not have at all
    EXPECT_FALSE(r.Header("Allow").empty()) << target;
  }
}

TEST_F(HttpEdgeTest, ConnectionsBeyondTheCapServeProbesOnlyThenAreRefused) {
  const uint16_t port = StartWithLimits(R"({"max_connections":4})");
  ASSERT_NE(port, 0);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(held.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(held.back()->Read(5s).response.status, 200);
  }
  // Over the cap: probes still answer, anything else is 503 with Retry-After.
  RawReply reply = SendRawBytes(port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(reply.response.status, 200) << reply.bytes;
  reply = SendRawBytes(port, "GET /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 503)) << reply.bytes;
  EXPECT_EQ(reply.response.Header("Retry-After"), "1");
  EXPECT_TRUE(reply.peer_closed);
  // Beyond the probe reserve (64): refused at accept, without reading.
  for (int i = 0; i < 64; ++i) held.push_back(std::make_unique<RawConnection>(port));
  std::this_thread::sleep_for(300ms);  // let the server accept them
  reply = SendRawBytes(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(reply.response.status == 503 || reply.peer_closed) << reply.bytes;
  if (reply.response.status != 0) {
    EXPECT_EQ(reply.response.Header("Retry-After"), "1");
  }
  // Once connections close, the node serves again.
  held.clear();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = SendRawBytes(port, "GET /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n\r\n")
                 .response.status == 401;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpEdgeTest, BodiesBeyondTheMemoryCapAre503WithRetryAfter) {
  const uint16_t port = StartWithLimits(R"({"max_body_memory_bytes":100000})");
  ASSERT_NE(port, 0);
  // One request announces 90,000 bytes and sends them slowly: they are held for it. The
  // interim 100 shows its header was read (and the bytes taken) before the next request.
  auto slow = std::make_unique<RawConnection>(port);
  ASSERT_TRUE(
      slow->Send("POST /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n"
                 "Expect: 100-continue\r\nContent-Length: 90000\r\n\r\n"));
  ASSERT_EQ(slow->Read(10s).response.status, 100);
  RawReply reply = SendRawBytes(port,
                                "POST /admin/v1/organizations HTTP/1.1\r\nHost: x\r\n"
                                "Content-Length: 20000\r\n\r\n" +
                                    std::string(20000, ' '));
  EXPECT_TRUE(IsErrorEnvelope(reply.response, 503)) << reply.bytes.substr(0, 300);
  EXPECT_EQ(reply.response.Header("Retry-After"), "1");
  // Small bodies still fit beside it; the budget comes back when the slow request ends.
  reply = SendRawBytes(port, AdminPost() + "Content-Length: 12\r\n\r\n{\"name\":\"a\"}");
  EXPECT_EQ(reply.response.status, 201) << reply.bytes.substr(0, 300);
  ASSERT_TRUE(slow->Send("{" + std::string(89999, ' ')));
  slow.reset();
  const std::string big =
      AdminPost() + "Content-Length: 20000\r\n\r\n{\"name\":\"b\"}" + std::string(20000 - 12, ' ');
  int status = 0;
  for (int i = 0; i < 50 && status != 201; ++i) {
    status = SendRawBytes(port, big).response.status;
    if (status != 201) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 201);
}

}  // namespace
}  // namespace meridian::test
