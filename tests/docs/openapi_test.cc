// Keeps docs/openapi/ (one OpenAPI 3.1 document per dialect and one for the operator API)
// complete and honest: every route the code registers (under api/) is documented in exactly one
// of them, and nothing is documented that the code does not serve. That the answers match the
// documented shapes is checked by tools/openapi/validate_responses.mjs (tools/test.sh).
//
// The routes are read from a real Router filled by api::RegisterAllRoutes (Router::Routes), so
// whatever way a dialect describes its routes, the check sees exactly what is served.
//
// Each document is read minimally: under the top-level `paths:` key, path keys at indent 2 and
// operation keys (get, put, post, ...) at indent 4. `{name}` path parameters match `{}`.
// The router answers HEAD on every GET route (router.cc), so a documented HEAD is accepted where
// a GET of the same path is registered; HEAD is never required.
//
// MERIDIAN_OPENAPI_LIST_ROUTES=1 prints the routes the node registers.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/dialects.h"

namespace meridian::test {
namespace {
namespace fs = std::filesystem;

// MERIDIAN_DOCS_DIR is set by tests/CMakeLists.txt; the source root is its parent.
const std::string kDocsDir = MERIDIAN_DOCS_DIR;
const std::string kOpenApiDir = kDocsDir + "/openapi";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// "/a/{x}/b/{}" -> "/a/{}/b/{}".
std::string NormalizePath(const std::string& path) {
  static const std::regex param(R"(\{[^}/]*\})");
  return std::regex_replace(path, param, "{}");
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "METHOD /path" of every route the node registers.
std::set<std::string> RegisteredRoutes() {
  api::ApiContext ctx{};  // registration only stores it; nothing is served here
  api::Router router;
  api::RegisterAllRoutes(router, ctx);
  std::set<std::string> routes;
  for (const auto& [method, pattern] : router.Routes()) {
    routes.insert(Upper(std::string(api::http::to_string(method))) + " " + pattern);
  }
  return routes;
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

TEST(OpenApiTest, TheNodeRegistersItsDialects) {
  const std::set<std::string> routes = RegisteredRoutes();
  EXPECT_GE(routes.size(), 20u);
  for (const char* must : {"GET /healthz", "POST /admin/v1/organizations"}) {
    EXPECT_EQ(routes.count(must), 1u) << must << " not registered";
  }
  // MERIDIAN_OPENAPI_LIST_ROUTES=1 prints what the node registers.
  if (const char* list = std::getenv("MERIDIAN_OPENAPI_LIST_ROUTES"); list && *list == '1') {
    for (const auto& route : routes) std::cout << route << "\n";
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
  const std::set<std::string> routes = RegisteredRoutes();
  const Documented doc = ReadAllOpenApi();
  std::vector<std::string> missing;
  for (const auto& route : routes) {
    if (doc.operations.count(route) == 0) missing.push_back(route);
  }
  EXPECT_TRUE(missing.empty()) << "served but not in docs/openapi/:\n" << Join(missing);
}

TEST(OpenApiTest, EveryDocumentedOperationIsServed) {
  const std::set<std::string> routes = RegisteredRoutes();
  const Documented doc = ReadAllOpenApi();
  std::vector<std::string> extra;
  for (const auto& op : doc.operations) {
    if (routes.count(op) != 0) continue;
    // HEAD is answered by every GET route (Router::Dispatch).
    if (op.starts_with("HEAD ") && routes.count("GET " + op.substr(5)) != 0) continue;
    extra.push_back(op);
  }
  EXPECT_TRUE(extra.empty()) << "in docs/openapi/ but not registered under api/:\n" << Join(extra);
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
}

}  // namespace
}  // namespace meridian::test
