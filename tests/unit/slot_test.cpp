#include "download/slot.hpp"

#include <gtest/gtest.h>

using namespace orbweaver::download;
using namespace std::chrono_literals;

TEST(Slot, LimitsConcurrentTransfers) {
  slot s({.concurrency = 2, .delay = 0s, .randomize_delay = false});
  std::mt19937 rng(1);
  auto now = clock::now();
  EXPECT_EQ(s.wait_before_start(now), clock::duration::zero());
  s.start_transfer(now, rng);
  s.start_transfer(now, rng);
  EXPECT_FALSE(s.has_free_transfer());
  EXPECT_EQ(s.wait_before_start(now), clock::duration::max());
  s.finish_transfer();
  EXPECT_EQ(s.wait_before_start(now), clock::duration::zero());
}

TEST(Slot, DelaySpacesStarts) {
  slot s({.concurrency = 8, .delay = 2s, .randomize_delay = false});
  std::mt19937 rng(1);
  auto now = clock::now();
  s.start_transfer(now, rng);
  EXPECT_EQ(s.wait_before_start(now), std::chrono::duration_cast<clock::duration>(2s));
  EXPECT_EQ(s.wait_before_start(now + 1500ms), std::chrono::duration_cast<clock::duration>(500ms));
  EXPECT_EQ(s.wait_before_start(now + 2s), clock::duration::zero());
}

TEST(Slot, RandomisedDelayStaysWithinHalfToOneAndAHalf) {
  slot s({.concurrency = 100, .delay = 1s, .randomize_delay = true});
  std::mt19937 rng(7);
  auto now = clock::now();
  bool saw_short = false, saw_long = false;
  for (int i = 0; i < 200; ++i) {
    s.start_transfer(now, rng);
    s.finish_transfer();
    auto wait = s.wait_before_start(now);
    EXPECT_GE(wait, std::chrono::duration_cast<clock::duration>(500ms));
    EXPECT_LE(wait, std::chrono::duration_cast<clock::duration>(1500ms));
    saw_short |= wait < std::chrono::duration_cast<clock::duration>(900ms);
    saw_long |= wait > std::chrono::duration_cast<clock::duration>(1100ms);
  }
  EXPECT_TRUE(saw_short && saw_long);
}

TEST(Slot, MinimumDelayHoldsUnderRandomisation) {
  slot s({.concurrency = 100, .delay = 1s, .randomize_delay = true});
  s.raise_minimum_delay(1s);
  std::mt19937 rng(7);
  auto now = clock::now();
  for (int i = 0; i < 100; ++i) {
    s.start_transfer(now, rng);
    s.finish_transfer();
    EXPECT_GE(s.wait_before_start(now), std::chrono::duration_cast<clock::duration>(1s));
    EXPECT_LE(s.wait_before_start(now), std::chrono::duration_cast<clock::duration>(1500ms));
  }
}

TEST(Slot, MinimumDelayRaisesTheDelayAndAutoThrottleStaysAbove) {
  slot s({.concurrency = 8, .delay = 100ms, .randomize_delay = false});
  s.raise_minimum_delay(300ms);
  EXPECT_EQ(s.delay(), std::chrono::duration<double>(0.3));
  s.set_delay(10ms);
  EXPECT_EQ(s.delay(), std::chrono::duration<double>(0.3)) << "AutoThrottle cannot go below it";
  s.set_delay(2s);
  EXPECT_EQ(s.delay(), std::chrono::duration<double>(2)) << "nor is it a ceiling";
  s.raise_minimum_delay(100ms);
  s.set_delay(200ms);
  EXPECT_EQ(s.delay(), std::chrono::duration<double>(0.3)) << "a lower minimum changes nothing";
}

TEST(Slot, RaisingTheMinimumHoldsBackTheNextStart) {
  slot s({.concurrency = 8, .delay = 0s, .randomize_delay = true});
  std::mt19937 rng(1);
  auto now = clock::now();
  s.raise_minimum_delay(1s);
  EXPECT_EQ(s.wait_before_start(now), clock::duration::zero()) << "no transfer started yet";
  s.start_transfer(now, rng);
  s.finish_transfer();
  s.raise_minimum_delay(3s);
  EXPECT_EQ(s.wait_before_start(now + 1s), std::chrono::duration_cast<clock::duration>(2s));
}

TEST(Slot, MinimumDelayAppliesToASlotWithoutDelay) {
  slot s({.concurrency = 8, .delay = 0s, .randomize_delay = false});
  EXPECT_FALSE(s.has_delay());
  s.raise_minimum_delay(500ms);
  EXPECT_TRUE(s.has_delay()) << "so the downloader keeps the slot and its next start";
  std::mt19937 rng(1);
  auto now = clock::now();
  s.start_transfer(now, rng);
  EXPECT_EQ(s.wait_before_start(now), std::chrono::duration_cast<clock::duration>(500ms));
}
