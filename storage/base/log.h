// Structured logging: one line per event, `ts=... level=... event=... key=value ...`, to stderr.
// Thread-safe (one write(2) per line). Kept tiny on purpose; every module may use it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

namespace meridian::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// The least severe level written. Atomic: SIGHUP changes it while every thread logs.
inline std::atomic<Level>& MinLevel() {
  static std::atomic<Level> level{Level::kInfo};
  return level;
}

// Writes `level=<l> event=<event> <fields>`; fields are preformatted `key=value` pairs.
inline void Write(Level level, std::string_view event, std::string_view fields = {}) {
  if (level < MinLevel().load(std::memory_order_relaxed)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                ts.tv_nsec / 1000000);
  std::string line;
  line.reserve(64 + event.size() + fields.size());
  line.append("ts=").append(stamp).append(" level=").append(kNames[static_cast<int>(level)]);
  line.append(" event=").append(event);
  if (!fields.empty()) line.append(" ").append(fields);
  line.push_back('\n');
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

inline void Info(std::string_view event, std::string_view fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(std::string_view event, std::string_view fields = {}) {
  Write(Level::kWarn, event, fields);
}
inline void Error(std::string_view event, std::string_view fields = {}) {
  Write(Level::kError, event, fields);
}

}  // namespace meridian::log
