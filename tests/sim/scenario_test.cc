// Scripted replication scenarios: tests/replication/testdata/*.txt, one file per protocol rule
// of docs/replication.md (each names its section), run against the simulated cluster of real
// nodes (tests/sim/sim_cluster.h) with the data-driven format of tests/sim/datadriven.h.
// MERIDIAN_REWRITE=1 writes the actual outputs back into the files.
//
// Commands (nodes are numbered from 1):
//   add-node region=R               before start
//   start [max-log=N] [gc-ms=N]     opens every node and connects the links
//   write node=N key=K value=V [level=all|local]     delete node=N key=K [level=...]
//                                   (each runs 5 ms: its commit)
//   read node=N key=K token=ORIGIN:SEQ   a read that waits for a commit token
//   tick ms=N    deliver (tick ms=200)   advance the clock; prints what clients heard
//   drop p=P     duplicate p=P     partition a=N b=N     isolate node=N     heal
//   crash node=N     restart node=N     fail-commit node=N (its next commit fails)
//   dump [node=N]    peers node=N    stats    check (the simulation's invariants)
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "storage/base/log.h"
#include "tests/sim/datadriven.h"
#include "tests/sim/sim_cluster.h"

namespace meridian::sim {
namespace {
namespace fs = std::filesystem;
using replication::ConsistencyLevel;

fs::path TestdataDir() { return MERIDIAN_TESTDATA_DIR; }

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(TestdataDir(), ec)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path().stem().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class Scenario {
 public:
  std::string Handle(const datadriven::Case& c) {
    std::string out = Do(c);
    if (cluster_) {
      for (const auto& e : cluster_->TakeEvents()) out += e + "\n";
      if (!cluster_->failure().empty()) out += "FAILURE " + cluster_->failure() + "\n";
    }
    return out;
  }

 private:
  int Node(const datadriven::Case& c, const std::string& key = "node") {
    return std::stoi(c.Arg(key, "1")) - 1;
  }
  ConsistencyLevel Level(const datadriven::Case& c) {
    return c.Arg("level", "local") == "all" ? ConsistencyLevel::kAllRegions
                                            : ConsistencyLevel::kLocalRegion;
  }

  std::string Do(const datadriven::Case& c) {
    const std::string& cmd = c.command;
    if (cmd == "add-node") {
      regions_.push_back(c.Arg("region", "r1"));
      return "n" + std::to_string(regions_.size()) + " in " + regions_.back() + "\n";
    }
    if (cmd == "start") {
      SimOptions options;
      options.regions = 0;
      options.fault_ms = UINT64_MAX;  // drop and duplicate apply whenever set
      options.drop = options.duplicate = 0;
      options.commit_fail = 0;
      options.max_log_entries = std::stoull(c.Arg("max-log", "1000"));
      options.gc_interval_ms = std::stoull(c.Arg("gc-ms", "60000"));
      cluster_ = std::make_unique<SimCluster>(1, options);
      for (const auto& r : regions_) cluster_->AddNode(r);
      cluster_->Start();
      return "";
    }
    if (!cluster_) return "error: start first\n";
    SimCluster& sim = *cluster_;
    if (cmd == "write" || cmd == "delete") {
      std::optional<std::string> value;
      if (cmd == "write") value = c.Arg("value");
      sim.Write(Node(c), c.Arg("key"), value, Level(c));
      sim.RunFor(5);  // its commit
      return "";
    }
    if (cmd == "read") {
      sim.ReadAfter(Node(c), c.Arg("key"), c.Arg("token"));
      return "";
    }
    if (cmd == "tick" || cmd == "deliver") {
      sim.RunFor(std::stoull(c.Arg("ms", "200")));
      return "";
    }
    if (cmd == "drop") return sim.SetDrop(std::stod(c.Arg("p"))), "";
    if (cmd == "duplicate") return sim.SetDuplicate(std::stod(c.Arg("p"))), "";
    if (cmd == "partition") return sim.Cut(Node(c, "a"), Node(c, "b")), "";
    if (cmd == "isolate") {
      for (int k = 0; k < sim.size(); ++k) {
        if (k != Node(c)) sim.Cut(Node(c), k);
      }
      return "";
    }
    if (cmd == "heal") return sim.HealAll(), "";
    if (cmd == "crash") return sim.Crash(Node(c)), "";
    if (cmd == "restart") return sim.Restart(Node(c)), "";
    if (cmd == "fail-commit") return sim.FailNextCommit(Node(c)), "";
    if (cmd == "dump") {
      if (c.Has("node")) return sim.Dump(Node(c));
      std::string out;
      for (int k = 0; k < sim.size(); ++k) out += sim.Dump(k);
      return out;
    }
    if (cmd == "peers") return sim.Peers(Node(c));
    if (cmd == "stats") {
      return "snapshots " + std::to_string(sim.snapshots()) + ", failed commits " +
             std::to_string(sim.commit_failures()) + ", tombstones collected " +
             std::to_string(sim.tombstones_collected()) + "\n";
    }
    if (cmd == "check") return sim.Check() ? "converged\n" : "";
    return "error: unknown command " + cmd + "\n";
  }

  std::vector<std::string> regions_;
  std::unique_ptr<SimCluster> cluster_;
};

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, MatchesItsExpectedOutput) {
  log::MinLevel() = static_cast<log::Level>(4);  // faults on purpose: no log lines
  Scenario scenario;
  const std::string path = (TestdataDir() / (GetParam() + ".txt")).string();
  for (const auto& failure :
       datadriven::Run(path, [&](const datadriven::Case& c) { return scenario.Handle(c); })) {
    ADD_FAILURE() << failure;
  }
}

INSTANTIATE_TEST_SUITE_P(Testdata, ScenarioTest, ::testing::ValuesIn(ScenarioFiles()),
                         [](const auto& info) { return info.param; });

TEST(ScenarioFiles, EveryFileCitesTheDocsSectionItChecks) {
  const std::vector<std::string> files = ScenarioFiles();
  EXPECT_GE(files.size(), 8u);
  for (const auto& name : files) {
    std::ifstream in(TestdataDir() / (name + ".txt"));
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("# docs/replication.md, \"", 0), 0u) << name << ": " << first;
  }
}

}  // namespace
}  // namespace meridian::sim
