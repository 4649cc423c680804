// Node lifecycle end to end: SIGTERM drains (requests in flight are answered, the process
// exits 0 within 10 s, every acknowledged write is there after the restart), and a full LMDB
// map (a small --map-size-mb): writes get 507 in the error envelope, reads keep working,
// earlier data stays intact, and the node restarts.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "tests/support/bucket_test.h"
#include "tests/support/write_load.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using V = http::verb;

class NodeLifecycleTest : public BucketTest {
 protected:
  std::string RawRequest(V method, const std::string& target, const Headers& extra,
                         std::string_view body) {
    std::string out =
        std::string(http::to_string(method)) + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : Auth(extra)) out += name + ": " + value + "\r\n";
    if (!body.empty()) out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    return out;
  }
};

TEST_F(NodeLifecycleTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  Response first = Patch(kReadOnly, R"({"before":"drain"})");
  ASSERT_EQ(first.status, 204);
  const std::string token = first.Header("Meridian-Commit-Token");
  const std::string origin = token.substr(0, token.rfind(':'));

  // In flight 1: a write whose header and half its body have arrived.
  const std::string body = R"({"in_flight":"finished after SIGTERM"})";
  RawConnection slow_write(node().port());
  ASSERT_TRUE(slow_write.Send(RawRequest(V::patch, BucketPath(kReadWrite), {}, body) +
                              body.substr(0, body.size() / 2)));
  // In flight 2: a read waiting (3 s) for a commit token this node will never apply.
  RawConnection waiting_read(node().port());
  ASSERT_TRUE(waiting_read.Send(RawRequest(V::get, BucketPath(kReadWrite),
                                           {{"Meridian-Min-Commit-Token", origin + ":999999999"},
                                            {"SlashID-Required-Consistency-Timeout", "3"}},
                                           "")));
  // In flight 3: a concurrent write load.
  WriteLoadOptions options;
  options.port = node().port();
  options.target = BucketPath(kReadWrite);
  options.headers = Auth();
  options.name_prefix = "drain";
  options.threads = 3;
  options.max_writes_per_thread = 20000;
  options.max_duration = 30s;
  WriteLoad load(options);
  load.Start();
  ASSERT_TRUE(load.WaitForAcks(30, 20s));
  // Let the node read the two unfinished requests' headers (they then count as in flight).
  std::this_thread::sleep_for(300ms);

  ASSERT_TRUE(node().Signal(SIGTERM));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(slow_write.Send(body.substr(body.size() / 2)));
  RawReply write_reply = slow_write.Read(10s);
  EXPECT_EQ(write_reply.response.status, 204)
      << write_reply.response.error << " " << write_reply.bytes.substr(0, 300);
  EXPECT_FALSE(write_reply.response.Header("Meridian-Commit-Token").empty());
  EXPECT_EQ(write_reply.response.Header("Connection"), "close");
  RawReply read_reply = waiting_read.Read(10s);
  EXPECT_TRUE(IsErrorEnvelope(read_reply.response, 408)) << read_reply.bytes.substr(0, 300);

  const int code = node().WaitForExit(10s);
  EXPECT_EQ(code, 0) << "exit code (-1: still running after 10 s); log:\n" << node().ReadLog();
  if (code == NodeProcess::kNotExited) node().Kill9();
  load.Stop();
  const auto acked = load.Acknowledged();
  EXPECT_GE(acked.size(), 30u);
  for (const std::string& answer : load.OtherAnswers()) {
    // While draining a write may only be answered or refused as unavailable.
    EXPECT_EQ(answer.substr(0, 4), "503:") << answer;
  }

  ASSERT_TRUE(node().Start());
  const json::value bucket = Attributes(kReadWrite);
  EXPECT_TRUE(HoldsEveryAcknowledgedWrite(bucket, acked));
  ASSERT_TRUE(bucket.is_object());
  EXPECT_EQ(bucket.at("in_flight"), "finished after SIGTERM");
  EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"before":"drain"})"));
}

TEST_F(NodeLifecycleTest, IdleNodeExitsPromptlyOnSigterm) {
  // Idle keep-alive connections do not hold the drain up.
  HttpClient idle1(node().port()), idle2(node().port());
  EXPECT_EQ(idle1.Request(V::get, "/healthz").status, 200);
  EXPECT_EQ(idle2.Request(V::get, BucketPath(kReadWrite), Auth()).status, 200);
  ASSERT_EQ(Patch(kReadWrite, R"({"a":1})").status, 204);
  const int code = node().Terminate(10s);
  EXPECT_EQ(code, 0) << node().ReadLog();
  ASSERT_TRUE(node().Start());
  EXPECT_EQ(Attributes(kReadWrite), json::parse(R"({"a":1})"));
}

TEST_F(NodeLifecycleTest, FullMapAnswers507AndKeepsServingReads) {
  ASSERT_EQ(Patch(kReadOnly, R"({"early":"data"})").status, 204);
  ASSERT_EQ(Patch(kReadWrite, R"({"seed":1})").status, 204);
  // Restart the same data directory with a 2 MiB map.
  ASSERT_EQ(node().Terminate(), 0);
  node().set_extra_args({"--map-size-mb", "2"});
  ASSERT_TRUE(node().Start());

  // Values of 60 KB under fresh names until the map is full (about 2 MiB; bounded by 200).
  json::object written;
  Response refused;
  for (int i = 0; i < 200; ++i) {
    const std::string name = "fill" + std::to_string(i);
    const std::string value = std::string(60000, static_cast<char>('a' + i % 26));
    Response r = Patch(kReadWrite, json::serialize(json::object{{name, value}}));
    if (r.status == 204) {
      written[name] = value;
      continue;
    }
    refused = r;
    break;
  }
  ASSERT_NE(refused.status, 0) << "the map never filled: " << written.size() << " writes taken";
  EXPECT_TRUE(refused.status == 507 || refused.status == 503) << refused.status << refused.body;
  EXPECT_TRUE(IsErrorEnvelope(refused, refused.status));
  EXPECT_FALSE(refused.HasHeader("Meridian-Commit-Token"));
  EXPECT_GT(written.size(), 0u);

  // Reads work and show everything written before, nothing of the refused write.
  auto expected = [&] {
    json::object all = written;
    all["seed"] = 1;
    return json::value(all);
  };
  EXPECT_EQ(Attributes(kReadWrite), expected());
  EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"early":"data"})"));
  EXPECT_EQ(Client().Request(V::get, "/healthz").status, 200);
  if (refused.status == 507) {
    // A full map is no storage failure (not sticky), but /readyz says why writes are refused.
    // The node's own log truncation may free pages (and clear the flag) at any moment, so the
    // refused write is repeated right before the probe, up to three times.
    Response ready;
    for (int i = 0; i < 3; ++i) {
      const std::string name = "again" + std::to_string(i), big(60000, 'z');
      const int status = Patch(kReadWrite, json::serialize(json::object{{name, big}})).status;
      if (status == 204) written[name] = big;  // truncation had freed room for it
      if (status != 507) continue;
      ready = Client().Request(V::get, "/readyz");
      if (ready.status == 503) break;
    }
    EXPECT_EQ(ready.status, 503);
    EXPECT_NE(ready.body.find("storage full"), std::string::npos) << ready.body;
  }
  // Writes keep being refused cleanly (or, if small enough, taken); never a crash.
  for (int i = 0; i < 3; ++i) {
    Response again =
        Patch(kReadWrite,
              json::serialize(json::object{{"more" + std::to_string(i), std::string(60000, 'z')}}));
    EXPECT_TRUE(again.status == 507 || again.status == 503) << again.status << again.body;
    EXPECT_TRUE(IsErrorEnvelope(again, again.status));
  }
  Response small = Patch(kNoAccess, R"({"tiny":1})");
  EXPECT_TRUE(small.status == 204 || small.status == 507 || small.status == 503) << small.status;
  if (small.status != 204) {
    EXPECT_TRUE(IsErrorEnvelope(small, small.status));
  }
  EXPECT_EQ(Attributes(kReadWrite), expected());

  // Restart on the full map: the data is intact.
  const int code = node().Terminate();
  EXPECT_EQ(code, 0) << node().ReadLog();
  ASSERT_TRUE(node().Start()) << "restart on a full map failed";
  EXPECT_EQ(Attributes(kReadWrite), expected());
  EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"early":"data"})"));
  // With a larger map the node takes writes again.
  ASSERT_EQ(node().Terminate(), 0);
  node().set_extra_args({});
  ASSERT_TRUE(node().Start());
  EXPECT_EQ(Patch(kReadWrite, R"({"after":"growing"})").status, 204);
  json::value grown = expected();
  grown.as_object()["after"] = "growing";
  EXPECT_EQ(Attributes(kReadWrite), grown);
}

}  // namespace
}  // namespace meridian::test
