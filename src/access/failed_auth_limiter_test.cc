#include "access/failed_auth_limiter.hpp"

#include <algorithm>
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
    return OutcomeAt(addr, t).lockout_ms;
  }
  // Each failure presents a different credential (a guess), unless `credential` is given.
  FailureOutcome OutcomeAt(const std::string& addr, std::int64_t t, std::uint64_t credential = 0) {
    clock.Set(t);
    return limiter.RecordFailure(addr, credential != 0 ? credential : ++guesses);
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
  std::uint64_t guesses = 1'000'000;
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

// ---- grouping: IPv6 by prefix, IPv4-mapped as IPv4

TEST(FailedAuthLimiter, AddressesOfOneIpv6Slash64AreOneClient) {
  Limiter l;
  // Ten guesses spread over the /64 lock the whole /64 out.
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(l.FailAt("2001:db8::" + std::to_string(i + 1), kT0 + i), 0) << i;
  }
  EXPECT_EQ(l.FailAt("2001:db8::ffff", kT0 + 9), kLockoutMs);
  EXPECT_EQ(l.LockedAt("2001:db8::1", kT0 + 10), kLockoutMs - 1);
  EXPECT_EQ(l.LockedAt("2001:db8::abcd:1234:5678:9abc", kT0 + 10), kLockoutMs - 1);
  EXPECT_EQ(l.limiter.KeyOf("2001:db8::ffff"), "2001:db8::/64");
}

TEST(FailedAuthLimiter, DifferentSlash64sAreSeparateClients) {
  Limiter l;
  Fail(l, "2001:db8::1", 10, kT0);
  EXPECT_GT(l.LockedAt("2001:db8::2", kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt("2001:db8:0:1::1", kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt("2001:db9::1", kT0 + 10), 0);
}

TEST(FailedAuthLimiter, UsesTheConfiguredIpv6Prefix) {
  config::RateLimitConfig cfg;
  cfg.ipv6_prefix = 48;
  Limiter l{cfg};
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(l.FailAt("2001:db8:7:" + std::to_string(i) + "::1", kT0 + i), 0) << i;
  }
  EXPECT_EQ(l.FailAt("2001:db8:7:ffff::1", kT0 + 9), kLockoutMs);
  EXPECT_GT(l.LockedAt("2001:db8:7:1234::99", kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt("2001:db8:8::1", kT0 + 10), 0);
  EXPECT_EQ(l.limiter.KeyOf("2001:db8:7:1234::99"), "2001:db8:7::/48");
}

TEST(FailedAuthLimiter, Slash128CountsEachIpv6Address) {
  config::RateLimitConfig cfg;
  cfg.ipv6_prefix = 128;
  Limiter l{cfg};
  Fail(l, "2001:db8::1", 10, kT0);
  EXPECT_GT(l.LockedAt("2001:db8::1", kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt("2001:db8::2", kT0 + 10), 0);
}

TEST(FailedAuthLimiter, Ipv4MappedIpv6CountsAsIpv4) {
  Limiter l;
  Fail(l, "::ffff:203.0.113.7", 5, kT0);
  EXPECT_EQ(Fail(l, kAddr, 5, kT0 + 5), kLockoutMs);
  EXPECT_GT(l.LockedAt("::ffff:203.0.113.7", kT0 + 10), 0);
  // ...and never as a /64 with every other IPv4 address: a neighbour is not locked out.
  EXPECT_EQ(l.LockedAt("::ffff:203.0.113.8", kT0 + 10), 0);
  EXPECT_EQ(l.LockedAt("203.0.113.8", kT0 + 10), 0);
}

// ---- bounded memory and work

// Locks out `n` distinct IPv4 clients, each with max_attempts failures at `t`.
void LockOutClients(Limiter& l, std::size_t n, std::int64_t t) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::string addr = "10." + std::to_string(i / 65536) + "." +
                             std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
    ASSERT_EQ(Fail(l, addr, 10, t), kLockoutMs) << addr;
  }
}

TEST(FailedAuthLimiter, AFullTableOfLockoutsIsNotEvicted) {
  Limiter l;
  LockOutClients(l, FailedAuthLimiter::kMaxEntries, kT0);
  ASSERT_EQ(l.limiter.SizeForTest(), FailedAuthLimiter::kMaxEntries);
  // A new client's failures are refused by the caller but not tracked; the first one says so.
  FailureOutcome first = l.OutcomeAt(kAddr, kT0 + 1);
  EXPECT_FALSE(first.tracked);
  EXPECT_TRUE(first.first_untracked);
  for (int i = 0; i < 20; ++i) {
    FailureOutcome o = l.OutcomeAt("198.51.100." + std::to_string(i), kT0 + 2 + i);
    EXPECT_FALSE(o.tracked);
    EXPECT_FALSE(o.first_untracked) << "reported once per full spell";
    EXPECT_EQ(o.lockout_ms, 0);
  }
  EXPECT_EQ(l.limiter.SizeForTest(), FailedAuthLimiter::kMaxEntries);
  // Every lockout still runs: the oldest, the newest, one in the middle.
  EXPECT_GT(l.LockedAt("10.0.0.0", kT0 + 100), 0);
  EXPECT_GT(l.LockedAt("10.0.19.135", kT0 + 100), 0);  // client 4999
  EXPECT_GT(l.LockedAt("10.0.39.15", kT0 + 100), 0);   // client 9999
  // Once the lockouts end (each client's tenth failure was at kT0 + 9), new clients are tracked
  // again.
  const std::int64_t after = kT0 + 9 + kLockoutMs;
  FailureOutcome later = l.OutcomeAt(kAddr, after);
  EXPECT_TRUE(later.tracked);
  EXPECT_EQ(l.LockedAt("10.0.0.0", after), 0);
  EXPECT_EQ(Fail(l, kAddr, 9, after + 1), kLockoutMs);
}

TEST(FailedAuthLimiter, AtCapacityAClientThatIsOnlyCountingMakesRoomNotALockout) {
  Limiter l;
  LockOutClients(l, FailedAuthLimiter::kMaxEntries - 1, kT0);
  Fail(l, "198.51.100.1", 3, kT0 + 1);  // counting, not locked: the only evictable entry
  ASSERT_EQ(l.limiter.SizeForTest(), FailedAuthLimiter::kMaxEntries);
  EXPECT_TRUE(l.OutcomeAt(kAddr, kT0 + 10).tracked);
  EXPECT_EQ(l.limiter.SizeForTest(), FailedAuthLimiter::kMaxEntries);
  EXPECT_GT(l.LockedAt("10.0.0.0", kT0 + 11), 0);
  EXPECT_EQ(Fail(l, kAddr, 9, kT0 + 12), kLockoutMs);
}

TEST(FailedAuthLimiter, EveryCallDoesBoundedWork) {
  Limiter l;
  // Half the table locked, half counting; then a flood of new clients at a full table, then
  // the same after everything expired at once.
  LockOutClients(l, FailedAuthLimiter::kMaxEntries / 2, kT0);
  for (std::size_t i = 0; i < FailedAuthLimiter::kMaxEntries; ++i) {
    l.FailAt("172.16." + std::to_string(i / 256) + "." + std::to_string(i % 256), kT0 + 1);
  }
  ASSERT_EQ(l.limiter.SizeForTest(), FailedAuthLimiter::kMaxEntries);
  constexpr std::uint64_t kMaxSteps = 2 * FailedAuthLimiter::kMaxPrunePerCall + 4;
  std::uint64_t worst = 0;
  auto measure = [&](auto&& call) {
    const std::uint64_t before = l.limiter.StepsForTest();
    call();
    worst = std::max(worst, l.limiter.StepsForTest() - before);
  };
  for (int i = 0; i < 2'000; ++i) {
    const std::string addr = "192.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    measure([&] { l.FailAt(addr, kT0 + 2 + i); });
    measure([&] { l.LockedAt(addr, kT0 + 2 + i); });
  }
  const std::int64_t later = kT0 + kLockoutMs + kWindowMs;
  for (int i = 0; i < 2'000; ++i) {
    const std::string addr = "192.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    measure([&] { l.FailAt(addr, later + i); });
    measure([&] { l.SucceedAt(addr, later + i); });
  }
  EXPECT_LE(worst, kMaxSteps);
  // The expired entries drained away a few per call all the same.
  for (int i = 0; i < 10'000 && l.limiter.SizeForTest() > 0; ++i) l.LockedAt(kAddr, later + 3'000);
  EXPECT_EQ(l.limiter.SizeForTest(), 0u);
}

TEST(FailedAuthLimiter, IdleEntriesAreDroppedAndTheFastPathReturns) {
  Limiter l;
  Fail(l, kAddr, 3, kT0);
  Fail(l, "198.51.100.1", 10, kT0);
  EXPECT_EQ(l.limiter.SizeForTest(), 2u);
  // After a window the counting client is idle; after the lockout the locked one is done.
  l.LockedAt(kAddr, kT0 + kLockoutMs + 10);
  EXPECT_EQ(l.limiter.SizeForTest(), 0u);
}

TEST(FailedAuthLimiter, FailuresDuringALockoutDoNotExtendIt) {
  Limiter l;
  Fail(l, kAddr, 10, kT0);
  // Requests that passed the lockout check just before it began still report failures.
  EXPECT_EQ(Fail(l, kAddr, 20, kT0 + 100), 0);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 100), kLockoutMs - 91);
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 9 + kLockoutMs), 0);
  // After it, the count starts from zero.
  EXPECT_EQ(Fail(l, kAddr, 9, kT0 + 9 + kLockoutMs), 0);
}

}  // namespace
}  // namespace warden::access

namespace warden::access {
namespace {

TEST(FailedAuthLimiter, TheSameWrongCredentialRetriedCountsOnce) {
  Limiter l;
  const std::uint64_t stale = FailedAuthLimiter::Fingerprint({"Bearer stale-token", ""});
  for (int i = 0; i < 50; ++i) {
    const FailureOutcome o = l.OutcomeAt(kAddr, kT0 + i, stale);
    EXPECT_EQ(o.lockout_ms, 0);
    EXPECT_EQ(o.repeated, i > 0) << i;
  }
  EXPECT_EQ(l.LockedAt(kAddr, kT0 + 50), 0);
  // Guesses still count: 9 new credentials after the stale one lock the client out.
  EXPECT_EQ(Fail(l, kAddr, 8, kT0 + 100), 0);
  EXPECT_EQ(l.FailAt(kAddr, kT0 + 108), kLockoutMs);
}

TEST(FailedAuthLimiter, ARepeatCountsAgainOnceItsFirstFailureLeftTheWindow) {
  Limiter l;
  const std::uint64_t stale = FailedAuthLimiter::Fingerprint({"Bearer stale-token", ""});
  EXPECT_FALSE(l.OutcomeAt(kAddr, kT0, stale).repeated);
  EXPECT_TRUE(l.OutcomeAt(kAddr, kT0 + kWindowMs - 1, stale).repeated);
  EXPECT_FALSE(l.OutcomeAt(kAddr, kT0 + kWindowMs + 1, stale).repeated);
}

TEST(FailedAuthLimiter, FingerprintsSeparateTheParts) {
  using F = FailedAuthLimiter;
  EXPECT_EQ(F::Fingerprint({"Bearer a", "k"}), F::Fingerprint({"Bearer a", "k"}));
  EXPECT_NE(F::Fingerprint({"Bearer a", "k"}), F::Fingerprint({"Bearer a", "j"}));
  EXPECT_NE(F::Fingerprint({"ab", ""}), F::Fingerprint({"a", "b"}));
  EXPECT_NE(F::Fingerprint({"", "x"}), F::Fingerprint({"x", ""}));
}

}  // namespace
}  // namespace warden::access
