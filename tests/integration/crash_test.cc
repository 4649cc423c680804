// Crash durability (docs/architecture.md, "Failure behaviour"): a 2xx on a write means it is
// committed with fsync. Under a concurrent write load the node is killed with SIGKILL, restarted on
// the same data directory, and every write that was answered 204 must be there with its value.
// Writes that were in flight may or may not be there, but never half-written. Five rounds, each
// bounded in writes and time.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "tests/support/bucket_test.h"
#include "tests/support/write_load.h"

namespace meridian::test {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class CrashTest : public BucketTest {
 protected:
  // Every attribute of `bucket` named like a load write holds exactly ValueFor(name).
  testing::AssertionResult NoTornValues(const json::value& bucket) {
    if (!bucket.is_object()) return testing::AssertionFailure() << "no bucket";
    for (const auto& [name, value] : bucket.as_object()) {
      if (!std::string_view(name).starts_with("crash")) continue;
      if (value != json::parse(WriteLoad::ValueFor(name))) {
        return testing::AssertionFailure() << name << " holds " << json::serialize(value);
      }
    }
    return testing::AssertionSuccess();
  }
};

TEST_F(CrashTest, AcknowledgedWritesSurviveKill9) {
  constexpr int kRounds = 5;
  const auto deadline = Clock::now() + 300s;
  ASSERT_EQ(Patch(kReadOnly, R"({"before":"the crashes"})").status, 204);
  std::map<std::string, std::string> acked_so_far;
  int rounds = 0;
  for (int round = 0; round < kRounds && Clock::now() < deadline; ++round, ++rounds) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    WriteLoadOptions options;
    options.port = node().port();
    options.target = BucketPath(kReadWrite);
    options.headers = Auth();
    options.name_prefix = "crash" + std::to_string(round);
    options.threads = 4;
    options.max_writes_per_thread = 5000;
    options.max_duration = 30s;
    WriteLoad load(options);
    load.Start();
    // Kill at a different point of the load each round.
    EXPECT_TRUE(load.WaitForAcks(20 + 40 * static_cast<size_t>(round), 20s))
        << "only " << load.acked_count() << " writes acknowledged";
    node().Kill9();
    load.Stop();
    EXPECT_TRUE(load.OtherAnswers().empty())
        << load.OtherAnswers().size() << " unexpected answers, e.g. " << load.OtherAnswers()[0];
    const auto acked = load.Acknowledged();
    EXPECT_GT(acked.size(), 0u);
    acked_so_far.insert(acked.begin(), acked.end());

    ASSERT_TRUE(node().Start());
    const json::value bucket = Attributes(kReadWrite);
    EXPECT_TRUE(HoldsEveryAcknowledgedWrite(bucket, acked_so_far));
    EXPECT_TRUE(NoTornValues(bucket));
    EXPECT_EQ(Attributes(kReadOnly), json::parse(R"({"before":"the crashes"})"));
    EXPECT_EQ(Client().Request(http::verb::get, "/readyz").status, 200);
    if (HasFailure()) break;
  }
  EXPECT_EQ(rounds, kRounds) << "stopped early (time bound or failure)";
  // The node accepts writes after the last crash.
  EXPECT_EQ(Patch(kReadWrite, R"({"after":"all"})").status, 204);
}

// A crash during replace-all writes (PUT of one bucket and of several buckets at once):
// afterwards each bucket holds exactly one of the bodies that were written, never a mix.
TEST_F(CrashTest, ReplaceAllWritesAreAtomicAcrossKill9) {
  const auto deadline = Clock::now() + 120s;
  for (int round = 0; round < 3 && Clock::now() < deadline; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    std::atomic<bool> stop{false};
    std::atomic<int> last_acked{-1};
    std::thread writer([&, port = node().port(), headers = Auth()] {
      HttpClient client(port, 10s);
      for (int n = 0; n < 100000 && !stop.load(); ++n) {
        json::object attrs;
        for (int i = 0; i < 20; ++i) attrs["k" + std::to_string((n + i) % 40)] = n;
        const std::string body = json::serialize(
            json::object{{std::string(kReadWrite), attrs}, {std::string(kNoAccess), attrs}});
        Response r = client.Request(http::verb::put, std::string(kAllBuckets), headers, body);
        if (r.status != 204) break;
        last_acked = n;
      }
    });
    for (int i = 0; i < 4000 && last_acked.load() < 10 * (round + 1); ++i) {
      std::this_thread::sleep_for(5ms);
    }
    node().Kill9();
    stop = true;
    writer.join();
    const int acked = last_acked.load();
    EXPECT_GE(acked, 0);
    ASSERT_TRUE(node().Start());
    const json::value rw = Attributes(kReadWrite);
    const json::value na = Attributes(kNoAccess);
    ASSERT_TRUE(rw.is_object());
    EXPECT_EQ(rw, na) << "the two buckets of one atomic write differ";
    ASSERT_EQ(rw.as_object().size(), 20u) << json::serialize(rw);
    // All 20 values come from one write n >= the last acknowledged one.
    const json::value& first = rw.as_object().begin()->value();
    ASSERT_TRUE(first.is_int64());
    const int64_t n = first.as_int64();
    EXPECT_GE(n, acked);
    for (const auto& [name, value] : rw.as_object()) EXPECT_EQ(value, json::value(n)) << name;
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(rw.as_object().contains("k" + std::to_string((n + i) % 40)));
    }
  }
}

}  // namespace
}  // namespace meridian::test
