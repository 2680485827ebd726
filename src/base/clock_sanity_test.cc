#include "base/clock_sanity.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kBuilt = 1'780'000'000'000;  // 2026-05-28T...Z

TEST(ClockSanityTest, AClockAtOrAfterTheBuildTimeIsFine) {
  EXPECT_EQ(ClockBeforeBuild(kBuilt, kBuilt), std::nullopt);
  EXPECT_EQ(ClockBeforeBuild(kBuilt + 1, kBuilt), std::nullopt);
  EXPECT_EQ(ClockBeforeBuild(kBuilt + 10LL * 365 * 86'400'000, kBuilt), std::nullopt);
}

TEST(ClockSanityTest, AClockBeforeTheBuildTimeIsSkewed) {
  auto why = ClockBeforeBuild(kBuilt - 1000, kBuilt);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("before this warden was built"));
  EXPECT_THAT(*why, HasSubstr("2026-05-28T"));
  EXPECT_THAT(*why, HasSubstr("fix:"));
  // A clock reset to the epoch (a board without a battery-backed clock).
  EXPECT_TRUE(ClockBeforeBuild(0, kBuilt).has_value());
}

TEST(ClockSanityTest, AnUnknownBuildTimeDecidesNothing) {
  EXPECT_EQ(ClockBeforeBuild(0, 0), std::nullopt);
  EXPECT_EQ(ClockBeforeBuild(5, -1), std::nullopt);
}

}  // namespace
}  // namespace warden
