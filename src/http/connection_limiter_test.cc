#include "http/connection_limiter.hpp"

#include <gtest/gtest.h>

namespace warden::http {
namespace {

TEST(ConnectionLimiter, CapsEachClientAndReleases) {
  ConnectionLimiter limiter(100, 2);
  EXPECT_EQ(limiter.Admit("a"), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.Admit("a"), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.Admit("a"), ConnectionLimiter::Verdict::kClientFull);
  EXPECT_EQ(limiter.Admit("b"), ConnectionLimiter::Verdict::kAdmitted);
  limiter.Release("a");
  EXPECT_EQ(limiter.Admit("a"), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.total(), 3u);
}

TEST(ConnectionLimiter, CapsTheTotalUnlessAnIdleConnectionWasShed) {
  ConnectionLimiter limiter(2, 10);
  EXPECT_EQ(limiter.Admit("a"), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.Admit("b"), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.Admit("c"), ConnectionLimiter::Verdict::kTotalFull);
  EXPECT_EQ(limiter.Admit("c", /*over_total=*/true), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.total(), 3u);
  limiter.Release("a");
  limiter.Release("b");
  EXPECT_EQ(limiter.Admit("d"), ConnectionLimiter::Verdict::kAdmitted);
}

TEST(ConnectionLimiter, ReleaseOfAnUnknownClientChangesNothing) {
  ConnectionLimiter limiter(1, 1);
  limiter.Release("ghost");
  EXPECT_EQ(limiter.Admit("a"), ConnectionLimiter::Verdict::kAdmitted);
  EXPECT_EQ(limiter.Admit("b"), ConnectionLimiter::Verdict::kTotalFull);
}

}  // namespace
}  // namespace warden::http
