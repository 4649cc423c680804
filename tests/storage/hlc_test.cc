// Tests of the hybrid logical clock and last-writer-wins order (storage/base/hlc.h): the packed
// encoding, Now/Update monotonicity, logical overflow, random inputs against the textbook HLC
// algorithm, and LwwWins as a strict total order on (hlc, origin).
#include "storage/base/hlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace meridian {
namespace {

// Maps raw generator output to [0, n) without std::uniform_int_distribution (its output differs
// between standard libraries; seeds must replay anywhere).
uint64_t Below(std::mt19937_64& rng, uint64_t n) { return rng() % n; }

// The HLC algorithm as the paper states it, on an explicit (physical, logical) pair, with the
// documented overflow rule: a logical counter past its 16 bits borrows the next millisecond.
struct RefHlc {
  uint64_t pt = 0;
  uint64_t c = 0;
};
RefHlc Carry(RefHlc t) {
  if (t.c > Hlc::kLogicalMask) return {t.pt + 1, 0};
  return t;
}
RefHlc RefNow(RefHlc last, uint64_t wall) {
  if (wall > last.pt) return {wall, 0};
  return Carry({last.pt, last.c + 1});
}
RefHlc RefUpdate(RefHlc last, RefHlc remote, uint64_t wall) {
  const uint64_t pt = std::max({last.pt, remote.pt, wall});
  if (pt == last.pt && pt == remote.pt) {
    return Carry({pt, std::max(last.c, remote.c) + 1});
  }
  if (pt == last.pt) return Carry({pt, last.c + 1});
  if (pt == remote.pt) return Carry({pt, remote.c + 1});
  return {pt, 0};
}
RefHlc ToRef(Hlc h) { return {h.physical_ms(), h.logical()}; }

class HlcTest : public ::testing::Test {
 protected:
  // A timestamp whose parts are drawn from small ranges, so equal milliseconds and counters
  // near overflow occur often.
  Hlc RandomHlc() {
    const uint64_t pt = 1000 + Below(rng_, 8);
    const uint64_t c = Below(rng_, 4) == 0 ? Hlc::kLogicalMask - Below(rng_, 3) : Below(rng_, 5);
    return Hlc::FromParts(pt, c);
  }
  std::mt19937_64 rng_{20240611};
};

TEST_F(HlcTest, PackedOrderIsPhysicalThenLogicalOrder) {
  const Hlc a = Hlc::FromParts(5, Hlc::kLogicalMask);
  const Hlc b = Hlc::FromParts(6, 0);
  EXPECT_LT(a, b);
  EXPECT_LT(a.packed(), b.packed());
  EXPECT_EQ(a.physical_ms(), 5u);
  EXPECT_EQ(a.logical(), Hlc::kLogicalMask);
  EXPECT_EQ(Hlc(b.packed()), b);
  EXPECT_EQ(Hlc::FromParts(7, 3).packed(), (uint64_t{7} << 16) | 3);
  // Logical bits beyond the mask never leak into the physical part.
  EXPECT_EQ(Hlc::FromParts(7, Hlc::kLogicalMask + 2).physical_ms(), 7u);
}

TEST_F(HlcTest, NowTakesTheWallClockWhenItIsAhead) {
  const Hlc next = Hlc::Now(Hlc::FromParts(100, 42), 250);
  EXPECT_EQ(next, Hlc::FromParts(250, 0));
}

TEST_F(HlcTest, NowCountsLogicallyWhenTheWallClockStallsOrGoesBack) {
  const Hlc last = Hlc::FromParts(300, 7);
  EXPECT_EQ(Hlc::Now(last, 300), Hlc::FromParts(300, 8));
  EXPECT_EQ(Hlc::Now(last, 10), Hlc::FromParts(300, 8));
}

TEST_F(HlcTest, NowIsStrictlyIncreasingAndNeverBehindTheWallClock) {
  Hlc clock;
  uint64_t wall = 1000;
  for (int i = 0; i < 20000; ++i) {
    // The wall clock mostly stalls, sometimes jumps ahead, sometimes steps back.
    const uint64_t r = Below(rng_, 10);
    if (r == 0) wall += 1 + Below(rng_, 3);
    if (r == 1 && wall > 5) wall -= Below(rng_, 5);
    const Hlc next = Hlc::Now(clock, wall);
    ASSERT_GT(next, clock) << "step " << i;
    ASSERT_GE(next.physical_ms(), wall) << "step " << i;
    clock = next;
  }
}

TEST_F(HlcTest, LogicalOverflowBorrowsTheNextMillisecond) {
  const Hlc full = Hlc::FromParts(500, Hlc::kLogicalMask);
  const Hlc next = Hlc::Now(full, 500);
  EXPECT_GT(next, full);
  EXPECT_EQ(next, Hlc::FromParts(501, 0));
  // The borrowed millisecond is ahead of the wall clock; the next tick continues from it.
  EXPECT_EQ(Hlc::Now(next, 500), Hlc::FromParts(501, 1));
  // Once the wall clock reaches the borrowed millisecond, counting continues; past it, resets.
  EXPECT_EQ(Hlc::Now(next, 501), Hlc::FromParts(501, 1));
  EXPECT_EQ(Hlc::Now(next, 502), Hlc::FromParts(502, 0));
}

TEST_F(HlcTest, ManyTicksInOneMillisecondStayOrderedAcrossTheOverflow) {
  Hlc clock = Hlc::FromParts(700, 0);
  for (uint64_t i = 0; i < 3 * (Hlc::kLogicalMask + 1); ++i) {
    const Hlc next = Hlc::Now(clock, 700);
    ASSERT_EQ(next.packed(), clock.packed() + 1);
    clock = next;
  }
  EXPECT_EQ(clock.physical_ms(), 703u);
}

TEST_F(HlcTest, UpdateIsGreaterThanBothInputsAndNotBehindTheWallClock) {
  for (int i = 0; i < 20000; ++i) {
    const Hlc last = RandomHlc(), remote = RandomHlc();
    const uint64_t wall = 995 + Below(rng_, 15);
    const Hlc next = Hlc::Update(last, remote, wall);
    ASSERT_GT(next, last);
    ASSERT_GT(next, remote);
    ASSERT_GE(next.physical_ms(), wall);
  }
}

TEST_F(HlcTest, UpdateWithARemoteClockAheadJumpsPastIt) {
  const Hlc remote = Hlc::FromParts(900, 3);
  EXPECT_EQ(Hlc::Update(Hlc::FromParts(100, 0), remote, 200), Hlc::FromParts(900, 4));
  // Equal milliseconds: past the larger counter of the two.
  EXPECT_EQ(Hlc::Update(Hlc::FromParts(900, 9), remote, 900), Hlc::FromParts(900, 10));
  // A wall clock ahead of both wins outright.
  EXPECT_EQ(Hlc::Update(Hlc::FromParts(900, 9), remote, 901), Hlc::FromParts(901, 0));
}

TEST_F(HlcTest, RandomNowAndUpdateMatchTheTextbookAlgorithm) {
  for (int i = 0; i < 50000; ++i) {
    const Hlc last = RandomHlc(), remote = RandomHlc();
    const uint64_t wall = 995 + Below(rng_, 15);
    const RefHlc now = RefNow(ToRef(last), wall);
    const Hlc got_now = Hlc::Now(last, wall);
    ASSERT_EQ(got_now.physical_ms(), now.pt) << "Now step " << i;
    ASSERT_EQ(got_now.logical(), now.c) << "Now step " << i;
    const RefHlc upd = RefUpdate(ToRef(last), ToRef(remote), wall);
    const Hlc got_upd = Hlc::Update(last, remote, wall);
    ASSERT_EQ(got_upd.physical_ms(), upd.pt) << "Update step " << i;
    ASSERT_EQ(got_upd.logical(), upd.c) << "Update step " << i;
  }
}

TEST_F(HlcTest, UpdateIsSymmetricInItsTwoClocks) {
  for (int i = 0; i < 10000; ++i) {
    const Hlc a = RandomHlc(), b = RandomHlc();
    const uint64_t wall = 995 + Below(rng_, 15);
    ASSERT_EQ(Hlc::Update(a, b, wall), Hlc::Update(b, a, wall));
  }
}

class LwwTest : public HlcTest {};

TEST_F(LwwTest, LaterHlcWinsWhateverTheOrigin) {
  EXPECT_TRUE(LwwWins(Hlc(11), "a", Hlc(10), "z"));
  EXPECT_FALSE(LwwWins(Hlc(10), "z", Hlc(11), "a"));
}

TEST_F(LwwTest, EqualHlcIsBrokenByTheGreaterOrigin) {
  EXPECT_TRUE(LwwWins(Hlc(10), "n2.b", Hlc(10), "n2.a"));
  EXPECT_FALSE(LwwWins(Hlc(10), "n2.a", Hlc(10), "n2.b"));
}

TEST_F(LwwTest, AWriteDoesNotSupersedeItself) {
  EXPECT_FALSE(LwwWins(Hlc(10), "n1", Hlc(10), "n1"));
}

TEST_F(LwwTest, RandomWritesFormAStrictTotalOrder) {
  const std::vector<std::string> origins = {"n1.a", "n1.b", "n2.a", "n3", ""};
  std::vector<std::pair<Hlc, std::string>> writes;
  for (int i = 0; i < 60; ++i) {
    writes.emplace_back(Hlc::FromParts(Below(rng_, 3), Below(rng_, 3)),
                        origins[Below(rng_, origins.size())]);
  }
  auto wins = [](const auto& a, const auto& b) {
    return LwwWins(a.first, a.second, b.first, b.second);
  };
  for (const auto& a : writes) {
    ASSERT_FALSE(wins(a, a));
    for (const auto& b : writes) {
      const bool same = a == b;
      // Antisymmetric, and total: distinct writes are always ordered one way.
      ASSERT_FALSE(wins(a, b) && wins(b, a));
      ASSERT_EQ(wins(a, b) || wins(b, a), !same);
      for (const auto& c : writes) {
        if (wins(a, b) && wins(b, c)) {
          ASSERT_TRUE(wins(a, c));
        }
      }
    }
  }
}

}  // namespace
}  // namespace meridian
