// Swift account metadata rules and storage (see account_meta.h).
#include "api/swift/account_meta.h"

#include <cctype>

#include "api/swift/account_controls.h"
#include "storage/keys.h"
#include "storage/records.h"

namespace meridian::api::swift {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// A metadata header of the request after joining repeats, in first-seen order.
struct MetaHeader {
  std::string stored_name;
  std::string value;
};

void Join(std::vector<MetaHeader>& list, std::string stored_name, std::string_view value) {
  for (auto& h : list) {
    if (h.stored_name == stored_name) {
      h.value.append(", ").append(value);
      return;
    }
  }
  list.push_back({std::move(stored_name), std::string(value)});
}

Status Bad(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string ShownHeader(std::string_view stored_name) {
  return "X-Account-Meta-" + TitleCase(stored_name);
}

}  // namespace

std::string NormalizeName(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = c == '_' ? '-' : Lower(c);
  return out;
}

std::string TitleCase(std::string_view name) {
  std::string out(name);
  bool after_letter = false;
  for (char& c : out) {
    const bool letter = IsAsciiLetter(c);
    if (letter) c = after_letter ? Lower(c) : static_cast<char>(std::toupper(c));
    after_letter = letter;
  }
  return out;
}

bool IsTempUrlKey(std::string_view stored_name) {
  return stored_name == "temp-url-key" || stored_name == "temp-url-key-2";
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

Result<MetaUpdate> ParseMetaUpdate(const Request& req) {
  std::vector<MetaHeader> sets;
  std::vector<std::string> removes;
  for (const auto& field : req) {
    const std::string_view name = field.name_string();
    const std::string_view value = field.value();
    if (value.size() > kMaxHeaderSize) {
      return Bad("Header value too long: " + std::string(name.substr(0, kMaxMetaNameLength)));
    }
    if (StartsWithNoCase(name, kMetaPrefix)) {
      std::string stored = NormalizeName(name.substr(kMetaPrefix.size()));
      // The legacy quota header is a quota (account_controls.h), never an ordinary item.
      if (!IsQuotaMetaName(stored)) Join(sets, std::move(stored), value);
    } else if (StartsWithNoCase(name, kRemovePrefix)) {
      std::string stored = NormalizeName(name.substr(kRemovePrefix.size()));
      // Swift turns an unnamed remove into a no-op; so do we.
      if (!stored.empty() && !IsQuotaMetaName(stored)) removes.push_back(std::move(stored));
    }
  }
  // Swift's check_metadata: the first violation, in header order. Empty (removing) values
  // count toward the request's count and size; X-Remove-* headers do not.
  size_t count = 0;
  size_t size = 0;
  for (const auto& h : sets) {
    if (h.stored_name.empty()) return Bad("Metadata name cannot be empty");
    if (!IsValidUtf8(h.stored_name) || !IsValidUtf8(h.value)) {
      return Bad("Metadata must be valid UTF-8");
    }
    ++count;
    size += h.stored_name.size() + h.value.size();
    if (h.stored_name.size() > kMaxMetaNameLength) {
      return Bad("Metadata name too long: " + ShownHeader(h.stored_name));
    }
    if (h.value.size() > kMaxMetaValueLength) {
      return Bad("Metadata value longer than " + std::to_string(kMaxMetaValueLength) + ": " +
                 ShownHeader(h.stored_name));
    }
    if (count > kMaxMetaCount) {
      return Bad("Too many metadata items; max " + std::to_string(kMaxMetaCount));
    }
    if (size > kMaxMetaOverallSize) {
      return Bad("Total metadata too large; max " + std::to_string(kMaxMetaOverallSize));
    }
  }
  MetaUpdate update;
  // Removes first, then sets copied over them: a set beats a remove (Swift's transfer_headers).
  for (auto& name : removes) update.changes[name] = "";
  for (auto& h : sets) update.changes[h.stored_name] = std::move(h.value);
  return update;
}

Status CheckMerged(const std::map<std::string, std::string>& stored, const MetaUpdate& update) {
  auto measure = [](const std::map<std::string, std::string>& items) {
    std::pair<size_t, size_t> count_size{0, 0};
    for (const auto& [name, value] : items) {
      if (value.empty()) continue;
      ++count_size.first;
      count_size.second += name.size() + value.size();
    }
    return count_size;
  };
  std::map<std::string, std::string> merged = stored;
  for (const auto& [name, value] : update.changes) merged[name] = value;
  const auto [old_count, old_size] = measure(stored);
  const auto [count, size] = measure(merged);
  if (count > kMaxMetaCount && count > old_count) {
    return Bad("Too many metadata items; max " + std::to_string(kMaxMetaCount));
  }
  if (size > kMaxMetaOverallSize && size > old_size) {
    return Bad("Total metadata too large; max " + std::to_string(kMaxMetaOverallSize));
  }
  return Status::Ok();
}

storage::WriteBatch UpdateBatch(const std::string& org_id, const MetaUpdate& update) {
  storage::WriteBatch batch;
  for (const auto& [name, value] : update.changes) {
    std::string key = storage::DataKey(org_id, kMetaNs, name);
    if (value.empty()) {
      batch.Delete(std::move(key));
    } else {
      batch.Put(std::move(key), value);
    }
  }
  // The limits hold for the merged state the writer sees, not only for the request.
  batch.prepare = [org_id, update](const storage::Txn& txn, std::vector<storage::Mutation>&) {
    auto stored = ReadMeta(txn, org_id);
    if (!stored.ok()) return stored.status();
    return CheckMerged(*stored, update);
  };
  return batch;
}

Result<std::map<std::string, std::string>> ReadNamespace(const storage::Txn& txn,
                                                         const std::string& org_id,
                                                         std::string_view ns) {
  std::map<std::string, std::string> items;
  MERIDIAN_RETURN_IF_ERROR(storage::ScanLive(txn, storage::NamespacePrefix(org_id, ns),
                                             [&](auto name, const auto& record) {
                                               items.emplace(std::string(name), record.value());
                                               return true;
                                             }));
  return items;
}

Result<std::map<std::string, std::string>> ReadMeta(const storage::Txn& txn,
                                                    const std::string& org_id) {
  return ReadNamespace(txn, org_id, kMetaNs);
}

}  // namespace meridian::api::swift
