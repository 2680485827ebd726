#include "base/clock.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace warden {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(1'000);
  const Clock& c = clock;
  EXPECT_EQ(c.NowMs(), 1'000);
  EXPECT_EQ(c.NowMs(), 1'000);
  clock.Advance(1500ms);
  EXPECT_EQ(c.NowMs(), 2'500);
  clock.Advance(2min);
  EXPECT_EQ(c.NowMs(), 122'500);
  clock.Set(7);
  EXPECT_EQ(c.NowMs(), 7);
}

TEST(SystemClock, IsWallClockMilliseconds) {
  const std::int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const std::int64_t now = SystemClock().NowMs();
  EXPECT_GE(now, before);
  EXPECT_LT(now - before, 60'000);
}

}  // namespace
}  // namespace warden
