#include "http/connection_limiter.hpp"

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace ip = net::asio::ip;

TEST(ClientKey, GroupsIpv6ByPrefixAndUnmapsIpv4) {
  struct Case {
    const char* address;
    int bits;
    const char* key;
  } const kCases[] = {
      {"203.0.113.7", 64, "203.0.113.7"},
      {"::ffff:203.0.113.7", 64, "203.0.113.7"},
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64"},
      {"2001:db8:1:2::1", 64, "2001:db8:1:2::/64"},
      {"2001:db8:1:2::1", 128, "2001:db8:1:2::1/128"},
      {"2001:db8:1:2::1", 56, "2001:db8:1::/56"},
      {"::1", 64, "::/64"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(ClientKey(ip::make_address(c.address), c.bits), c.key) << c.address;
  }
}

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
