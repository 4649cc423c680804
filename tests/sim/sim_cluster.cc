// The seeded cluster simulation (see sim_cluster.h).
#include "tests/sim/sim_cluster.h"

#include "storage/base/hlc.h"

namespace meridian::sim {
using replication::ConsistencyLevel;

class SimCluster::Log : public replication::LogReader {
 public:
  explicit Log(const uint64_t* last_seq) : last_seq_(last_seq) {}
  uint64_t FirstSeq() const override {
    return entries.empty() ? *last_seq_ + 1 : entries.begin()->first;
  }
  Result<std::vector<replication::WireEntry>> Read(uint64_t from, size_t max_entries,
                                                   size_t max_bytes) override {
    std::vector<replication::WireEntry> out;
    size_t bytes = 0;
    for (auto it = entries.lower_bound(from);
         it != entries.end() && out.size() < max_entries && bytes < max_bytes; ++it) {
      out.push_back({it->first, it->second});
      bytes += it->second.size();
    }
    return out;
  }
  std::map<uint64_t, std::string> entries;

 private:
  const uint64_t* last_seq_;
};

struct SimCluster::Node {
  int index = 0;
  std::string id, region, origin;
  uint64_t skew = 0;
  bool up = false;
  uint64_t epoch = 0;
  // Durable state: survives a crash.
  std::map<std::string, SimRecord> data;
  std::map<std::string, uint64_t> applied;
  uint64_t last_seq = 0;
  uint64_t hlc = 0;
  std::unique_ptr<Log> log;
  std::map<std::pair<std::string, uint64_t>, int> apply_count;
  // Volatile: rebuilt on restart.
  std::unique_ptr<replication::Replicator> core;
  std::unique_ptr<replication::ConsistencyGate> gate;
  std::map<int, uint64_t> link_gen;  // peer index -> generation of the link this node dials
  std::map<int, bool> link_up;
  uint64_t apply_at = 0;  // persistence is FIFO, like the store's single writer
};

namespace {
std::string Encode(const std::string& key, const SimRecord& r) {
  return key + '\x1f' + r.value + '\x1f' + (r.tombstone ? "1" : "0") + '\x1f' +
         std::to_string(r.hlc) + '\x1f' + r.origin;
}
void Decode(const std::string& payload, std::string& key, SimRecord& r) {
  std::vector<std::string> parts(1);
  for (char c : payload) {
    if (c == '\x1f') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  key = parts[0];
  r.value = parts[1];
  r.tombstone = parts[2] == "1";
  r.hlc = std::stoull(parts[3]);
  r.origin = parts[4];
}
}  // namespace

SimCluster::SimCluster(uint64_t seed, SimOptions options) : options_(options), rng_(seed) {
  for (int r = 0; r < options_.regions; ++r) {
    for (int k = 0; k < options_.nodes_per_region; ++k) {
      auto n = std::make_unique<Node>();
      n->index = static_cast<int>(nodes_.size());
      n->id = "n" + std::to_string(n->index + 1);
      n->region = "r" + std::to_string(r + 1);
      n->origin = n->id + ".sim";
      n->skew = Rand(100);  // up to 100 ms of clock skew between nodes
      n->log = std::make_unique<Log>(&n->last_seq);
      nodes_.push_back(std::move(n));
    }
  }
}

SimCluster::~SimCluster() = default;

uint64_t SimCluster::Rand(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
bool SimCluster::Chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

void SimCluster::At(uint64_t time, std::string what, Event event) {
  const uint64_t id = event_counter_++;
  events_.emplace(id, std::move(event));
  queue_.emplace(time, id, std::move(what));
}

void SimCluster::Trace(const std::string& what) {
  for (char c : std::to_string(now_) + ":" + what + ";") {
    trace_hash_ = (trace_hash_ ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  }
}

void SimCluster::Fail(const std::string& why) {
  if (failure_.empty()) failure_ = "t=" + std::to_string(now_) + "ms: " + why;
}

bool SimCluster::LinkUp(const Node& a, const Node& b) const {
  return a.up && b.up && !cut_.count({std::min(a.index, b.index), std::max(a.index, b.index)});
}

void SimCluster::StartNode(Node& n) {
  n.up = true;
  n.epoch++;
  std::vector<std::string> peers;
  std::vector<replication::Member> members;
  for (const auto& m : nodes_) {
    if (m.get() != &n) peers.push_back(m->id);
    members.push_back({m->id, m->region});
  }
  replication::ReplicatorOptions opts;
  opts.max_batch_entries = 8;
  opts.max_inflight_entries = 32;
  opts.retransmit_ms = 300;
  opts.heartbeat_ms = 100;
  opts.snapshot_timeout_ms = 1000;
  opts.max_log_entries = options_.max_log_entries;
  opts.truncate_every_entries = 4;  // batched, and flushed on ticks
  opts.truncate_flush_ms = 200;
  n.core = std::make_unique<replication::Replicator>(
      n.origin, peers, replication::PersistedState{n.last_seq, n.applied}, n.log.get(), opts);
  n.gate = std::make_unique<replication::ConsistencyGate>(replication::Quorum(members, n.id));
  n.gate->Durable(n.id, n.last_seq);
  n.link_up.clear();
}

void SimCluster::CrashNode(Node& n) {
  n.up = false;
  n.epoch++;
  n.core.reset();
  n.gate.reset();  // waiting clients of a crashed node never hear back
  n.link_up.clear();
}

void SimCluster::UpdateLinks() {
  for (auto& a : nodes_) {
    for (auto& b : nodes_) {
      if (a == b) continue;
      const bool up = LinkUp(*a, *b);
      if (up == a->link_up[b->index]) continue;
      a->link_up[b->index] = up;
      a->link_gen[b->index]++;
      if (!a->up) continue;
      if (up) {
        // The handshake: the listener reports how far it applied the dialer's log.
        a->core->PeerConnected(b->id, b->core->AppliedFrom(a->origin), now_);
      } else {
        a->core->PeerDisconnected(b->id);
      }
      Process(*a);
    }
  }
}

void SimCluster::Send(Node& from, Node& to, std::function<void(Node&)> deliver, bool lossy) {
  // Messages travel on the link the lower-index node... no: on the link `from` dialed, or the
  // one `to` dialed for acks; either way both ends must be up and connected.
  if (!LinkUp(from, to)) return;
  const uint64_t gen = from.link_gen[to.index] + to.link_gen[from.index];
  const int copies = lossy && Chance(options_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    if (lossy && now_ < options_.fault_ms && Chance(options_.drop)) continue;
    uint64_t delay = 1 + Rand(10) + (from.region == to.region ? 0 : 10 + Rand(30));
    Node* src = &from;
    Node* dst = &to;
    At(now_ + delay, "msg " + from.id + ">" + to.id, [this, src, dst, gen, deliver] {
      if (!LinkUp(*src, *dst) || gen != src->link_gen[dst->index] + dst->link_gen[src->index]) {
        return;  // the connection it was sent on is gone
      }
      deliver(*dst);
    });
  }
}

void SimCluster::Process(Node& n) {
  if (!n.up) return;
  while (n.core->HasReady()) {
    replication::Ready ready = n.core->TakeReady();
    for (const auto& [peer, seq] : ready.durable) n.gate->Durable(peer, seq);
    for (auto& [peer, msg] : ready.entries) {
      Node& to = *nodes_[std::stoi(peer.substr(1)) - 1];
      Send(
          n, to,
          [this, msg, origin = n.origin](Node& dst) {
            dst.core->Step(origin, msg, now_);
            Process(dst);
          },
          true);
    }
    for (auto& [origin, ack] : ready.acks) {
      for (auto& to : nodes_) {
        if (to->origin != origin) continue;
        Send(
            n, *to,
            [this, ack, id = n.id](Node& dst) {
              dst.core->Step(id, ack, now_);
              Process(dst);
            },
            true);
      }
    }
    for (auto& batch : ready.apply) {
      // The writer persists batches in submission order.
      n.apply_at = std::max(n.apply_at, now_ + 1 + Rand(3));
      At(n.apply_at, "apply " + n.id, [this, &n, batch, epoch = n.epoch] {
        if (n.epoch != epoch) return;  // crashed before the write was persisted
        ApplyEntries(n, batch);
        Process(n);
      });
    }
    for (auto& peer : ready.snapshots) {
      Node& to = *nodes_[std::stoi(peer.substr(1)) - 1];
      snapshots_++;
      Send(
          n, to,
          [this, data = n.data, seq = n.last_seq, origin = n.origin](Node& dst) {
            for (const auto& [key, rec] : data) Merge(dst, key, rec);
            dst.applied[origin] = std::max(dst.applied[origin], seq);
            dst.core->Applied(origin, seq);
            Process(dst);
          },
          false);
    }
    if (ready.truncate_upto) {
      auto& entries = n.log->entries;
      entries.erase(entries.begin(), entries.upper_bound(*ready.truncate_upto));
    }
  }
}

void SimCluster::Merge(Node& n, const std::string& key, const SimRecord& rec) {
  auto it = n.data.find(key);
  if (it == n.data.end() ||
      LwwWins(Hlc(rec.hlc), rec.origin, Hlc(it->second.hlc), it->second.origin)) {
    n.data[key] = rec;
  }
}

void SimCluster::ApplyEntries(Node& n, const replication::ApplyBatch& batch) {
  uint64_t& applied = n.applied[batch.origin];
  for (const auto& e : batch.entries) {
    if (e.seq <= applied) continue;  // the store's exactly-once rule
    if (e.seq != applied + 1) return Fail(n.id + " asked to apply a gap of " + batch.origin);
    std::string key;
    SimRecord rec;
    Decode(e.payload, key, rec);
    n.hlc = Hlc::Update(Hlc(n.hlc), Hlc(rec.hlc), now_ + n.skew).packed();
    Merge(n, key, rec);
    applied = e.seq;
    if (++n.apply_count[{batch.origin, e.seq}] > 1) Fail(n.id + " applied an entry twice");
  }
  n.core->Applied(batch.origin, applied);
}

void SimCluster::ClientWrite(Node& n) {
  const std::string key = "k" + std::to_string(Rand(options_.keys));
  SimRecord rec;
  rec.tombstone = Chance(0.1);
  rec.value = rec.tombstone ? "" : "v" + std::to_string(all_writes_.size());
  n.hlc = Hlc::Now(Hlc(n.hlc), now_ + n.skew).packed();
  rec.hlc = n.hlc;
  rec.origin = n.origin;
  Merge(n, key, rec);
  const uint64_t seq = ++n.last_seq;
  n.log->entries[seq] = Encode(key, rec);
  all_writes_.push_back(rec);
  all_write_keys_.push_back(key);
  n.core->LocalAppended(seq, now_);
  n.gate->Durable(n.id, seq);
  const auto level = Chance(0.5) ? ConsistencyLevel::kAllRegions : ConsistencyLevel::kLocalRegion;
  n.gate->Wait(seq, level, [this, origin = n.origin, region = n.region, seq, level] {
    // No client may hear "done" for a level its write has not durably reached.
    std::map<std::string, std::pair<int, int>> per_region;  // region -> (holding, total)
    for (const auto& m : nodes_) {
      auto& [holding, total] = per_region[m->region];
      total++;
      const bool has = m->origin == origin
                           ? m->last_seq >= seq
                           : (m->applied.count(origin) && m->applied[origin] >= seq);
      holding += has;
    }
    for (const auto& [r, counts] : per_region) {
      if (level == ConsistencyLevel::kLocalRegion && r != region) continue;
      if (counts.first * 2 <= counts.second) Fail("a write was released before its level held");
    }
    acked_writes_++;
  });
  Process(n);
}

bool SimCluster::CheckConverged() {
  std::map<std::string, SimRecord> expected;
  for (size_t i = 0; i < all_writes_.size(); ++i) {
    auto it = expected.find(all_write_keys_[i]);
    const SimRecord& w = all_writes_[i];
    if (it == expected.end() ||
        LwwWins(Hlc(w.hlc), w.origin, Hlc(it->second.hlc), it->second.origin)) {
      expected[all_write_keys_[i]] = w;
    }
  }
  for (const auto& n : nodes_) {
    if (n->data != expected) {
      Fail(n->id + " did not converge to the last-writer-wins state");
      return false;
    }
    for (const auto& m : nodes_) {
      if (m != n && n->applied[m->origin] != m->last_seq) {
        Fail(n->id + " did not apply all of " + m->id + "'s log");
        return false;
      }
    }
  }
  return true;
}

bool SimCluster::Run() {
  for (auto& n : nodes_) StartNode(*n);
  UpdateLinks();
  const uint64_t end = options_.fault_ms + options_.settle_ms;
  for (auto& n : nodes_) {
    for (uint64_t t = Rand(10); t < end; t += 10) {
      At(t, "tick " + n->id, [this, p = n.get()] {
        if (!p->up) return;
        p->core->Tick(now_);
        Process(*p);
      });
    }
  }
  for (int i = 0; i < options_.writes; ++i) {
    Node* n = nodes_[Rand(nodes_.size())].get();
    At(Rand(options_.fault_ms), "write " + n->id, [this, n] {
      if (n->up) ClientWrite(*n);
    });
  }
  for (int i = 0; i < 4; ++i) {  // partitions: one pair, or one node from everyone
    const uint64_t start = Rand(options_.fault_ms), length = 100 + Rand(1000);
    const int a = static_cast<int>(Rand(nodes_.size()));
    const int b = Chance(0.5) ? -1 : static_cast<int>(Rand(nodes_.size()));
    At(start, "partition", [this, a, b] {
      for (int k = 0; k < static_cast<int>(nodes_.size()); ++k) {
        if (k != a && (b < 0 || k == b)) cut_.insert({std::min(a, k), std::max(a, k)});
      }
      UpdateLinks();
    });
    At(start + length, "heal", [this, a] {
      for (auto it = cut_.begin(); it != cut_.end();) {
        it = (it->first == a || it->second == a) ? cut_.erase(it) : std::next(it);
      }
      UpdateLinks();
    });
  }
  for (int i = 0; i < 3; ++i) {  // crashes: unpersisted applies and in-flight messages are lost
    Node* n = nodes_[Rand(nodes_.size())].get();
    const uint64_t start = Rand(options_.fault_ms), length = 50 + Rand(1500);
    At(start, "crash " + n->id, [this, n] {
      if (!n->up) return;
      CrashNode(*n);
      UpdateLinks();
    });
    At(start + length, "restart " + n->id, [this, n] {
      if (n->up) return;
      StartNode(*n);
      UpdateLinks();
    });
  }
  At(options_.fault_ms, "heal all", [this] {
    cut_.clear();
    for (auto& n : nodes_) {
      if (!n->up) StartNode(*n);
    }
    UpdateLinks();
  });
  // Bounded: every event was scheduled above or by a bounded cascade before `end`.
  for (uint64_t steps = 0; !queue_.empty() && steps < 5'000'000; ++steps) {
    auto [time, id, what] = queue_.top();
    queue_.pop();
    if (time > end) break;
    now_ = time;
    Trace(what);
    auto event = std::move(events_[id]);
    events_.erase(id);
    event();
    if (!failure_.empty()) return false;
  }
  return CheckConverged() && failure_.empty();
}

}  // namespace meridian::sim
