// The failpoint registry (see failpoint.h).
#include "storage/failpoint.h"

#include <sys/stat.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "storage/base/log.h"

namespace meridian::storage::failpoint {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, Spec, std::less<>> armed;  // GUARDED_BY(mu); `after` counts down
  std::atomic<size_t> count{0};                    // armed.size(), for the unarmed fast path
  std::string file;                                // MERIDIAN_FAILPOINTS_FILE; set once
  std::string file_text;                           // GUARDED_BY(mu); what is armed from it
  std::vector<std::string> from_file;              // GUARDED_BY(mu)
};

Registry& Points() {
  static Registry registry;
  return registry;
}

// Re-arms from MERIDIAN_FAILPOINTS_FILE when its text changed: what the old text armed is
// disarmed first, so emptying the file disarms. A stat per hit, only in such processes.
void ReloadFile(Registry& r) {
  struct stat info {};
  std::string text;
  if (::stat(r.file.c_str(), &info) == 0) {
    std::ifstream in(r.file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  }
  std::vector<std::string> old;
  {
    std::lock_guard lock(r.mu);
    if (text == r.file_text) return;
    r.file_text = text;
    old = std::move(r.from_file);
    r.from_file.clear();
  }
  for (const auto& name : old) Disarm(name);
  if (!ArmFromText(text).ok()) {
    log::Error("failpoints_refused", "file=" + r.file);
    return;
  }
  std::lock_guard lock(r.mu);
  for (std::string_view rest = text; !rest.empty();) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    r.from_file.emplace_back(item.substr(0, item.find('=')));
  }
  log::Warn("failpoints_armed", "file=" + r.file + " spec=\"" + text + "\"");
}

// Arms what MERIDIAN_FAILPOINTS names, once per process, and notes MERIDIAN_FAILPOINTS_FILE.
void LoadEnvironmentOnce() {
  static const bool loaded = [] {
    if (const char* file = std::getenv("MERIDIAN_FAILPOINTS_FILE")) Points().file = file;
    const char* text = std::getenv("MERIDIAN_FAILPOINTS");
    if (text == nullptr || *text == '\0') return true;
    Status st = ArmFromText(text);
    if (st.ok()) {
      log::Warn("failpoints_armed", std::string("spec=\"") + text + "\"");
    } else {
      log::Error("failpoints_refused", "status=\"" + st.ToString() + "\"");
    }
    return true;
  }();
  (void)loaded;
}

}  // namespace

Status Hit(std::string_view name) {
  LoadEnvironmentOnce();
  Registry& r = Points();
  if (!r.file.empty()) ReloadFile(r);
  if (r.count.load(std::memory_order_relaxed) == 0) return Status::Ok();
  std::lock_guard lock(r.mu);
  auto it = r.armed.find(name);
  if (it == r.armed.end()) return Status::Ok();
  if (it->second.after > 0) {
    it->second.after--;
    return Status::Ok();
  }
  return Status::IOError("failpoint " + std::string(name));
}

void Arm(std::string_view name, Spec spec) {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  r.armed.insert_or_assign(std::string(name), spec);
  r.count.store(r.armed.size(), std::memory_order_relaxed);
}

void Disarm(std::string_view name) {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  if (auto it = r.armed.find(name); it != r.armed.end()) r.armed.erase(it);
  r.count.store(r.armed.size(), std::memory_order_relaxed);
}

Status ArmFromText(std::string_view text) {
  std::vector<std::pair<std::string, Spec>> parsed;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    Spec spec;
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos) {
      std::string_view arg = item.substr(eq + 1);
      item = item.substr(0, eq);
      constexpr std::string_view kAfter = "after:";
      if (!arg.starts_with(kAfter))
        return Status::InvalidArgument("failpoint argument: " + std::string(arg));
      arg.remove_prefix(kAfter.size());
      auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), spec.after);
      if (ec != std::errc() || end != arg.data() + arg.size()) {
        return Status::InvalidArgument("failpoint count: " + std::string(arg));
      }
    }
    if (item.empty()) return Status::InvalidArgument("failpoint without a name");
    parsed.emplace_back(std::string(item), spec);
  }
  for (const auto& [name, spec] : parsed) Arm(name, spec);
  return Status::Ok();
}

}  // namespace meridian::storage::failpoint
