// Runs the examples of every docs page as written: each ```sh block of docs/<page>.md, in
// order, in one `bash -euo pipefail` against a fresh node, with `localhost:8080` replaced by the
// node's address, ADMIN (the operator's key) exported and meridianctl on the PATH. Pages
// show commands that need more than one fresh node (clusters, benchmarks) in ```console
// blocks, which are not run.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/node_test.h"

namespace meridian::test {
namespace {
namespace fs = std::filesystem;

// The docs pages, by file name; MERIDIAN_DOCS_DIR is set by tests/CMakeLists.txt.
std::vector<std::string> DocsPages() {
  std::vector<std::string> pages;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(MERIDIAN_DOCS_DIR, ec)) {
    if (entry.path().extension() == ".md") pages.push_back(entry.path().filename().string());
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

// The ```sh blocks of `markdown`, joined in order.
std::string ShellBlocks(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line, script;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```sh") {
      inside = true;
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
    } else if (inside) {
      script += line + "\n";
    }
  }
  return script;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class DocsExamplesTest : public NodeTest, public testing::WithParamInterface<std::string> {};

TEST_P(DocsExamplesTest, ShellExamplesRunAsWritten) {
  const std::string page = std::string(MERIDIAN_DOCS_DIR) + "/" + GetParam();
  const std::string blocks = ShellBlocks(ReadFile(page));
  if (blocks.empty()) GTEST_SKIP() << GetParam() << " has no ```sh examples";
  const std::string script_path = dir_ + "/examples.sh";
  const std::string log_path = dir_ + "/examples.log";
  {
    std::ofstream script(script_path);
    // meridianctl is built beside meridiand: examples call it by name.
    const std::string bin_dir = fs::path(MeridiandPath()).parent_path().string();
    script << "set -euo pipefail\nexport ADMIN='" << AdminToken() << "'\n"
           << "export PATH='" << bin_dir << "':\"$PATH\"\n"
           << ReplaceAll(blocks, "localhost:8080", node().address());
  }
  // Bounded: a hanging example fails the test after two minutes.
  const std::string command =
      "cd '" + dir_ + "' && timeout 120 bash '" + script_path + "' > '" + log_path + "' 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << GetParam() << ": the examples failed; their output:\n"
      << ReadFile(log_path) << "\nnode log:\n"
      << node().ReadLog(4000);
}

std::string PageName(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 3);
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Pages, DocsExamplesTest, testing::ValuesIn(DocsPages()), PageName);

}  // namespace
}  // namespace meridian::test
