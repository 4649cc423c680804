// Hybrid logical clock timestamps: a value type with pure functions, no clock reads. The 64-bit
// encoding is 48 bits of physical milliseconds then 16 bits of logical counter, so the integer
// order is the HLC order. LWW order on (hlc, origin node id) is total. Thread-compatible.
#pragma once

#include <cstdint>
#include <string_view>

namespace meridian {

class Hlc {
 public:
  static constexpr int kLogicalBits = 16;
  static constexpr uint64_t kLogicalMask = (uint64_t{1} << kLogicalBits) - 1;

  constexpr Hlc() = default;
  constexpr explicit Hlc(uint64_t packed) : packed_(packed) {}
  static constexpr Hlc FromParts(uint64_t physical_ms, uint64_t logical) {
    return Hlc((physical_ms << kLogicalBits) | (logical & kLogicalMask));
  }

  constexpr uint64_t packed() const { return packed_; }
  constexpr uint64_t physical_ms() const { return packed_ >> kLogicalBits; }
  constexpr uint64_t logical() const { return packed_ & kLogicalMask; }

  // The next local timestamp after `last` at wall time `physical_ms`: strictly greater than
  // `last`, and never behind the wall clock. A full logical counter borrows the next millisecond.
  static constexpr Hlc Now(Hlc last, uint64_t physical_ms) {
    if (physical_ms > last.physical_ms()) return FromParts(physical_ms, 0);
    return Hlc(last.packed_ + 1);
  }
  // The clock after receiving `remote`: strictly greater than both `last` and `remote`.
  static constexpr Hlc Update(Hlc last, Hlc remote, uint64_t physical_ms) {
    const Hlc top = last.packed_ >= remote.packed_ ? last : remote;
    return Now(top, physical_ms);
  }

  friend constexpr auto operator<=>(Hlc, Hlc) = default;

 private:
  uint64_t packed_ = 0;
};

// Last-writer-wins: true when the write (a_hlc, a_origin) supersedes (b_hlc, b_origin).
inline bool LwwWins(Hlc a_hlc, std::string_view a_origin, Hlc b_hlc, std::string_view b_origin) {
  if (a_hlc != b_hlc) return a_hlc > b_hlc;
  return a_origin > b_origin;
}

}  // namespace meridian
