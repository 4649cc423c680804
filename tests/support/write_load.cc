// WriteLoad and HoldsEveryAcknowledgedWrite (see write_load.h).
#include "tests/support/write_load.h"

#include <boost/json.hpp>

namespace meridian::test {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

WriteLoad::WriteLoad(WriteLoadOptions options) : options_(std::move(options)) {}

WriteLoad::~WriteLoad() { Stop(); }

void WriteLoad::Start() {
  results_.assign(static_cast<size_t>(options_.threads), {});
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { Run(i); });
}

void WriteLoad::Run(int index) {
  PerThread& out = results_[static_cast<size_t>(index)];
  HttpClient client(options_.port, options_.request_timeout);
  const auto deadline = Clock::now() + options_.max_duration;
  for (int n = 0; n < options_.max_writes_per_thread && !stop_.load() && Clock::now() < deadline;
       ++n) {
    const std::string name =
        options_.name_prefix + "-t" + std::to_string(index) + "-" + std::to_string(n);
    const std::string value = ValueFor(name);
    Response r = client.Request(http::verb::patch, options_.target, options_.headers,
                                json::serialize(json::object{{name, json::parse(value)}}));
    if (r.status == 0) break;  // the node is gone (killed or draining)
    if (r.status == 204) {
      out.acked.push_back(name);
      acked_count_.fetch_add(1);
    } else if (out.other_answers.size() < 100) {
      out.other_answers.push_back(std::to_string(r.status) + ": " + r.body.substr(0, 200));
    }
  }
}

bool WriteLoad::WaitForAcks(size_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  for (int i = 0; i < 1000000 && Clock::now() < deadline; ++i) {
    if (acked_count_.load() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return acked_count_.load() >= count;
}

void WriteLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::map<std::string, std::string> WriteLoad::Acknowledged() const {
  std::map<std::string, std::string> out;
  for (const auto& r : results_) {
    for (const auto& name : r.acked) out.emplace(name, ValueFor(name));
  }
  return out;
}

std::vector<std::string> WriteLoad::OtherAnswers() const {
  std::vector<std::string> out;
  for (const auto& r : results_)
    out.insert(out.end(), r.other_answers.begin(), r.other_answers.end());
  return out;
}

std::string WriteLoad::ValueFor(const std::string& name) {
  return json::serialize(json::object{{"of", name}, {"length", name.size()}});
}

testing::AssertionResult HoldsEveryAcknowledgedWrite(
    const json::value& bucket, const std::map<std::string, std::string>& acked) {
  if (!bucket.is_object()) return testing::AssertionFailure() << "no bucket to check";
  const json::object& attributes = bucket.as_object();
  size_t missing = 0, wrong = 0;
  std::string examples;
  for (const auto& [name, value] : acked) {
    const json::value* got = attributes.if_contains(name);
    if (got != nullptr && *got == json::parse(value)) continue;
    ++(got == nullptr ? missing : wrong);
    if (missing + wrong <= 5) {
      examples += "\n  " + name + ": " + (got ? json::serialize(*got) : "absent") +
                  ", acknowledged " + value;
    }
  }
  if (missing + wrong == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << missing << " acknowledged writes missing and " << wrong
                                     << " with another value, of " << acked.size() << examples;
}

}  // namespace meridian::test
