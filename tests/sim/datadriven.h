// A small reader and rewriter of data-driven test files (CockroachDB's datadriven, as etcd's
// raft tests use it). A file is a list of cases:
//
//   # comments and blank lines between cases are kept as they are
//   command key=value key2=value2 word
//   ----
//   expected output, one or more lines, ending at a blank line or the end of the file
//
// Run() calls the handler with each case and compares its output with the expected text; with
// MERIDIAN_REWRITE=1 in the environment it writes the actual outputs back into the file
// instead. Outputs must not contain blank lines. Header-only; thread-compatible.
#pragma once

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace meridian::datadriven {

struct Case {
  int line = 0;                             // 1-based line of the command, for messages
  std::string text;                         // the command line as written
  std::string command;                      // its first word
  std::vector<std::string> words;           // other words without '='
  std::map<std::string, std::string> args;  // key=value words
  std::string expected;                     // the lines after ----, each ending in '\n'

  bool Has(const std::string& key) const { return args.count(key) > 0; }
  std::string Arg(const std::string& key, const std::string& fallback = "") const {
    auto it = args.find(key);
    return it == args.end() ? fallback : it->second;
  }
};

// A parsed file: the cases and, for rewriting, the text around them.
struct File {
  std::vector<Case> cases;
  std::vector<std::string> before;  // before[i]: verbatim text before case i (comments)
  std::string after;                // verbatim text after the last case
  std::string error;                // set when the text is malformed
};

inline File Parse(const std::string& text) {
  File file;
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string pending;  // comments and blank lines since the last case
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty() || line[0] == '#') {
      pending += line + "\n";
      continue;
    }
    Case c;
    c.line = static_cast<int>(i + 1);
    c.text = line;
    std::istringstream words(line);
    for (std::string word; words >> word;) {
      if (c.command.empty()) {
        c.command = word;
      } else if (auto eq = word.find('='); eq != std::string::npos) {
        c.args[word.substr(0, eq)] = word.substr(eq + 1);
      } else {
        c.words.push_back(word);
      }
    }
    if (i + 1 >= lines.size() || lines[i + 1] != "----") {
      file.error = "line " + std::to_string(i + 1) + ": expected ---- after the command";
      return file;
    }
    i += 2;
    for (; i < lines.size() && !lines[i].empty(); ++i) c.expected += lines[i] + "\n";
    if (i < lines.size()) --i;  // the blank line belongs to what follows
    file.before.push_back(std::move(pending));
    pending.clear();
    file.cases.push_back(std::move(c));
  }
  file.after = pending;
  return file;
}

// The file's text with every case's output replaced by `outputs` (one per case).
inline std::string Render(const File& file, const std::vector<std::string>& outputs) {
  std::string text;
  for (size_t i = 0; i < file.cases.size(); ++i) {
    const Case& c = file.cases[i];
    text += file.before[i] + c.text + "\n----\n" + outputs[i];
  }
  return text + file.after;
}

inline bool RewriteRequested() {
  const char* rewrite = std::getenv("MERIDIAN_REWRITE");
  return rewrite != nullptr && std::string(rewrite) == "1";
}

// Runs every case of `path` through `handler` (its output: lines ending in '\n'). Returns the
// mismatches, one message per case (empty: all passed, or the file was rewritten).
inline std::vector<std::string> Run(const std::string& path,
                                    const std::function<std::string(const Case&)>& handler) {
  std::ifstream in(path);
  if (!in) return {"cannot read " + path};
  std::stringstream buffer;
  buffer << in.rdbuf();
  File file = Parse(buffer.str());
  if (!file.error.empty()) return {path + ": " + file.error};
  std::vector<std::string> outputs, failures;
  for (const Case& c : file.cases) {
    std::string out = handler(c);
    if (out.empty()) out = "ok\n";
    if (out != c.expected) {
      failures.push_back(path + ":" + std::to_string(c.line) + ": " + c.text + "\nexpected:\n" +
                         c.expected + "got:\n" + out);
    }
    outputs.push_back(std::move(out));
  }
  if (RewriteRequested()) {
    std::ofstream(path) << Render(file, outputs);
    return {};
  }
  return failures;
}

}  // namespace meridian::datadriven
