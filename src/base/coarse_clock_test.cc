#include "base/coarse_clock.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace warden {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// A tick may come late (a VM's CPU descheduled, both cores busy), so the lag is bounded loosely:
// what fails here is a clock of another epoch (CLOCK_REALTIME, CLOCK_BOOTTIME after a suspend)
// or unit.
constexpr auto kLateTick = 50ms;

TEST(CoarseClock, LagsTheSteadyClockByAboutOneTick) {
  const auto tick = CoarseClock::Resolution();
  EXPECT_GT(tick, 0ns);
  EXPECT_LE(tick, 100ms);
  for (int i = 0; i < 1000; ++i) {
    const auto before = Steady::now();
    const auto coarse = CoarseClock::Now();
    const auto after = Steady::now();
    ASSERT_LE(coarse, after);  // never ahead: the same epoch, read at the last tick
    ASSERT_GT(coarse, before - tick - kLateTick);  // and about one tick behind
  }
}

}  // namespace
}  // namespace warden
