// meridianctl's verbs (see verbs.h).
#include "verbs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "backup_file.h"
#include "output.h"
#include "verify.h"

namespace meridian::ctl {
namespace json = boost::json;
namespace {

// A verb's words: positional arguments and --flags (`--f V`, `--f=V`, or bare for switches).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  bool help = false;

  std::string Flag(const std::string& name, std::string fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
};

struct Verb {
  const char* name;
  const char* usage;  // arguments after the verb
  const char* summary;
  std::set<std::string> value_flags;   // flags that take a value
  std::set<std::string> switch_flags;  // flags that take none
  size_t min_args, max_args;
  std::function<int(const Args&, Context&)> run;
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "meridianctl: %s\n", message.c_str());
  return code;
}

// The node's error message from the operator envelope, else the body itself.
std::string ErrorText(const HttpReply& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto* errors = v.as_object().if_contains("errors");
    if (errors && errors->is_array() && !errors->as_array().empty() &&
        errors->as_array()[0].is_object()) {
      return Cell(errors->as_array()[0].as_object().if_contains("message"));
    }
  }
  std::string body = r.body;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return body;
}

// kOk when the node answered 2xx; otherwise prints why and returns the exit code.
int Check(const HttpReply& r) {
  if (r.status == 0) return Fail(kUnreachable, "cannot reach the node: " + r.error);
  if (!r.ok())
    return Fail(kRefused, "the node answered " + std::to_string(r.status) + ": " + ErrorText(r));
  return kOk;
}

json::value ParseBody(const HttpReply& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  return ec ? json::value() : v;
}

std::string StorePath(const Args& a) {
  std::string path =
      "/admin/v1/store/" + UrlEncode(a.positional[0]) + "/" + UrlEncode(a.positional[1]);
  if (a.positional.size() > 2) path += "/" + UrlEncode(a.positional[2]);
  return path;
}

// The node reads the consistency level from this header (docs/http-api.md), not the query.
Client::Headers ConsistencyHeaders(const Args& a) {
  if (!a.Has("all-regions")) return {};
  return {{"SlashID-Required-Consistency", "all_regions"}};
}

// One node's /cluster/v1/status with `ready` and `readiness` added from /readyz; `error` set
// instead when the node did not answer.
json::object NodeStatus(const Client& client) {
  HttpReply ready = client.Call("GET", "/readyz");
  if (ready.status == 0) return {{"ready", false}, {"error", "unreachable: " + ready.error}};
  HttpReply r = client.Call("GET", "/cluster/v1/status");
  json::value v = ParseBody(r);
  if (!r.ok() || !v.is_object()) {
    return {{"ready", false}, {"error", "status answered " + std::to_string(r.status)}};
  }
  std::string readiness = ready.body;
  while (!readiness.empty() && readiness.back() == '\n') readiness.pop_back();
  v.as_object()["ready"] = ready.ok();
  v.as_object()["readiness"] = readiness;
  return std::move(v.as_object());
}

// status --cluster: one row per node; kOk only when every node answered and is ready.
int ClusterStatus(const Args& a, Context& ctx) {
  std::vector<std::string> endpoints;
  std::stringstream in(a.Flag("endpoints"));
  for (std::string url; std::getline(in, url, ',');) {
    if (!url.empty()) endpoints.push_back(url);
  }
  std::vector<Member> members;
  for (const auto& url : endpoints) {  // named ones: a node down is a row, not a failure
    auto endpoint = ParseEndpoint(url);
    if (!endpoint) return Fail(kUsage, "bad endpoint " + url);
    members.push_back({url, ctx.client.WithEndpoint(*endpoint)});
  }
  if (endpoints.empty()) {
    if (int code = FindMembers({}, ctx, members); code != kOk) return code;
  }
  json::array nodes;
  std::vector<std::vector<std::string>> rows;
  bool healthy = true;
  for (const Member& m : members) {
    json::object node = NodeStatus(m.client);
    if (!node.contains("node_id")) node["node_id"] = m.id;
    healthy = healthy && node.at("ready").as_bool();
    uint64_t connected = 0, peers = 0, lag = 0;
    double lag_seconds = 0;
    if (const auto* list = node.if_contains("peers"); list && list->is_array()) {
      for (const auto& p : list->as_array()) {
        const auto& o = p.as_object();
        ++peers;
        if (const auto* c = o.if_contains("connected"); c && c->is_bool() && c->as_bool()) {
          ++connected;
        }
        if (const auto* l = o.if_contains("lag_entries"); l && l->is_number()) {
          lag = std::max(lag, l->to_number<uint64_t>());
        }
        if (const auto* l = o.if_contains("lag_seconds"); l && l->is_number()) {
          lag_seconds = std::max(lag_seconds, l->to_number<double>());
        }
      }
    }
    const auto* error = node.if_contains("error");
    const json::value max_lag_seconds(lag_seconds);
    rows.push_back({Cell(node.if_contains("node_id")), Cell(node.if_contains("region")),
                    error ? Cell(error) : Cell(node.if_contains("readiness")),
                    Cell(node.if_contains("last_seq")),
                    std::to_string(connected) + "/" + std::to_string(peers), std::to_string(lag),
                    Cell(&max_lag_seconds)});
    nodes.push_back(std::move(node));
  }
  if (ctx.json) {
    PrintJson(json::value(std::move(nodes)));
  } else {
    PrintTable(
        {"NODE", "REGION", "READY", "LAST_SEQ", "PEERS_UP", "MAX_LAG_ENTRIES", "MAX_LAG_SECONDS"},
        rows);
  }
  return healthy ? kOk : kCheckFailed;
}

// A peer's last link error as "TIME TEXT" (UTC), or "-" when it had none.
std::string LastError(const json::object& peer) {
  const auto* text = peer.if_contains("last_error");
  const auto* ms = peer.if_contains("last_error_unix_ms");
  if (text == nullptr || !text->is_string() || text->as_string().empty()) return "-";
  std::string when = "?";
  if (ms != nullptr && ms->is_number()) {
    const std::time_t seconds = static_cast<std::time_t>(ms->to_number<double>() / 1000);
    std::tm utc{};
    char buf[32];
    if (gmtime_r(&seconds, &utc) != nullptr &&
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc) > 0) {
      when = buf;
    }
  }
  return when + " " + std::string(text->as_string());
}

int Status(const Args& a, Context& ctx) {
  if (a.Has("cluster") || a.Has("endpoints")) return ClusterStatus(a, ctx);
  HttpReply ready = ctx.client.Call("GET", "/readyz");
  if (ready.status == 0) return Fail(kUnreachable, "cannot reach the node: " + ready.error);
  HttpReply r = ctx.client.Call("GET", "/cluster/v1/status");
  if (int code = Check(r); code != kOk) return code;
  json::value v = ParseBody(r);
  if (!v.is_object()) return Fail(kRefused, "the node's status is not JSON");
  json::object& node = v.as_object();
  std::string readiness = ready.body;
  while (!readiness.empty() && readiness.back() == '\n') readiness.pop_back();
  node["ready"] = ready.ok();
  node["readiness"] = readiness;
  if (ctx.json) {
    PrintJson(v);
  } else {
    PrintTable(
        {"NODE", "REGION", "ORIGIN", "LAST_SEQ", "READY"},
        {{Cell(node.if_contains("node_id")), Cell(node.if_contains("region")),
          Cell(node.if_contains("origin_id")), Cell(node.if_contains("last_seq")), readiness}});
    std::vector<std::vector<std::string>> rows;
    if (const auto* peers = node.if_contains("peers"); peers && peers->is_array()) {
      for (const auto& p : peers->as_array()) {
        const auto& o = p.as_object();
        rows.push_back({Cell(o.if_contains("id")), Cell(o.if_contains("region")),
                        Cell(o.if_contains("connected")), Cell(o.if_contains("inbound_connected")),
                        Cell(o.if_contains("acked_seq")), Cell(o.if_contains("lag_entries")),
                        Cell(o.if_contains("lag_seconds")), Cell(o.if_contains("snapshotting")),
                        Cell(o.if_contains("bytes_sent")), Cell(o.if_contains("bytes_received")),
                        LastError(o)});
      }
    }
    if (!rows.empty()) {
      std::printf("\n");
      PrintTable({"PEER", "REGION", "CONNECTED", "INBOUND", "ACKED_SEQ", "LAG_ENTRIES",
                  "LAG_SECONDS", "SNAPSHOTTING", "SENT_BYTES", "RECEIVED_BYTES", "LAST_ERROR"},
                 rows);
    }
  }
  return ready.ok() ? kOk : kCheckFailed;
}

// `items` (JSON objects) as a table of `columns` (their fields, upper-cased as headers).
void PrintItems(const json::array& items, const std::vector<std::string>& columns) {
  std::vector<std::string> headers;
  for (const auto& c : columns) {
    std::string h;
    for (char ch : c) h.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    headers.push_back(h);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : items) {
    std::vector<std::string> row;
    for (const auto& c : columns) {
      row.push_back(item.is_object() ? Cell(item.as_object().if_contains(c)) : Cell(&item));
    }
    rows.push_back(std::move(row));
  }
  PrintTable(headers, rows);
}

// Prints `result` of a list answer: a table of `columns` or the array as JSON.
int PrintList(const HttpReply& r, Context& ctx, const std::vector<std::string>& columns) {
  if (int code = Check(r); code != kOk) return code;
  json::value v = ParseBody(r);
  const json::value* result = v.is_object() ? v.as_object().if_contains("result") : nullptr;
  if (result == nullptr || !result->is_array()) {
    return Fail(kRefused, "unexpected answer: " + r.body);
  }
  if (ctx.json) {
    PrintJson(*result);
  } else {
    PrintItems(result->as_array(), columns);
  }
  return kOk;
}

// Prints the object a create answered with: a one-row table of `columns` or the JSON.
int PrintCreated(const HttpReply& r, Context& ctx, const std::vector<std::string>& columns) {
  if (int code = Check(r); code != kOk) return code;
  json::value v = ParseBody(r);
  if (ctx.json) {
    PrintJson(v);
  } else {
    PrintItems(json::array{v}, columns);
  }
  return kOk;
}

int Orgs(const Args& a, Context& ctx) {
  const std::string& sub = a.positional[0];
  Args rest = a;
  rest.positional.erase(rest.positional.begin());
  if (sub == "list" && rest.positional.empty()) {
    return PrintList(ctx.client.Call("GET", "/admin/v1/organizations"), ctx,
                     {"id", "name", "created_at"});
  }
  if (sub == "create" && rest.positional.size() == 1) {
    return PrintCreated(
        ctx.client.Call("POST", "/admin/v1/organizations",
                        json::serialize(json::object{{"name", rest.positional[0]}})),
        ctx, {"id", "name", "created_at"});
  }
  if ((sub == "revoke" || sub == "delete") && rest.positional.size() == 1) {
    return Check(
        ctx.client.Call("DELETE", "/admin/v1/organizations/" + UrlEncode(rest.positional[0])));
  }
  return Fail(kUsage, "usage: meridianctl orgs list | create NAME | revoke ORG_ID");
}

int Keys(const Args& a, Context& ctx) {
  const std::string& sub = a.positional[0];
  const auto& p = a.positional;
  if (sub == "list" && p.size() == 2) {
    return PrintList(
        ctx.client.Call("GET", "/admin/v1/organizations/" + UrlEncode(p[1]) + "/api-keys"), ctx,
        {"id", "name", "scopes", "created_at"});
  }
  if (sub == "create" && p.size() == 3) {
    json::array scopes;
    std::stringstream in(a.Flag("scopes", "read"));
    for (std::string s; std::getline(in, s, ',');) scopes.emplace_back(s);
    HttpReply r =
        ctx.client.Call("POST", "/admin/v1/organizations/" + UrlEncode(p[1]) + "/api-keys",
                        json::serialize(json::object{{"name", p[2]}, {"scopes", scopes}}));
    const int code = PrintCreated(r, ctx, {"id", "name", "scopes", "key"});
    if (code == kOk && !ctx.json) {
      std::fprintf(stderr, "meridianctl: the key is shown only this once; store it now\n");
    }
    return code;
  }
  if (sub == "revoke" && p.size() == 3) {
    return Check(ctx.client.Call(
        "DELETE", "/admin/v1/organizations/" + UrlEncode(p[1]) + "/api-keys/" + UrlEncode(p[2])));
  }
  return Fail(
      kUsage,
      "usage: meridianctl keys list ORG_ID | create ORG_ID NAME [--scopes read,write,...] | "
      "revoke ORG_ID KEY_ID");
}

int Get(const Args& a, Context& ctx) {
  HttpReply r = ctx.client.Call("GET", StorePath(a));
  if (int code = Check(r); code != kOk) return code;
  if (ctx.json) {
    PrintJson(json::object{{"value", r.body},
                           {"hlc", r.Header("Meridian-Record-Hlc")},
                           {"origin", r.Header("Meridian-Record-Origin")},
                           {"updated_at", r.Header("Meridian-Record-Updated")}});
  } else {
    std::fwrite(r.body.data(), 1, r.body.size(), stdout);
    if (!r.body.empty() && r.body.back() != '\n' && isatty(fileno(stdout))) std::printf("\n");
  }
  return kOk;
}

int Put(const Args& a, Context& ctx) {
  std::string value;
  if (a.positional.size() == 4) {
    value = a.positional[3] == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                                   : a.positional[3];
  } else if (a.Has("file")) {
    std::ifstream in(a.Flag("file"), std::ios::binary);
    if (!in) return Fail(kUsage, "cannot read " + a.Flag("file"));
    value.assign(std::istreambuf_iterator<char>(in), {});
  } else {
    return Fail(kUsage, "put needs a VALUE, '-' (stdin) or --file FILE");
  }
  HttpReply r = ctx.client.Call("PUT", StorePath(a), value, "application/octet-stream",
                                ConsistencyHeaders(a));
  if (int code = Check(r); code != kOk) return code;
  if (ctx.json) PrintJson(json::object{{"commit_token", r.Header("Meridian-Commit-Token")}});
  return kOk;
}

int Delete(const Args& a, Context& ctx) {
  HttpReply r =
      ctx.client.Call("DELETE", StorePath(a), {}, "application/json", ConsistencyHeaders(a));
  if (int code = Check(r); code != kOk) return code;
  if (ctx.json) PrintJson(json::object{{"commit_token", r.Header("Meridian-Commit-Token")}});
  return kOk;
}

int Ls(const Args& a, Context& ctx) {
  long limit = std::strtol(a.Flag("limit", "1000").c_str(), nullptr, 10);
  if (limit <= 0 || limit > 1000000) return Fail(kUsage, "--limit must be 1 to 1000000");
  json::array all;
  std::string after;
  while (static_cast<long>(all.size()) < limit) {
    const long page = std::min<long>(1000, limit - static_cast<long>(all.size()));
    std::string target = StorePath(a) + "?limit=" + std::to_string(page);
    if (a.Has("prefix")) target += "&prefix=" + UrlEncode(a.Flag("prefix"));
    if (!after.empty()) target += "&after=" + UrlEncode(after);
    HttpReply r = ctx.client.Call("GET", target);
    if (int code = Check(r); code != kOk) return code;
    json::value v = ParseBody(r);
    if (!v.is_object() || !v.as_object().contains("result"))
      return Fail(kRefused, "unexpected answer");
    for (auto& item : v.as_object()["result"].as_array()) all.push_back(item);
    const auto* next = v.as_object().if_contains("next");
    if (next == nullptr || !next->is_string()) break;
    after = std::string(next->as_string());
  }
  if (ctx.json) {
    PrintJson(all);
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : all) {
    const auto& o = item.as_object();
    rows.push_back({Cell(o.if_contains("name")), Cell(o.if_contains("size")),
                    Cell(o.if_contains("hlc")), Cell(o.if_contains("origin")),
                    Cell(o.if_contains("updated_at"))});
  }
  PrintTable({"NAME", "SIZE", "HLC", "ORIGIN", "UPDATED"}, rows);
  return kOk;
}

int Drain(const Args& a, Context& ctx) {
  if (a.Has("cancel")) {
    HttpReply r = ctx.client.Call("DELETE", "/admin/v1/drain");
    if (int code = Check(r); code != kOk) return code;
    if (ctx.json)
      PrintJson(ParseBody(r));
    else
      std::printf("accepting writes again\n");
    return kOk;
  }
  long seconds = std::strtol(a.Flag("timeout", "30").c_str(), nullptr, 10);
  if (seconds < 0 || seconds > 600) return Fail(kUsage, "--timeout must be 0 to 600 seconds");
  ctx.client.set_timeout(std::chrono::seconds(seconds + 30));
  HttpReply r =
      ctx.client.Call("POST", "/admin/v1/drain?timeout_ms=" + std::to_string(seconds * 1000));
  if (int code = Check(r); code != kOk) return code;
  json::value v = ParseBody(r);
  const bool replicated = v.is_object() && v.as_object().contains("replicated") &&
                          v.as_object().at("replicated").is_bool() &&
                          v.as_object().at("replicated").as_bool();
  if (ctx.json) {
    PrintJson(v);
  } else {
    std::printf("drained: writes refused; last_seq %s %s\n",
                Cell(v.as_object().if_contains("last_seq")).c_str(),
                replicated ? "replicated to every peer" : "NOT yet replicated to every peer");
  }
  return replicated ? kOk : kCheckFailed;
}

// Flushes `path`'s data to the disk: a backup said written must survive a crash.
bool SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// The backup streams into FILE.partial, is checked there from a read-only mapping (never held in
// memory whole), synced and renamed to FILE: FILE is either a whole, checked backup or absent.
int Backup(const Args& a, Context& ctx) {
  const std::string& file = a.positional[0];
  const std::string partial = file + ".partial";
  std::error_code ignored;
  HttpReply r = ctx.client.Download("/admin/v1/backup", partial);
  if (int code = Check(r); code != kOk) {
    std::filesystem::remove(partial, ignored);
    return code;
  }
  std::string error;
  auto mapped = MappedFile::Open(partial, &error);
  if (!mapped) {
    std::filesystem::remove(partial, ignored);
    return Fail(kCheckFailed, error);
  }
  auto parts = CheckBackup(mapped->bytes(), &error);
  if (!parts) {
    std::filesystem::remove(partial, ignored);
    return Fail(kRefused, "the node sent a bad backup: " + error);
  }
  std::error_code renamed;
  const bool synced = SyncFile(partial);
  if (synced) std::filesystem::rename(partial, file, renamed);
  if (!synced || renamed) {
    std::filesystem::remove(partial, ignored);
    return Fail(kCheckFailed, "cannot write " + file);
  }
  if (ctx.json) {
    PrintJson(json::value(parts->manifest));
  } else {
    std::printf("backup of %s written to %s: %zu data bytes, sha256 %s\n",
                Cell(parts->manifest.if_contains("node_id")).c_str(), file.c_str(),
                parts->data.size(), Cell(parts->manifest.if_contains("sha256")).c_str());
  }
  return kOk;
}

int Restore(const Args& a, Context& ctx) {
  const std::string& file = a.positional[0];
  const std::string dir = a.Flag("data-dir", "");
  if (dir.empty()) return Fail(kUsage, "restore needs --data-dir DIR");
  std::string error;
  auto mapped = MappedFile::Open(file, &error);
  if (!mapped) return Fail(kCheckFailed, error);
  auto parts = CheckBackup(mapped->bytes(), &error);
  if (!parts) return Fail(kCheckFailed, file + ": " + error);
  if (std::string e = RestoreInto(*parts, dir); !e.empty()) return Fail(kCheckFailed, e);
  if (ctx.json) {
    PrintJson(json::value(parts->manifest));
  } else {
    std::printf("restored node %s into %s; it takes a new origin id and catches up from peers\n",
                Cell(parts->manifest.if_contains("node_id")).c_str(), dir.c_str());
  }
  return kOk;
}

int VerifyOrRepair(const Args& a, Context& ctx, bool repair) {
  VerifyOptions options;
  options.repair = repair;
  std::stringstream in(a.Flag("endpoints"));
  for (std::string url; std::getline(in, url, ',');) {
    if (!url.empty()) options.endpoints.push_back(url);
  }
  options.wait_seconds = static_cast<int>(std::strtol(a.Flag("wait", "30").c_str(), nullptr, 10));
  if (options.wait_seconds <= 0 || options.wait_seconds > 3600) {
    return Fail(kUsage, "--wait must be 1 to 3600 seconds");
  }
  return VerifyCluster(options, ctx);
}

int Verify(const Args& a, Context& ctx) { return VerifyOrRepair(a, ctx, false); }
int Repair(const Args& a, Context& ctx) { return VerifyOrRepair(a, ctx, true); }

const std::vector<Verb>& Verbs() {
  static const std::vector<Verb> verbs = {
      {"status",
       "[--cluster [--endpoints URL,URL,...]]",
       "this node's readiness and every peer: connected, acked position, lag (--cluster: every "
       "node)",
       {"endpoints"},
       {"cluster"},
       0,
       0,
       Status},
      {"orgs", "list | create NAME | revoke ORG_ID", "organizations", {}, {}, 1, 2, Orgs},
      {"keys",
       "list ORG_ID | create ORG_ID NAME [--scopes read,write,schema,admin] | revoke ORG_ID KEY_ID",
       "API keys of an organization",
       {"scopes"},
       {},
       2,
       3,
       Keys},
      {"get",
       "TENANT NAMESPACE NAME",
       "prints a record's value (any dialect's)",
       {},
       {},
       3,
       3,
       Get},
      {"put",
       "TENANT NAMESPACE NAME (VALUE | - | --file FILE) [--all-regions]",
       "writes a record's value through the normal write path",
       {"file"},
       {"all-regions"},
       3,
       4,
       Put},
      {"delete",
       "TENANT NAMESPACE NAME [--all-regions]",
       "deletes a record",
       {},
       {"all-regions"},
       3,
       3,
       Delete},
      {"ls",
       "TENANT NAMESPACE [--prefix P] [--limit N]",
       "lists a namespace's records in name order",
       {"prefix", "limit"},
       {},
       2,
       2,
       Ls},
      {"drain",
       "[--timeout SECONDS] | --cancel",
       "refuses new writes, waits until every write reached every peer",
       {"timeout"},
       {"cancel"},
       0,
       0,
       Drain},
      {"backup",
       "FILE",
       "writes a consistent hot backup of the node to FILE",
       {},
       {},
       1,
       1,
       Backup},
      {"restore",
       "FILE --data-dir DIR",
       "checks FILE and makes a data folder from it (no node needed)",
       {"data-dir"},
       {},
       1,
       1,
       Restore},
      {"verify",
       "[--endpoints URL,URL,...] [--wait SECONDS]",
       "compares every node's records; exit 1 and the differing records when they differ",
       {"endpoints", "wait"},
       {},
       0,
       0,
       Verify},
      {"repair",
       "[--endpoints URL,URL,...] [--wait SECONDS]",
       "sends differing records between nodes so last-writer-wins heals them, then verifies",
       {"endpoints", "wait"},
       {},
       0,
       0,
       Repair},
  };
  return verbs;
}

std::string UsageOf(const Verb& v) {
  return std::string("meridianctl [OPTIONS] ") + v.name + (*v.usage ? " " : "") + v.usage;
}

}  // namespace

std::string VerbsHelp() {
  std::string out;
  for (const auto& v : Verbs())
    out += std::string("  ") + v.name + std::string(8 - std::string(v.name).size(), ' ') +
           v.summary + "\n";
  return out;
}

int RunVerb(const std::string& verb, std::vector<std::string> words, Context& ctx) {
  const Verb* found = nullptr;
  for (const auto& v : Verbs()) {
    if (verb == v.name) found = &v;
  }
  if (found == nullptr) return Fail(kUsage, "unknown verb '" + verb + "'; see meridianctl --help");
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--help" || w == "-h") {
      args.help = true;
    } else if (w.starts_with("--") && w.size() > 2) {
      std::string name = w.substr(2), value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      if (found->value_flags.count(name)) {
        if (eq == std::string::npos) {
          if (i + 1 >= words.size())
            return Fail(kUsage, "--" + name + " needs a value\nusage: " + UsageOf(*found));
          value = words[++i];
        }
      } else if (!found->switch_flags.count(name) || eq != std::string::npos) {
        return Fail(kUsage, "unknown option " + w + "\nusage: " + UsageOf(*found));
      }
      args.flags[name] = value;
    } else {
      args.positional.push_back(w);
    }
  }
  if (args.help) {
    std::printf("usage: %s\n%s\n", UsageOf(*found).c_str(), found->summary);
    return kOk;
  }
  if (args.positional.size() < found->min_args || args.positional.size() > found->max_args) {
    return Fail(kUsage, "usage: " + UsageOf(*found));
  }
  return found->run(args, ctx);
}

}  // namespace meridian::ctl
