#include "access/failed_auth_limiter.hpp"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "base/clock.hpp"

namespace warden::access {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // FakeClock start, ms
constexpr std::int64_t kLockoutMs = 5 * 60 * 1000;
constexpr std::int64_t kWindowMs = 60 * 1000;
const std::string kAddr = "203.0.113.7";

// A limiter on a FakeClock; each call happens at the time it names.
struct Limiter {
  explicit Limiter(config::RateLimitConfig cfg = {}) : limiter(cfg, clock) {}
  std::int64_t FailAt(const std::string& addr, std::int64_t t) {
    clock.Set(t);
    return limiter.RecordFailure(addr);
  }
  std::int64_t LockedAt(const std::string& addr, std::int64_t t) {
    clock.Set(t);
    return limiter.LockedForMs(addr);
  }
  void SucceedAt(const std::string& addr, std::int64_t t) {
    clock.Set(t);
    limiter.RecordSuccess(addr);
  }

  FakeClock clock{kT0};
  FailedAuthLimiter limiter;
};

// `n` failures one millisecond apart starting at `start`; returns the last RecordFailure result.
std::int64_t Fail(Limiter& l, const std::string& addr, int n, std::int64_t start) {
  std::int64_t last = 0;
  for (int i = 0; i < n; ++i) last = l.FailAt(addr, start + i);
  return last;
}

TEST(FailedAuthLimiter, TenFailuresInAMinuteLockOutForFiveMinutes) {
  Limiter l;
  EXPECT_EQ(Fail(l, kAddr, 9, kT0), 0);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 9), 0);
  EXPECT_EQ(l.FailAt(kAddr, kT0 + 9), kLockoutMs);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 9), kLockoutMs);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 9 + 60'000), kLockoutMs - 60'000);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 9 + kLockoutMs), 0);
}

TEST(FailedAuthLimiter, LockoutIsPerAddress) {
  Limiter l;
  Fail(l, kAddr, 10, kT0);
  EXPECT_GT(l.LockedAt(kAddr, kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt("198.51.100.1", kT0 + 10), 0);
}

TEST(FailedAuthLimiter, FailuresOutsideTheWindowDoNotCount) {
  Limiter l;
  Fail(l, kAddr, 9, kT0);
  // The first nine are all at least a window old by now.
  EXPECT_EQ(l.FailAt(kAddr, kT0 + 8 + kWindowMs), 0);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 8 + kWindowMs), 0);
  // Eight more inside the new window are still short of ten.
  EXPECT_EQ(Fail(l, kAddr, 8, kT0 + 9 + kWindowMs), 0);
  EXPECT_EQ(l.FailAt(kAddr, kT0 + 20 + kWindowMs), kLockoutMs);
}

TEST(FailedAuthLimiter, NoLockoutWhenFailuresAreSpreadOut) {
  Limiter l;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(l.FailAt(kAddr, kT0 + i * 7'000), 0) << i;  // at most 9 per minute
  }
}

TEST(FailedAuthLimiter, SuccessClearsFailures) {
  Limiter l;
  Fail(l, kAddr, 9, kT0);
  l.SucceedAt(kAddr, kT0);
  EXPECT_EQ(Fail(l, kAddr, 9, kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 20), 0);
}

TEST(FailedAuthLimiter, SuccessForAnUnknownAddressIsHarmless) {
  Limiter l;
  l.SucceedAt(kAddr, kT0);
  Fail(l, "198.51.100.1", 3, kT0);
  l.SucceedAt(kAddr, kT0);
  EXPECT_EQ(l.LockedAt(kAddr, kT0), 0);
}

// A success clears the failures of an address whose earlier lockout has expired, too: after the
// lockout, 9 failures + 1 success + 1 failure must not lock it again.
TEST(FailedAuthLimiter, SuccessClearsFailuresAfterAnExpiredLockout) {
  Limiter l;
  Fail(l, kAddr, 10, kT0);
  const std::int64_t after = kT0 + 10 + kLockoutMs;
  ASSERT_EQ(l.LockedAt(kAddr, after), 0);
  Fail(l, kAddr, 9, after);
  l.SucceedAt(kAddr, after);
  EXPECT_EQ(l.FailAt(kAddr, after + 20), 0);
  EXPECT_EQ(l.LockedAt(kAddr, after + 20), 0);
}

TEST(FailedAuthLimiter, LoopbackIsExemptOnlyWhenConfigured) {
  Limiter exempting;
  EXPECT_TRUE(exempting.limiter.Exempt(true));
  EXPECT_FALSE(exempting.limiter.Exempt(false));
  config::RateLimitConfig strict;
  strict.exempt_loopback = false;
  Limiter not_exempting{strict};
  EXPECT_FALSE(not_exempting.limiter.Exempt(true));
  EXPECT_FALSE(not_exempting.limiter.Exempt(false));
}

TEST(FailedAuthLimiter, UsesConfiguredThresholds) {
  config::RateLimitConfig cfg;
  cfg.max_attempts = 3;
  cfg.window = config::Duration(1'000);
  cfg.lockout = config::Duration(2'000);
  Limiter l{cfg};
  EXPECT_EQ(Fail(l, kAddr, 2, kT0), 0);
  EXPECT_EQ(l.FailAt(kAddr, kT0 + 2'000), 0);  // the first two expired
  EXPECT_EQ(Fail(l, kAddr, 2, kT0 + 2'001), 2'000);
}

TEST(FailedAuthLimiter, PruningAtMaxEntriesKeepsWorking) {
  Limiter l;
  const std::size_t n = FailedAuthLimiter::kMaxEntries + 50;
  for (std::size_t i = 0; i < n; ++i) {
    l.FailAt("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
             kT0 + std::int64_t(i));
  }
  // Still functional after pruning: a fresh address can be locked and is reported as such.
  const std::int64_t now = kT0 + std::int64_t(n);
  EXPECT_EQ(Fail(l, kAddr, 10, now), kLockoutMs);
  EXPECT_EQ(l.LockedAt(kAddr, now + 10), kLockoutMs - 1);
  // And once everything is idle, the table is pruned rather than growing.
  const std::int64_t later = now + kLockoutMs + kWindowMs + 1;
  EXPECT_EQ(l.FailAt("192.0.2.1", later), 0);
  EXPECT_EQ(l.LockedAt(kAddr, later), 0);
}

}  // namespace
}  // namespace warden::access
