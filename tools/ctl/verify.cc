// meridianctl verify and repair (see verify.h).
#include "verify.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "output.h"

namespace meridian::ctl {
namespace json = boost::json;
namespace {

constexpr size_t kPerCall = 1000;  // keys or records per call (the node's limit)

struct Version {
  std::string hlc, origin, leaf;
  bool operator==(const Version&) const = default;
};

struct Difference {
  std::string key_hex;
  std::vector<std::optional<Version>> versions;  // per member; nullopt: no live record
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "meridianctl: %s\n", message.c_str());
  return code;
}

std::string Text(const json::object& o, std::string_view field) {
  const auto* v = o.if_contains(field);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

uint64_t Number(const json::object& o, std::string_view field) {
  const auto* v = o.if_contains(field);
  return v && (v->is_uint64() || v->is_int64()) ? v->to_number<uint64_t>() : 0;
}

// A JSON object from a 2xx answer, or the exit code and a message.
std::optional<json::object> CallJson(const Member& m, std::string_view method,
                                     const std::string& target, std::string body, int* code) {
  HttpReply r = m.client.Call(method, target, body);
  if (r.status == 0) {
    *code = Fail(kUnreachable, "cannot reach node " + m.id + ": " + r.error);
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!r.ok() || ec || !v.is_object()) {
    *code = Fail(kRefused, "node " + m.id + " answered " + std::to_string(r.status) + " to " +
                               target + ": " + r.body);
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::optional<Version> VersionOf(const json::value* v) {
  if (v == nullptr || !v->is_object()) return std::nullopt;
  const auto& o = v->as_object();
  return Version{Text(o, "hlc"), Text(o, "origin"), Text(o, "leaf")};
}

bool AllEqual(const std::vector<std::optional<Version>>& versions) {
  for (const auto& v : versions) {
    if (!v || !(*v == *versions.front())) return false;
  }
  return true;
}

// Compares the members' digest trees; fills `diffs`. Returns kOk or an exit code.
class Comparison {
 public:
  explicit Comparison(const std::vector<Member>& members) : members_(members) {}

  int Descend(const std::string& prefix_hex) {
    std::vector<json::object> nodes;
    for (const auto& m : members_) {
      int code = kOk;
      auto node = CallJson(m, "GET", "/admin/v1/digest?prefix=" + prefix_hex, "", &code);
      if (!node) return code;
      nodes.push_back(std::move(*node));
    }
    bool same = true, all_listed = true;
    for (const auto& n : nodes) {
      same = same && Text(n, "digest") == Text(nodes[0], "digest") &&
             Number(n, "count") == Number(nodes[0], "count");
      all_listed = all_listed && n.contains("keys");
    }
    if (same) return kOk;
    if (all_listed) {  // every node listed its records: compare them key by key
      std::map<std::string, std::vector<std::optional<Version>>> keys;
      for (size_t i = 0; i < nodes.size(); ++i) {
        for (const auto& k : nodes[i].at("keys").as_array()) {
          auto& slot = keys[Text(k.as_object(), "key")];
          slot.resize(members_.size());
          slot[i] = VersionOf(&k);
        }
      }
      for (auto& [key, versions] : keys) {
        if (!AllEqual(versions)) diffs_.push_back({key, std::move(versions)});
      }
      return kOk;
    }
    // children: prefix -> per member (count, digest, the record when it holds one)
    std::map<std::string, std::vector<const json::object*>> children;
    for (size_t i = 0; i < nodes.size(); ++i) {
      for (const auto& c : nodes[i].at("children").as_array()) {
        auto& slot = children[Text(c.as_object(), "prefix")];
        slot.resize(members_.size(), nullptr);
        slot[i] = &c.as_object();
      }
    }
    for (const auto& [child, per_member] : children) {
      bool child_same = true;
      uint64_t max_count = 0;
      for (const auto* c : per_member) {
        child_same =
            child_same && c != nullptr && Text(*c, "digest") == Text(*per_member[0], "digest");
        if (c != nullptr) max_count = std::max(max_count, Number(*c, "count"));
      }
      if (child_same) continue;
      if (max_count <= 1) {  // one record at most on each node: it is the difference
        std::vector<std::optional<Version>> versions;
        std::string key;
        for (const auto* c : per_member) {
          versions.push_back(c ? VersionOf(c->if_contains("only")) : std::nullopt);
          if (versions.back()) key = Text(c->at("only").as_object(), "key");
        }
        diffs_.push_back({key, std::move(versions)});
        continue;
      }
      if (int code = Descend(child); code != kOk) return code;
    }
    return kOk;
  }

  std::vector<Difference>& diffs() { return diffs_; }

 private:
  const std::vector<Member>& members_;
  std::vector<Difference> diffs_;
};

// Every member's last_seq when each has applied every other's log up to it; nullopt while not.
std::optional<std::map<std::string, uint64_t>> CommonPosition(const std::vector<Member>& members,
                                                              int* code) {
  std::map<std::string, json::object> status;
  for (const auto& m : members) {
    auto s = CallJson(m, "GET", "/cluster/v1/status", "", code);
    if (!s) return std::nullopt;
    status[m.id] = std::move(*s);
  }
  std::map<std::string, uint64_t> last;
  for (const auto& [id, s] : status) last[id] = Number(s, "last_seq");
  for (const auto& [id, s] : status) {
    for (const auto& p : s.at("peers").as_array()) {
      const auto& peer = p.as_object();
      auto it = last.find(Text(peer, "id"));
      if (it != last.end() && Number(peer, "applied_seq") < it->second) return std::nullopt;
    }
  }
  return last;
}

// Sends every differing record to every node holding another; LWW decides on each node.
int Repair(const std::vector<Member>& members, const std::vector<Difference>& diffs, size_t* sent) {
  std::vector<std::vector<std::optional<std::string>>> raw(diffs.size());  // [diff][member]
  for (size_t start = 0; start < diffs.size(); start += kPerCall) {
    json::array keys;
    for (size_t d = start; d < std::min(diffs.size(), start + kPerCall); ++d) {
      keys.emplace_back(diffs[d].key_hex);
    }
    for (const auto& m : members) {
      int code = kOk;
      auto r = CallJson(m, "POST", "/admin/v1/records",
                        json::serialize(json::object{{"keys", keys}}), &code);
      if (!r) return code;
      const auto& records = r->at("records").as_array();
      for (size_t j = 0; j < records.size() && start + j < diffs.size(); ++j) {
        const auto* rec = records[j].as_object().if_contains("record");
        raw[start + j].push_back(rec && rec->is_string()
                                     ? std::optional<std::string>(std::string(rec->as_string()))
                                     : std::nullopt);
      }
    }
  }
  *sent = 0;
  for (size_t target = 0; target < members.size(); ++target) {
    json::array batch;
    auto flush = [&]() -> int {
      if (batch.empty()) return kOk;
      int code = kOk;
      if (!CallJson(members[target], "POST", "/admin/v1/repair",
                    json::serialize(json::object{{"records", batch}}), &code)) {
        return code;
      }
      *sent += batch.size();
      batch.clear();
      return kOk;
    };
    for (size_t d = 0; d < diffs.size(); ++d) {
      std::set<std::string> offered;
      for (size_t from = 0; from < raw[d].size(); ++from) {
        const auto& rec = raw[d][from];
        if (from == target || !rec || rec == raw[d][target] || !offered.insert(*rec).second)
          continue;
        batch.push_back(json::object{{"key", diffs[d].key_hex}, {"record", *rec}});
        if (batch.size() == kPerCall) {
          if (int code = flush(); code != kOk) return code;
        }
      }
    }
    if (int code = flush(); code != kOk) return code;
  }
  return kOk;
}

// "tenant/namespace/name" of a hex key, non-printable bytes as %XX.
std::string ShowKey(const std::string& key_hex) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  int nuls = 0;
  for (size_t i = 0; i + 1 < key_hex.size(); i += 2) {
    const auto c = static_cast<unsigned char>(std::stoi(key_hex.substr(i, 2), nullptr, 16));
    if (c == 0 && nuls < 2) {
      out.push_back('/');
      ++nuls;
    } else if (c > 0x20 && c < 0x7f && c != '%' && c != '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

void Print(const std::vector<Member>& members, const std::vector<Difference>& diffs, bool as_json,
           size_t repaired, bool repair) {
  if (as_json) {
    json::array ids, list;
    for (const auto& m : members) ids.emplace_back(m.id);
    for (const auto& d : diffs) {
      json::object versions;
      for (size_t i = 0; i < members.size(); ++i) {
        const auto& v = d.versions[i];
        versions[members[i].id] =
            v ? json::value(json::object{{"hlc", v->hlc}, {"origin", v->origin}, {"leaf", v->leaf}})
              : json::value();
      }
      list.push_back(json::object{
          {"record", ShowKey(d.key_hex)}, {"key", d.key_hex}, {"versions", std::move(versions)}});
    }
    json::object out{{"equal", diffs.empty()}, {"nodes", ids}, {"differences", list}};
    if (repair) out["repaired_records_sent"] = repaired;
    PrintJson(out);
    return;
  }
  std::string names;
  for (const auto& m : members) names += (names.empty() ? "" : ", ") + m.id;
  if (diffs.empty()) {
    std::printf("verify: %s hold the same records\n", names.c_str());
    return;
  }
  std::printf("verify: %zu records differ between %s:\n", diffs.size(), names.c_str());
  std::vector<std::string> headers{"RECORD"};
  for (const auto& m : members) headers.push_back(m.id);
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : diffs) {
    std::vector<std::string> row{ShowKey(d.key_hex)};
    for (const auto& v : d.versions) {
      row.push_back(v ? v->hlc + "@" + v->origin + " #" + v->leaf.substr(0, 8) : "-");
    }
    rows.push_back(std::move(row));
  }
  PrintTable(headers, rows);
}

}  // namespace

int FindMembers(const std::vector<std::string>& endpoints, Context& ctx,
                std::vector<Member>& members) {
  int code = kOk;
  const Member self{"", ctx.client};
  auto status = CallJson(self, "GET", "/cluster/v1/status", "", &code);
  if (!status) return code;
  std::set<std::string> ids{Text(*status, "node_id")};
  for (const auto& p : status->at("peers").as_array()) ids.insert(Text(p.as_object(), "id"));
  std::map<std::string, std::string> urls;
  if (endpoints.empty()) {
    auto nodes = CallJson(self, "GET", "/admin/v1/nodes", "", &code);
    if (!nodes) return code;
    for (const auto& [id, api] : nodes->at("nodes").as_object()) {
      urls[id] = api.is_string() ? std::string(api.as_string()) : "";
    }
    members.push_back({Text(*status, "node_id"), ctx.client});
  }
  for (const auto& url : endpoints) {
    auto endpoint = ParseEndpoint(url);
    if (!endpoint) return Fail(kUsage, "bad endpoint " + url);
    Member m{"", ctx.client.WithEndpoint(*endpoint)};
    auto s = CallJson(m, "GET", "/cluster/v1/status", "", &code);
    if (!s) return code;
    m.id = Text(*s, "node_id");
    members.push_back(std::move(m));
  }
  for (const auto& id : ids) {
    bool known = false;
    for (const auto& m : members) known = known || m.id == id;
    if (known) continue;
    auto endpoint = ParseEndpoint(urls[id]);
    if (!endpoint || endpoint->port == "0") {
      return Fail(kUsage, "node " + id + " has no known API address (cluster file: '" + urls[id] +
                              "'); name every node with --endpoints");
    }
    members.push_back({id, ctx.client.WithEndpoint(*endpoint)});
  }
  return kOk;
}

int VerifyCluster(const VerifyOptions& options, Context& ctx) {
  std::vector<Member> members;
  if (int code = FindMembers(options.endpoints, ctx, members); code != kOk) return code;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.wait_seconds);
  size_t repaired = 0;
  bool repaired_once = false;
  // Bounded by the deadline: positions must be common before and unchanged after the digests.
  for (int attempt = 0;; ++attempt) {
    int code = kOk;
    auto before = CommonPosition(members, &code);
    if (code != kOk) return code;
    std::optional<Comparison> result;
    if (before) {
      result.emplace(members);
      if (code = result->Descend(""); code != kOk) return code;
      auto after = CommonPosition(members, &code);
      if (code != kOk) return code;
      if (after != before) result.reset();
    }
    if (result && options.repair && !repaired_once && !result->diffs().empty()) {
      if (code = Repair(members, result->diffs(), &repaired); code != kOk) return code;
      repaired_once = true;
      continue;  // verify again: the repair's outcome is what counts
    }
    if (result) {
      Print(members, result->diffs(), ctx.json, repaired, options.repair);
      return result->diffs().empty() ? kOk : kCheckFailed;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(kCheckFailed, "the nodes reached no common replicated position within " +
                                    std::to_string(options.wait_seconds) +
                                    " s (writes still arriving, or a peer is cut off)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 100 : 500));
  }
}

}  // namespace meridian::ctl
