// One table over every route of every dialect (api::AllDialects): the prologue's rules for a
// missing or bad key, a foreign organization, a missing scope, a rate-limit refusal, a bad
// consistency header and a Meridian-Min-Commit-Token wait are the same everywhere, and each
// answer is in the dialect's own envelope. Runs in process (tests/api/in_process_node.h).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "api/consistency.h"
#include "api/dialects.h"
#include "tests/api/in_process_node.h"

namespace meridian::api::testing {
namespace {

// A node with an organization, keys of it and of another organization, and the names the
// routes' path parameters take.
struct World {
  explicit World(RateLimitConfig limits = {}) : node(limits) {
    org = node.CreateOrg("mine");
    other_org = node.CreateOrg("theirs");
    every_scope = node.CreateKey(org, {"read", "write", "schema", "admin"});
    foreign = node.CreateKey(other_org, {"read", "write", "schema", "admin"});
  }
  InProcessNode node;
  std::string org, other_org, every_scope, foreign;
};

// The target of `route` for `org`: each `{}` filled with what the route's organization rule
// reads there (the organization itself, or Swift's account of it), else a plain name.
std::string TargetOf(const Route& route, const std::string& org) {
  std::string out;
  size_t param = 0;
  for (size_t i = 0; i < route.pattern.size(); ++i) {
    if (route.pattern.compare(i, 2, "{}") != 0) {
      out.push_back(route.pattern[i]);
      continue;
    }
    std::string value = "1";  // a valid name or id in every dialect
    if (param == 0 && route.org == OrgFrom::kPath) value = org;
    if (param == 0 && route.org == OrgFrom::kDialect) value = "AUTH_" + org;
    out += value;
    ++param;
    ++i;
  }
  return out;
}

// The request headers naming `org` the way the route chooses its organization.
Headers OrgHeaders(const Dialect& dialect, const Route& route, const std::string& org) {
  if (route.org == OrgFrom::kHeader || route.org == OrgFrom::kHeaderOrKey) {
    return {{dialect.org_header, org}};
  }
  return {};
}

// The scopes of a key that lacks the route's.
std::vector<std::string> AllScopesBut(uint8_t scope) {
  std::vector<std::string> out;
  for (const std::string& name :
       ScopeNames(kScopeRead | kScopeWrite | kScopeSchema | kScopeAdmin)) {
    if (ScopeFromName(name) != scope) out.push_back(name);
  }
  return out;
}

// True if `res` is in the dialect's envelope: the content type its encoder gives that status.
bool InEnvelope(const Dialect& dialect, const Response& res) {
  const std::string rid = "r";
  Response expected = dialect.encode(ApiError{res.result(), {}, "m", rid});
  return res[http::field::content_type] == expected[http::field::content_type];
}

struct Case {
  const Dialect* dialect;
  const Route* route;
  std::string name;  // "METHOD /pattern"
};

// A key that passes the route's organization and scope checks: the operator's for routes only
// the operator may call, else a key of the organization with every scope.
Headers Allowed(World& w, const Case& c) {
  return c.route->org == OrgFrom::kNone ? InProcessNode::Admin()
                                        : InProcessNode::Bearer(w.every_scope);
}

std::vector<Case> EveryGuardedRoute() {
  std::vector<Case> out;
  for (const Dialect* d : AllDialects()) {
    for (const Route& r : d->routes) {
      if (r.scope == 0) continue;  // public routes: see PublicRoutesNeedNoKey
      out.push_back({d, &r, std::string(http::to_string(r.method)) + " " + r.pattern});
    }
  }
  return out;
}

constexpr unsigned kSkip = 1;  // Rule::expected: the rule does not apply to the route

// One rule of the prologue: the request it sends and the status every route must answer.
struct Rule {
  std::string name;
  // The key and extra headers of the request (given the world and the route).
  std::function<Headers(World&, const Case&)> headers;
  // The status the route must answer; 0: anything but 400; kSkip: not sent.
  std::function<unsigned(const Case&)> expected;
  // A substring the body must hold ("" for none).
  std::string body_has;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = {
      {"no key", [](World&, const Case&) { return Headers{}; }, [](const Case&) { return 401u; },
       ""},
      {"unknown key", [](World&, const Case&) { return InProcessNode::Bearer("mrd_nobody"); },
       [](const Case&) { return 401u; }, ""},
      {"key of another organization",
       [](World& w, const Case&) { return InProcessNode::Bearer(w.foreign); },
       [](const Case&) { return 403u; }, ""},
      {"key without the route's scope",
       [](World& w, const Case& c) {
         return InProcessNode::Bearer(w.node.CreateKey(w.org, AllScopesBut(c.route->scope)));
       },
       [](const Case&) { return 403u; }, ""},
      {"unknown key with a commit token: refused before any wait",
       [](World&, const Case&) {
         return With(InProcessNode::Bearer("mrd_nobody"),
                     {{std::string(kMinCommitTokenHeader), "n9:5"},
                      {std::string(kConsistencyTimeoutHeader), "30"}});
       },
       [](const Case&) { return 401u; }, ""},
      {"bad consistency timeout",
       [](World& w, const Case& c) {
         return With(Allowed(w, c), {{std::string(kConsistencyTimeoutHeader), "0"}});
       },
       [](const Case&) { return 400u; }, std::string(kConsistencyTimeoutHeader)},
      {"bad consistency level (writes read it)",
       [](World& w, const Case& c) {
         return With(Allowed(w, c), {{std::string(kConsistencyHeader), "everywhere"}});
       },
       // A read ignores the level; only GETs are sent (other reads act, like a drain).
       [](const Case& c) {
         if (c.route->writes) return 400u;
         return c.route->method == http::verb::get ? 0u : kSkip;
       },
       ""},
      {"malformed commit token",
       [](World& w, const Case& c) {
         return With(Allowed(w, c), {{std::string(kMinCommitTokenHeader), "n1"}});
       },
       [](const Case&) { return 400u; }, "Meridian-Min-Commit-Token"},
      {"commit token this node never applies: 408 after the timeout",
       [](World& w, const Case& c) {
         return With(Allowed(w, c), {{std::string(kMinCommitTokenHeader), "n9:5"},
                                     {std::string(kConsistencyTimeoutHeader), "1"}});
       },
       [](const Case&) { return 408u; }, ""},
  };
  return rules;
}

TEST(PipelineRulesTest, EveryGuardedRouteOfEveryDialectFollowsEveryRule) {
  World w;
  const auto cases = EveryGuardedRoute();
  ASSERT_GE(cases.size(), 30u);
  for (const Case& c : cases) {
    const std::string target = TargetOf(*c.route, w.org);
    const Headers org = OrgHeaders(*c.dialect, *c.route, w.org);
    for (const Rule& rule : Rules()) {
      SCOPED_TRACE(c.name + ": " + rule.name);
      const unsigned want = rule.expected(c);
      if (want == kSkip) continue;
      Response res = w.node.Send(c.route->method, target, With(rule.headers(w, c), org));
      const unsigned got = static_cast<unsigned>(res.result());
      if (want == 0) {
        EXPECT_NE(got, 400u) << res.body();
        continue;
      }
      EXPECT_EQ(got, want) << res.body();
      EXPECT_TRUE(InEnvelope(*c.dialect, res)) << res[http::field::content_type];
      if (!rule.body_has.empty()) {
        EXPECT_NE(res.body().find(rule.body_has), std::string::npos) << res.body();
      }
    }
  }
}

// A token this node has applied does not hold anything up, on any GET route.
TEST(PipelineRulesTest, AnAppliedCommitTokenPassesOnEveryRead) {
  World w;
  const std::string token = w.node.store().origin_id() + ":1";
  for (const Case& c : EveryGuardedRoute()) {
    if (c.route->method != http::verb::get) continue;
    SCOPED_TRACE(c.name);
    const Headers h = With(Allowed(w, c), {{std::string(kMinCommitTokenHeader), token},
                                           {std::string(kConsistencyTimeoutHeader), "1"}});
    Response res = w.node.Send(c.route->method, TargetOf(*c.route, w.org),
                               With(h, OrgHeaders(*c.dialect, *c.route, w.org)));
    EXPECT_NE(res.result(), http::status::request_timeout) << res.body();
    EXPECT_NE(res.result(), http::status::unauthorized) << res.body();
    EXPECT_NE(res.result(), http::status::forbidden) << res.body();
  }
}

// With a limit of one request per key, the second request of a route's dialect group is
// refused with 429 in the dialect's envelope, Retry-After and X-RateLimit-*; a dialect without
// a group is never limited.
TEST(PipelineRulesTest, RateLimitRefusalIsTheSameOnEveryRoute) {
  RateLimitConfig limits;
  for (auto& policy : limits.groups) policy = {1, 0};
  World w(limits);
  for (const Case& c : EveryGuardedRoute()) {
    SCOPED_TRACE(c.name);
    // A fresh key per route, so each route starts with a full bucket.
    const std::string key = w.node.CreateKey(w.org, {"read", "write", "schema", "admin"});
    const Headers h = With(InProcessNode::Bearer(key), OrgHeaders(*c.dialect, *c.route, w.org));
    const std::string target = TargetOf(*c.route, w.org);
    Response first = w.node.Send(c.route->method, target, h);
    Response second = w.node.Send(c.route->method, target, h);
    if (!c.dialect->limit_group) {
      EXPECT_NE(second.result(), http::status::too_many_requests);
      EXPECT_EQ(second.find("X-RateLimit-Limit"), second.end());
      continue;
    }
    EXPECT_NE(first.result(), http::status::too_many_requests) << first.body();
    EXPECT_EQ(first["X-RateLimit-Limit"], "1");
    ASSERT_EQ(second.result(), http::status::too_many_requests) << second.body();
    EXPECT_TRUE(InEnvelope(*c.dialect, second));
    EXPECT_EQ(second[http::field::retry_after], "1");
    EXPECT_EQ(second["X-RateLimit-Remaining"], "0");
  }
}

// Public routes skip the prologue: whatever they answer without a key is their own (TempAuth's
// token endpoint refuses missing credentials itself).
TEST(PipelineRulesTest, PublicRoutesNeedNoKey) {
  World w;
  size_t public_routes = 0;
  for (const Dialect* d : AllDialects()) {
    for (const Route& r : d->routes) {
      if (r.scope != 0) continue;
      ++public_routes;
      Response res = w.node.Send(r.method, TargetOf(r, w.org));
      EXPECT_EQ(res.body().find("missing API key"), std::string::npos) << r.pattern;
      EXPECT_EQ(res.find("X-RateLimit-Limit"), res.end()) << r.pattern;
    }
  }
  EXPECT_GT(public_routes, 0u);
}

}  // namespace
}  // namespace meridian::api::testing
