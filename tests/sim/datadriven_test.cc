// The data-driven file reader (tests/sim/datadriven.h): parsing, round trip, and the rewrite
// mode the scenario files rely on.
#include "tests/sim/datadriven.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace meridian::datadriven {
namespace {

const char* kText =
    "# a comment\n"
    "\n"
    "write node=1 key=k1 all\n"
    "----\n"
    "n1 committed\n"
    "n1 released\n"
    "\n"
    "# between\n"
    "tick ms=50\n"
    "----\n"
    "ok\n";

TEST(DataDriven, ParsesCommandsArgumentsAndExpectedOutput) {
  File file = Parse(kText);
  ASSERT_TRUE(file.error.empty()) << file.error;
  ASSERT_EQ(file.cases.size(), 2u);
  const Case& write = file.cases[0];
  EXPECT_EQ(write.line, 3);
  EXPECT_EQ(write.command, "write");
  EXPECT_EQ(write.Arg("node"), "1");
  EXPECT_EQ(write.Arg("key"), "k1");
  EXPECT_EQ(write.Arg("level", "local"), "local");
  EXPECT_EQ(write.words, std::vector<std::string>{"all"});
  EXPECT_EQ(write.expected, "n1 committed\nn1 released\n");
  EXPECT_EQ(file.cases[1].command, "tick");
  EXPECT_EQ(file.cases[1].expected, "ok\n");
}

TEST(DataDriven, RendersTheSameTextBack) {
  File file = Parse(kText);
  std::vector<std::string> outputs;
  for (const auto& c : file.cases) outputs.push_back(c.expected);
  EXPECT_EQ(Render(file, outputs), kText);
}

TEST(DataDriven, RefusesACommandWithoutSeparator) {
  EXPECT_FALSE(Parse("tick ms=5\nok\n").error.empty());
}

TEST(DataDriven, ReportsMismatchesAndRewritesOnRequest) {
  ::unsetenv("MERIDIAN_REWRITE");
  const std::string path = ::testing::TempDir() + "/datadriven_rewrite.txt";
  std::ofstream(path) << kText;
  auto handler = [](const Case& c) { return c.command == "tick" ? "ticked\n" : c.expected; };
  auto failures = datadriven::Run(path, handler);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("tick ms=50"), std::string::npos);

  ::setenv("MERIDIAN_REWRITE", "1", 1);
  failures = datadriven::Run(path, handler);
  ::unsetenv("MERIDIAN_REWRITE");
  EXPECT_TRUE(failures.empty());
  EXPECT_TRUE(datadriven::Run(path, handler).empty());  // the file now holds what the handler says
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace meridian::datadriven
