// Test harness: WriteLoad, threads that each PATCH distinct attribute names into one bucket
// over their own connection and remember every name answered 204, for crash and shutdown
// tests; and a check that every acknowledged write is present. Start/Stop/Acknowledged are
// called from one thread; acked_count() from any.
#ifndef MERIDIAN_TESTS_SUPPORT_WRITE_LOAD_H_
#define MERIDIAN_TESTS_SUPPORT_WRITE_LOAD_H_

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"

namespace meridian::test {

struct WriteLoadOptions {
  uint16_t port = 0;
  std::string target;  // e.g. "/organizations/attributes/end_user_read_write"
  Headers headers;     // auth and organization
  std::string name_prefix = "load";
  int threads = 4;
  int max_writes_per_thread = 200000;
  // Each thread stops at this age even if nobody calls Stop.
  std::chrono::milliseconds max_duration{30000};
  std::chrono::milliseconds request_timeout{10000};
};

class WriteLoad {
 public:
  explicit WriteLoad(WriteLoadOptions options);
  ~WriteLoad();  // Stop()
  WriteLoad(const WriteLoad&) = delete;
  WriteLoad& operator=(const WriteLoad&) = delete;

  // Starts the threads. A thread ends at Stop, at its first request without an HTTP answer
  // (the node went away), or at its count or time bound.
  void Start();
  // Waits until at least `count` writes were acknowledged or `timeout` passed; whether reached.
  bool WaitForAcks(size_t count, std::chrono::milliseconds timeout) const;
  // Asks the threads to stop and joins them; idempotent.
  void Stop();

  size_t acked_count() const { return acked_count_.load(); }
  // After Stop: name -> JSON value text of every write answered 204.
  std::map<std::string, std::string> Acknowledged() const;
  // After Stop: answers other than 204 ("status: body"), e.g. 503 while draining.
  std::vector<std::string> OtherAnswers() const;

  // The JSON value written for `name` (derived from it, so it can be checked later).
  static std::string ValueFor(const std::string& name);

 private:
  struct PerThread {
    std::vector<std::string> acked;
    std::vector<std::string> other_answers;
  };
  void Run(int index);

  WriteLoadOptions options_;
  std::vector<PerThread> results_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acked_count_{0};
};

// Passes when `bucket` (a GET "result" object) holds every name of `acked` with its value.
testing::AssertionResult HoldsEveryAcknowledgedWrite(
    const boost::json::value& bucket, const std::map<std::string, std::string>& acked);

}  // namespace meridian::test

#endif  // MERIDIAN_TESTS_SUPPORT_WRITE_LOAD_H_
