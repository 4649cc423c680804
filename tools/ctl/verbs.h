// meridianctl's verbs (docs/meridianctl.md). Each takes the words after the verb and returns
// the process exit code; errors go to stderr, results to stdout.
#pragma once

#include <string>
#include <vector>

#include "client.h"

namespace meridian::ctl {

// Exit codes scripts rely on (docs/meridianctl.md, Exit status).
enum Exit : int {
  kOk = 0,
  kCheckFailed = 1,  // status: not healthy; drain: not replicated in time; verify: differ
  kUsage = 2,        // bad command line
  kUnreachable = 3,  // no HTTP answer from the node
  kRefused = 4,      // the node answered with an error (4xx or 5xx), e.g. not found
};

struct Context {
  Client client;
  bool json = false;
};

// Runs `verb`; kUsage with a message for an unknown verb.
int RunVerb(const std::string& verb, std::vector<std::string> args, Context& ctx);
// The usage of every verb (for `meridianctl --help`).
std::string VerbsHelp();

}  // namespace meridian::ctl
