// Keeps docs/openapi/ (one OpenAPI 3.1 document per dialect and one for the operator API)
// complete and honest: every route the code registers (under api/) is documented in exactly one
// of them, and nothing is documented that the code does not serve. That the answers match the
// documented shapes is checked by tools/openapi/validate_responses.mjs (tools/test.sh).
//
// The routes are read from the source, not from a running node: every call `Add(<verb>, <path>,
// ...)` or `add(<verb>, <path>, ...)` in api/**/*.cc (and *.h, should a header ever register
// routes inline), whatever it is called on (the Router, a RateLimitedRoutes view, a dialect's
// local `add` helper), with comments removed first. <verb> is `http::verb::x`, `verb::x` or
// `V::x`. <path> is a string literal, a named string constant (`constexpr std::string_view
// kBasePath = "..."` anywhere under api/, or `const std::string one = ...;` in the same file),
// `std::string(...)` of one, or a `+` concatenation of those. Terms that are not constants are
// expanded by kExpansions below, each checked against the source it stands for. A call that
// looks like a registration but cannot be read fails the test (saying where), so a new way of
// registering routes cannot silently drop routes from the check: extend the resolver or the
// table. The forwarding calls inside the helpers (`router.Add(method, pattern, ...)`) and
// Router::Add's own declaration are skipped.
//
// Each document is read minimally: under the top-level `paths:` key, path keys at indent 2 and
// operation keys (get, put, post, ...) at indent 4. `{name}` path parameters match `{}`.
// The router answers HEAD on every GET route (router.cc), so a documented HEAD is accepted where
// a GET of the same path is registered; HEAD is never required.
//
// MERIDIAN_OPENAPI_LIST_ROUTES=1 prints the routes the scan found.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace meridian::test {
namespace {
namespace fs = std::filesystem;

// MERIDIAN_DOCS_DIR is set by tests/CMakeLists.txt; the source root is its parent.
const std::string kDocsDir = MERIDIAN_DOCS_DIR;
const std::string kApiDir = kDocsDir + "/../api";
const std::string kOpenApiDir = kDocsDir + "/openapi";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// `src` with // and /* */ comments replaced by spaces (newlines kept, so line numbers hold);
// string and character literals are left alone.
std::string StripComments(const std::string& src) {
  std::string out = src;
  enum { kCode, kString, kChar, kLine, kBlock } state = kCode;
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const char next = i + 1 < out.size() ? out[i + 1] : '\0';
    switch (state) {
      case kCode:
        if (c == '"') {
          state = kString;
        } else if (c == '\'') {
          state = kChar;
        } else if (c == '/' && (next == '/' || next == '*')) {
          state = next == '/' ? kLine : kBlock;
          out[i] = ' ';
        }
        break;
      case kString:
      case kChar:
        if (c == '\\') {
          ++i;
        } else if ((state == kString && c == '"') || (state == kChar && c == '\'')) {
          state = kCode;
        }
        break;
      case kLine:
        if (c == '\n') {
          state = kCode;
        } else {
          out[i] = ' ';
        }
        break;
      case kBlock:
        if (c == '*' && next == '/') {
          out[i] = out[i + 1] = ' ';
          ++i;
          state = kCode;
        } else if (c != '\n') {
          out[i] = ' ';
        }
        break;
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The arguments of the call whose '(' is at `open`, split at top-level commas (string and
// character literals and nested brackets respected); empty if the call never closes.
std::vector<std::string> CallArguments(const std::string& src, size_t open) {
  std::vector<std::string> args;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open; i < src.size(); ++i) {
    const char c = src[i];
    if (c == '"' || c == '\'') {
      for (++i; i < src.size() && src[i] != c; ++i) {
        if (src[i] == '\\') ++i;
      }
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) {
        args.push_back(Trim(std::string_view(src).substr(start, i - start)));
        return args;
      }
    } else if (c == ',' && depth == 1) {
      args.push_back(Trim(std::string_view(src).substr(start, i - start)));
      start = i + 1;
    }
  }
  return {};
}

// Splits `expr` at top-level '+'.
std::vector<std::string> SplitPlus(const std::string& expr) {
  std::vector<std::string> terms;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < expr.size(); ++i) {
    const char c = expr[i];
    if (c == '"' || c == '\'') {
      for (++i; i < expr.size() && expr[i] != c; ++i) {
        if (expr[i] == '\\') ++i;
      }
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (c == '+' && depth == 0) {
      terms.push_back(Trim(std::string_view(expr).substr(start, i - start)));
      start = i + 1;
    }
  }
  terms.push_back(Trim(std::string_view(expr).substr(start)));
  return terms;
}

// Terms of route paths that are not constants, with the values they take and a piece of source
// that must still be there for the expansion to be right.
struct Expansion {
  std::string term;
  std::vector<std::string> values;
  std::string witness_file;  // relative to api/
  std::string witness;
};
const std::vector<Expansion> kExpansions = {
    // api/attio/objects_api.cc registers /v2/objects... and /v2/lists... in a loop.
    {"TargetName(target)",
     {"objects", "lists"},
     "attio/objects_api.cc",
     "for (Target target : {Target::kObjects, Target::kLists})"},
};

struct SourceFile {
  std::string relative;  // to api/
  std::string text;      // comments stripped
};

// Named string constants: `NAME = <expr>;` declared const/constexpr as a string type.
using Constants = std::map<std::string, std::string>;
Constants ConstantsOf(const std::string& text) {
  static const std::regex decl(
      R"((?:constexpr|const)\s+(?:std::string_view|std::string|const\s+char\s*\*|auto)\s+)"
      R"((\w+)\s*(?:\[\s*\])?\s*=\s*([^;]+);)");
  Constants out;
  for (std::sregex_iterator it(text.begin(), text.end(), decl), end; it != end; ++it) {
    out[(*it)[1].str()] = Trim((*it)[2].str());
  }
  return out;
}

class Resolver {
 public:
  explicit Resolver(const std::vector<SourceFile>& files) : files_(files) {
    for (const auto& f : files) {
      for (auto& [name, expr] : ConstantsOf(f.text)) {
        global_[name].push_back(expr);
        by_file_[f.relative][name] = expr;
      }
    }
  }

  // Every value `expr` (in `file`) can take; false with `why` set if it cannot be read.
  bool Resolve(const std::string& file, const std::string& expr, std::vector<std::string>& out,
               std::string& why, int depth = 0) const {
    if (depth > 8) {
      why = "too deeply nested: " + expr;
      return false;
    }
    std::vector<std::string> values = {""};
    for (const std::string& term : SplitPlus(expr)) {
      std::vector<std::string> alternatives;
      if (!ResolveTerm(file, term, alternatives, why, depth)) return false;
      std::vector<std::string> next;
      for (const auto& v : values) {
        for (const auto& a : alternatives) next.push_back(v + a);
      }
      values = std::move(next);
    }
    out = std::move(values);
    return true;
  }

 private:
  bool ResolveTerm(const std::string& file, const std::string& term, std::vector<std::string>& out,
                   std::string& why, int depth) const {
    static const std::regex literal(R"re(^"((?:[^"\\]|\\.)*)"(?:sv|s)?$)re");
    static const std::regex conversion(R"(^(?:std::)?string(?:_view)?\s*\((.*)\)$)");
    static const std::regex identifier(R"(^(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)$)");
    std::smatch m;
    for (const auto& e : kExpansions) {
      if (term == e.term) {
        std::string witness_text;
        for (const auto& f : files_) {
          if (f.relative == e.witness_file) witness_text = f.text;
        }
        if (witness_text.find(e.witness) == std::string::npos) {
          why = "the expansion of " + e.term + " is out of date: api/" + e.witness_file +
                " no longer holds `" + e.witness + "`; update kExpansions";
          return false;
        }
        out = e.values;
        return true;
      }
    }
    if (std::regex_match(term, m, literal)) {
      out = {m[1].str()};
      return true;
    }
    if (std::regex_match(term, m, conversion))
      return Resolve(file, Trim(m[1].str()), out, why, depth + 1);
    if (std::regex_match(term, m, identifier)) {
      const std::string name = m[1].str();
      if (auto f = by_file_.find(file); f != by_file_.end()) {
        if (auto c = f->second.find(name); c != f->second.end()) {
          return Resolve(file, c->second, out, why, depth + 1);
        }
      }
      auto g = global_.find(name);
      if (g != global_.end() && g->second.size() == 1) {
        return Resolve(file, g->second.front(), out, why, depth + 1);
      }
      why = g == global_.end() ? "no string constant named " + name
                               : "more than one string constant named " + name;
      return false;
    }
    why = "cannot read the path term `" + term + "`";
    return false;
  }

  const std::vector<SourceFile>& files_;
  std::map<std::string, std::vector<std::string>> global_;
  std::map<std::string, Constants> by_file_;
};

// "/a/{x}/b/{}" -> "/a/{}/b/{}".
std::string NormalizePath(const std::string& path) {
  static const std::regex param(R"(\{[^}/]*\})");
  return std::regex_replace(path, param, "{}");
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Scan {
  std::set<std::string> routes;     // "METHOD /path"
  std::vector<std::string> errors;  // registrations that could not be read
  size_t calls = 0;                 // registration calls seen
};

int LineOf(const std::string& text, size_t pos) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// The routes registered by the sources under `dir` (api/ by default).
Scan ScanRegistrations(const std::string& dir = kApiDir) {
  std::vector<SourceFile> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (!it->is_regular_file() || (p.extension() != ".cc" && p.extension() != ".h")) continue;
    files.push_back({fs::relative(p, dir).generic_string(), StripComments(ReadFile(p))});
  }
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.relative < b.relative; });
  Resolver resolver(files);

  static const std::regex call(R"(\b[Aa]dd\s*\()");
  static const std::regex verb(R"(^(?:(?:boost::beast::)?http::verb::|verb::|V::)(\w+)$)");
  static const std::regex forward(R"(^(?:(?:[\w:]+::)?verb\s+)?method$)");
  Scan scan;
  for (const auto& f : files) {
    const std::string& text = f.text;
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) {
      const size_t open = it->position() + it->length() - 1;
      const std::string where = "api/" + f.relative + ":" + std::to_string(LineOf(text, open));
      const std::vector<std::string> args = CallArguments(text, open);
      if (args.size() < 2) continue;  // not a registration (too few arguments)
      std::smatch m;
      if (!std::regex_match(args[0], m, verb)) {
        // The forwarding call inside a registration helper, or Router::Add's own definition.
        if (std::regex_match(args[0], forward)) continue;
        // Anything else that looks like a route registration must be readable.
        if (args[0].find("verb") != std::string::npos || args[1].find("\"/") != std::string::npos) {
          scan.errors.push_back(where + ": cannot read the method of `" + args[0] + "`");
        }
        continue;
      }
      ++scan.calls;
      std::string method = m[1].str();
      if (method.ends_with('_')) method.pop_back();  // delete_
      std::vector<std::string> paths;
      std::string why;
      if (!resolver.Resolve(f.relative, args[1], paths, why)) {
        scan.errors.push_back(where + ": cannot read the path `" + args[1] + "`: " + why);
        continue;
      }
      for (const auto& path : paths) {
        if (!path.starts_with('/')) {
          scan.errors.push_back(where + ": path `" + path + "` does not start with /");
          continue;
        }
        scan.routes.insert(Upper(method) + " " + NormalizePath(path));
      }
    }
  }
  return scan;
}

struct Documented {
  std::set<std::string> operations;  // "METHOD /path"
  std::vector<std::string> errors;   // duplicates, malformed keys
  bool found_paths = false;
};

// The operations under the top-level `paths:` key of one document (`name` is for messages).
Documented ReadOpenApi(const std::string& yaml, const std::string& name = "openapi.yaml") {
  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  Documented doc;
  std::istringstream in(yaml);
  std::string line, path;
  bool inside = false;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const size_t indent = line.find_first_not_of(' ');
    if (indent == 0) {
      inside = line.rfind("paths:", 0) == 0;
      doc.found_paths = doc.found_paths || inside;
      path.clear();
      continue;
    }
    if (!inside) continue;
    const size_t colon = trimmed.find(':');
    if (colon == std::string::npos) continue;
    std::string key = Trim(trimmed.substr(0, colon));
    if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"') &&
        key.back() == key.front()) {
      key = key.substr(1, key.size() - 2);
    }
    if (indent == 2) {
      if (!key.starts_with('/')) {
        doc.errors.push_back(name + ":" + std::to_string(number) + ": path key `" + key +
                             "` does not start with /");
      }
      path = NormalizePath(key);
    } else if (indent == 4 && kMethods.count(key) != 0) {
      if (path.empty()) continue;
      const std::string op = Upper(key) + " " + path;
      if (!doc.operations.insert(op).second) {
        doc.errors.push_back(name + ":" + std::to_string(number) + ": " + op +
                             " is documented twice");
      }
    }
  }
  return doc;
}

// The documents of docs/openapi/ by file name.
std::map<std::string, std::string> OpenApiDocuments() {
  std::map<std::string, std::string> docs;
  for (const auto& entry : fs::directory_iterator(kOpenApiDir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".yaml") && name != "redocly.yaml") docs[name] = ReadFile(entry.path());
  }
  return docs;
}

// Every operation of every document; one documented in two documents is an error.
Documented ReadAllOpenApi() {
  Documented all;
  for (const auto& [name, yaml] : OpenApiDocuments()) {
    Documented doc = ReadOpenApi(yaml, name);
    all.found_paths = all.found_paths || doc.found_paths;
    all.errors.insert(all.errors.end(), doc.errors.begin(), doc.errors.end());
    for (const auto& op : doc.operations) {
      if (!all.operations.insert(op).second) all.errors.push_back(op + " is in two documents");
    }
  }
  return all;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += "  " + s + "\n";
  return out;
}

TEST(OpenApiTest, SourceRegistrationsAreReadable) {
  const Scan scan = ScanRegistrations();
  EXPECT_TRUE(scan.errors.empty()) << "route registrations this test cannot read:\n"
                                   << Join(scan.errors);
  // A sanity bound: the scan must see the dialects at all (the operator API alone has 8 routes).
  EXPECT_GE(scan.routes.size(), 20u) << "the scan of " << kApiDir << " found too few routes";
  for (const char* must : {"GET /healthz", "POST /admin/v1/organizations"}) {
    EXPECT_EQ(scan.routes.count(must), 1u) << must << " not found by the scan";
  }
  // MERIDIAN_OPENAPI_LIST_ROUTES=1 prints what the scan found.
  if (const char* list = std::getenv("MERIDIAN_OPENAPI_LIST_ROUTES"); list && *list == '1') {
    for (const auto& route : scan.routes) std::cout << route << "\n";
  }
}

TEST(OpenApiTest, DocumentsAreOpenApi31) {
  const auto docs = OpenApiDocuments();
  for (const char* name : {"operator.yaml", "slashid.yaml", "swift.yaml", "zitadel.yaml",
                           "attio.yaml", "ocamba.yaml"}) {
    ASSERT_EQ(docs.count(name), 1u) << kOpenApiDir << "/" << name << " is missing";
  }
  for (const auto& [name, yaml] : docs) {
    EXPECT_NE(yaml.find("openapi: 3.1.0"), std::string::npos) << name;
    const Documented doc = ReadOpenApi(yaml, name);
    EXPECT_TRUE(doc.found_paths) << name << ": no top-level paths: key";
    EXPECT_TRUE(doc.errors.empty()) << Join(doc.errors);
  }
  EXPECT_TRUE(ReadAllOpenApi().errors.empty()) << Join(ReadAllOpenApi().errors);
}

TEST(OpenApiTest, EveryRegisteredRouteIsDocumented) {
  const Scan scan = ScanRegistrations();
  const Documented doc = ReadAllOpenApi();
  std::vector<std::string> missing;
  for (const auto& route : scan.routes) {
    if (doc.operations.count(route) == 0) missing.push_back(route);
  }
  EXPECT_TRUE(missing.empty()) << "served but not in docs/openapi/:\n" << Join(missing);
}

TEST(OpenApiTest, EveryDocumentedOperationIsServed) {
  const Scan scan = ScanRegistrations();
  const Documented doc = ReadAllOpenApi();
  std::vector<std::string> extra;
  for (const auto& op : doc.operations) {
    if (scan.routes.count(op) != 0) continue;
    // HEAD is answered by every GET route (Router::Dispatch).
    if (op.starts_with("HEAD ") && scan.routes.count("GET " + op.substr(5)) != 0) continue;
    extra.push_back(op);
  }
  EXPECT_TRUE(extra.empty()) << "in docs/openapi/ but not registered under api/:\n"
                             << Join(extra);
}

// The parser's own rules, on fixed input.
TEST(OpenApiTest, ParserReadsPathsAndMethods) {
  const Documented doc = ReadOpenApi(
      "openapi: 3.0.3\n"
      "info:\n  title: x\n"
      "paths:\n"
      "  /a/{id}/b:\n"
      "    parameters: []\n"
      "    get:\n      responses: {}\n"
      "    # put:\n"
      "    delete:\n      responses: {}\n"
      "  '/c':\n"
      "    post:\n      responses:\n        get: not a method\n"
      "components:\n"
      "  /d:\n    get: {}\n");
  EXPECT_EQ(doc.operations, (std::set<std::string>{"GET /a/{}/b", "DELETE /a/{}/b", "POST /c"}));
  EXPECT_TRUE(doc.errors.empty()) << Join(doc.errors);
  EXPECT_EQ(NormalizePath("/v2/{target}/{identifier}/attributes/{}"), "/v2/{}/{}/attributes/{}");
  const std::string stripped = StripComments("a // Add(V::get, \"/x\")\n\"//\" /* b */ c");
  EXPECT_EQ(stripped.find("Add"), std::string::npos);
  EXPECT_NE(stripped.find("\"//\""), std::string::npos);
}

// The scanner's own rules, on a fixed source tree: each way of registering that the dialects
// use is read, comments are ignored, and a registration it cannot read is reported.
TEST(OpenApiTest, ScannerReadsRegistrationForms) {
  const fs::path dir = fs::path(testing::TempDir()) / "openapi_scan_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "d");
  std::ofstream(dir / "d" / "paths.h")
      << "inline constexpr std::string_view kBase = \"/v9/things\";\n";
  std::ofstream(dir / "d" / "ok.cc")
      << "void Register(Router& router) {\n"
      << "  using V = http::verb;\n"
      << "  const std::string one = std::string(kBase) + \"/{}\";\n"
      << "  auto add = [&](V method, std::string_view pattern, Handler h) {\n"
      << "    router.Add(method, pattern, std::move(h));\n"
      << "  };\n"
      << "  router.Add(http::verb::get, \"/v9/a/{}\", [](Call&) { return X(\"a, b\"); });\n"
      << "  router.Add(V::delete_,\n             \"/v9/a/{}\", H);\n"
      << "  add(V::post, kBase, H);\n"
      << "  add(V::patch, one, H);\n"
      << "  // router.Add(V::put, \"/commented/out\", H);\n"
      << "  /* router.Add(V::put, \"/also/commented\", H); */\n"
      << "  counter.Add(1, 2);\n"
      << "}\n";
  Scan scan = ScanRegistrations(dir.string());
  EXPECT_EQ(scan.routes, (std::set<std::string>{"GET /v9/a/{}", "DELETE /v9/a/{}",
                                                "POST /v9/things", "PATCH /v9/things/{}"}));
  EXPECT_TRUE(scan.errors.empty()) << Join(scan.errors);

  std::ofstream(dir / "d" / "bad.cc") << "void R(Router& r) { r.Add(V::get, MakePath(), H); }\n";
  scan = ScanRegistrations(dir.string());
  ASSERT_EQ(scan.errors.size(), 1u) << Join(scan.errors);
  EXPECT_NE(scan.errors[0].find("d/bad.cc:1"), std::string::npos) << scan.errors[0];
  fs::remove_all(dir);
}

}  // namespace
}  // namespace meridian::test
