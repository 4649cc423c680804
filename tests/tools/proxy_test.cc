// Tests of meridian-proxy (tools/proxy/): a proxy and an echo server run in-process on
// 127.0.0.1 with ephemeral ports, each on its own io_context thread; the client is plain POSIX
// sockets with poll() deadlines, so a proxy bug fails a test instead of hanging it.
// Timing checks assert lower bounds (the fault happened) and only loose upper bounds.
#include "tools/proxy/proxy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "tools/proxy/control.h"

namespace meridian::proxy {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// An echo server on its own thread: what it reads it writes back; FIN is answered with FIN.
class EchoServer {
 public:
  EchoServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~EchoServer() {
    ioc_.stop();
    thread_.join();
  }
  std::string address() const { return FormatEndpoint(acceptor_.local_endpoint()); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(ioc_, Echo(std::move(socket)), asio::detached);
    }
  }
  static asio::awaitable<void> Echo(tcp::socket socket) {
    auto token = asio::as_tuple(asio::use_awaitable);
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), token);
      if (ec) break;
      auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(buffer, n), token);
      if (write_ec) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// A proxy with one route "echo" to an EchoServer, on its own thread.
class Harness {
 public:
  explicit Harness(uint64_t seed = 1) : proxy_(ioc_, seed) {
    std::string error;
    auto control = proxy_.ListenControl("127.0.0.1:0", &error);
    EXPECT_TRUE(control) << error;
    control_ = control.value_or(tcp::endpoint());
    echo_port_ = AddRoute(proxy_.AddRoute("echo", "127.0.0.1:0", echo_.address()));
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Harness() {
    ioc_.stop();
    thread_.join();
  }
  ControlReply Ctl(const std::string& command) {
    return SendControlCommand(control_, command, milliseconds(5000));
  }
  // Listen port named by an "ok route NAME LISTEN TARGET" reply; 0 on error.
  static uint16_t AddRoute(const ControlReply& reply) {
    EXPECT_TRUE(reply.ok) << reply.lines.back();
    const std::string& line = reply.lines.back();
    size_t colon = line.find("127.0.0.1:");
    if (!reply.ok || colon == std::string::npos) return 0;
    return static_cast<uint16_t>(std::stoi(line.substr(colon + 10)));
  }
  uint16_t echo_port() const { return echo_port_; }
  const EchoServer& echo() const { return echo_; }

 private:
  EchoServer echo_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc_.get_executor()};
  Proxy proxy_;
  tcp::endpoint control_;
  uint16_t echo_port_ = 0;
  std::thread thread_;
};

// A non-blocking client socket; every wait is a poll() with a deadline.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  // Sends `data` while reading; returns what came back once `expect` bytes arrived, the peer
  // closed, or `timeout` passed. `ended` tells whether the connection ended (EOF or reset).
  std::string Exchange(const std::string& data, size_t expect, milliseconds timeout) {
    std::string got;
    size_t sent = 0;
    auto deadline = Clock::now() + timeout;
    while (got.size() < expect && !ended_ && Clock::now() < deadline) {
      pollfd p{fd_, static_cast<short>(POLLIN | (sent < data.size() ? POLLOUT : 0)), 0};
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 1))) <= 0) continue;
      if ((p.revents & POLLOUT) && sent < data.size()) {
        ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) sent += n;
        if (n < 0 && errno != EAGAIN) ended_ = true;
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        char buffer[65536];
        ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n > 0) got.append(buffer, n);
        if (n == 0 || (n < 0 && errno != EAGAIN)) ended_ = true;
      }
    }
    return got;
  }
  // True once the connection is closed or reset by the far side, waiting at most `timeout`.
  bool EndsWithin(milliseconds timeout) {
    Exchange("", SIZE_MAX, timeout);
    return ended_;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool ended_ = false;
};

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// Round trip of one small message through a connected client.
milliseconds RoundTrip(Client& client) {
  auto start = Clock::now();
  std::string got = client.Exchange("ping", 4, milliseconds(5000));
  EXPECT_EQ(got, "ping");
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

TEST(ProxyTest, BytesPassUnchangedBothWays) {
  Harness h;
  Client client(h.echo_port());
  ASSERT_TRUE(client.connected());
  std::string data = RandomBytes(4 << 20, 7);
  EXPECT_TRUE(client.Exchange(data, data.size(), milliseconds(20000)) == data);
  // A half-close travels through: our FIN reaches the echo server, whose FIN comes back.
  client.ShutdownWrite();
  EXPECT_TRUE(client.EndsWithin(milliseconds(5000)));
}

TEST(ProxyTest, DelayAddsToEachDirectionOfARoundTrip) {
  Harness h;
  Client client(h.echo_port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(h.Ctl("delay echo 50").ok);
  for (int i = 0; i < 3; ++i) {
    milliseconds rtt = RoundTrip(client);
    EXPECT_GE(rtt.count(), 100);
    EXPECT_LT(rtt.count(), 2100);
  }
  ASSERT_TRUE(h.Ctl("delay echo 0").ok);
  EXPECT_LT(RoundTrip(client).count(), 2000);
}

TEST(ProxyTest, DelayedLinkIsPipelinedNotStopAndWait) {
  Harness h;
  ASSERT_TRUE(h.Ctl("delay echo 50").ok);
  Client client(h.echo_port());
  ASSERT_TRUE(client.connected());
  // 8 MiB is 128 chunks of 64 KiB: stop-and-wait would take 128 * 50 ms = 6.4 s each way.
  // Pipelined it is one 100 ms round trip plus copying.
  std::string data = RandomBytes(8 << 20, 11);
  auto start = Clock::now();
  EXPECT_TRUE(client.Exchange(data, data.size(), milliseconds(20000)) == data);
  auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  EXPECT_GE(elapsed, 100);
  EXPECT_LT(elapsed, 3000);
}

TEST(ProxyTest, CutClosesOpenConnectionsAndNewOnesAtOnce) {
  Harness h;
  Client open(h.echo_port());
  ASSERT_TRUE(open.connected());
  RoundTrip(open);
  ControlReply reply = h.Ctl("cut echo");
  ASSERT_TRUE(reply.ok) << reply.lines.back();
  EXPECT_TRUE(open.EndsWithin(milliseconds(2000)));
  Client late(h.echo_port());
  // Refused or closed at once: either way nothing gets through.
  EXPECT_TRUE(!late.connected() || late.EndsWithin(milliseconds(2000)));
  reply = h.Ctl("status");
  ASSERT_TRUE(reply.ok);
  ASSERT_EQ(reply.lines.size(), 2u);
  EXPECT_NE(reply.lines[0].find("cut=yes"), std::string::npos) << reply.lines[0];
  EXPECT_NE(reply.lines[0].find("cut_closed=1"), std::string::npos) << reply.lines[0];
  EXPECT_NE(reply.lines[0].find("refused=1"), std::string::npos) << reply.lines[0];
}

TEST(ProxyTest, HealRestoresACutRoute) {
  Harness h;
  ASSERT_TRUE(h.Ctl("cut echo").ok);
  ASSERT_TRUE(h.Ctl("heal echo").ok);
  Client client(h.echo_port());
  ASSERT_TRUE(client.connected());
  RoundTrip(client);
  ControlReply reply = h.Ctl("status");
  EXPECT_NE(reply.lines[0].find("cut=no"), std::string::npos) << reply.lines[0];
}

TEST(ProxyTest, DropHundredResetsConnectionsAndHealStopsIt) {
  Harness h;
  ASSERT_TRUE(h.Ctl("drop echo 100").ok);
  Client dropped(h.echo_port());
  ASSERT_TRUE(dropped.connected());
  EXPECT_EQ(dropped.Exchange("ping", 4, milliseconds(2000)), "");
  EXPECT_TRUE(dropped.EndsWithin(milliseconds(2000)));
  ControlReply reply = h.Ctl("status");
  EXPECT_NE(reply.lines[0].find("dropped=1"), std::string::npos) << reply.lines[0];

  ASSERT_TRUE(h.Ctl("heal echo").ok);
  Client healed(h.echo_port());
  ASSERT_TRUE(healed.connected());
  for (int i = 0; i < 20; ++i) RoundTrip(healed);
}

// The drop pattern of a seed over a fixed sequence of one-chunk connections.
std::string DropPattern(uint64_t seed) {
  Harness h(seed);
  EXPECT_TRUE(h.Ctl("drop echo 50").ok);
  std::string pattern;
  for (int i = 0; i < 24; ++i) {
    Client client(h.echo_port());
    std::string got = client.Exchange("x", 1, milliseconds(2000));
    pattern += got == "x" ? '.' : 'D';
  }
  return pattern;
}

TEST(ProxyTest, DropDecisionsFollowTheSeed) {
  std::string first = DropPattern(42);
  EXPECT_EQ(first, DropPattern(42));
  EXPECT_NE(first.find('D'), std::string::npos) << first;
  EXPECT_NE(first.find('.'), std::string::npos) << first;
}

TEST(ProxyTest, RoutesAddedAtRuntimeForwardAndShowInStatus) {
  Harness h;
  uint16_t port = Harness::AddRoute(h.Ctl("route extra 127.0.0.1:0 " + h.echo().address()));
  ASSERT_NE(port, 0);
  Client client(port);
  ASSERT_TRUE(client.connected());
  RoundTrip(client);
  ASSERT_TRUE(h.Ctl("delay * 30").ok);
  ControlReply reply = h.Ctl("status");
  ASSERT_TRUE(reply.ok);
  ASSERT_EQ(reply.lines.size(), 3u);
  EXPECT_TRUE(reply.lines[0].starts_with("route echo ")) << reply.lines[0];
  EXPECT_TRUE(reply.lines[1].starts_with("route extra ")) << reply.lines[1];
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(reply.lines[i].find("delay_ms=30"), std::string::npos) << reply.lines[i];
  }
  EXPECT_NE(reply.lines[1].find("active=1"), std::string::npos) << reply.lines[1];
  EXPECT_EQ(reply.lines[2], "ok 2 routes seed=1");
}

TEST(ProxyTest, ControlAnswersErrorsToBadCommands) {
  Harness h;
  const std::string target = h.echo().address();
  // Each must answer "error ..." and change nothing.
  const std::vector<std::string> bad_commands = {
      "",
      "bogus",
      "status extra",
      "delay",
      "delay echo",
      "delay echo -1",
      "delay echo 1.5",
      "delay echo 600001",
      "delay nosuch 10",
      "drop echo 101",
      "drop echo x",
      "drop echo -0.5",
      "cut",
      "cut nosuch",
      "heal echo extra",
      "route x 127.0.0.1:0",
      "route echo 127.0.0.1:0 " + target,      // name taken
      "route bad/name 127.0.0.1:0 " + target,  // name charset
      "route x 10.0.0.1:0 " + target,          // not loopback
      "route x 127.0.0.1:0 127.0.0.1:0",       // target port 0
      "route x 127.0.0.1:99999 " + target,     // port range
      "route x " + target + " " + target,      // listen port in use
      "status\nstatus"};                       // two lines: refused by the client

  for (const std::string& bad : bad_commands) {
    ControlReply reply = h.Ctl(bad);
    EXPECT_FALSE(reply.ok) << "'" << bad << "'";
    ASSERT_FALSE(reply.lines.empty());
    EXPECT_TRUE(reply.lines.back().starts_with("error ")) << reply.lines.back();
  }
  EXPECT_TRUE(h.Ctl("drop echo 12.5").ok);
  EXPECT_TRUE(h.Ctl("heal *").ok);
  EXPECT_TRUE(h.Ctl("help").ok);
}

TEST(ProxyTest, ParseLoopbackAcceptsOnlyTheIpv4Loopback) {
  std::string error;
  EXPECT_EQ(ParseLoopback("127.0.0.1:8081", &error)->port(), 8081);
  EXPECT_FALSE(ParseLoopback("localhost:8081", &error));
  EXPECT_FALSE(ParseLoopback("0.0.0.0:8081", &error));
  EXPECT_FALSE(ParseLoopback("127.0.0.1:", &error));
  EXPECT_FALSE(ParseLoopback("127.0.0.1:65536", &error));
}

}  // namespace
}  // namespace meridian::proxy
