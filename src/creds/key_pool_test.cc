#include "creds/key_pool.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace warden::creds {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;  // a fixed clock: ms since the epoch
constexpr std::int64_t kHour = 3600 * 1000;

// A pool of `n` keys "k0".."k<n-1>" whose states come from `registry`.
KeyPool MakePool(CredentialStateRegistry& registry, int n, const std::string& provider = "p") {
  std::vector<PooledKey> keys;
  for (int i = 0; i < n; ++i) {
    Secret value("sk-test-" + std::to_string(i));
    std::string fp = value.Fingerprint();
    keys.push_back(PooledKey{value, fp, "TEST_API_KEYS[" + std::to_string(i) + "]",
                             registry.Get(provider, fp)});
  }
  return KeyPool(std::move(keys));
}

TEST(KeyPool, PickKeepsAffinityToTheFirstHealthyKey) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 3);
  for (int i = 0; i < 5; ++i) {
    const PooledKey* k = pool.Pick(kNow + i, {});
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k, &pool.keys()[0]);
    KeyPool::MarkSuccess(*k);
  }
}

TEST(KeyPool, PickSkipsKeyInCooldown) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 3);
  KeyPool::MarkRateLimited(pool.keys()[0], kNow, std::nullopt);
  EXPECT_EQ(pool.Pick(kNow, {}), &pool.keys()[1]);
  EXPECT_EQ(pool.Pick(kNow + 29'999, {}), &pool.keys()[1]);
  EXPECT_EQ(pool.Pick(kNow + 30'000, {}), &pool.keys()[0]);  // recovered: affinity returns
}

TEST(KeyPool, PickSkipsFailingKey) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 2);
  KeyPool::MarkAuthFailed(pool.keys()[0], kNow);
  EXPECT_EQ(pool.Pick(kNow, {}), &pool.keys()[1]);
  EXPECT_EQ(pool.Pick(kNow + KeyPool::kBaseAuthFailureMs, {}), &pool.keys()[0]);
}

TEST(KeyPool, PickSkipsTriedKeys) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 3);
  std::vector<const PooledKey*> tried = {&pool.keys()[0]};
  EXPECT_EQ(pool.Pick(kNow, tried), &pool.keys()[1]);
  tried.push_back(&pool.keys()[1]);
  EXPECT_EQ(pool.Pick(kNow, tried), &pool.keys()[2]);
  tried.push_back(&pool.keys()[2]);
  EXPECT_EQ(pool.Pick(kNow, tried), nullptr);
}

TEST(KeyPool, PickReturnsNullWhenEveryKeyIsUnusable) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 2);
  KeyPool::MarkRateLimited(pool.keys()[0], kNow, std::nullopt);
  KeyPool::MarkAuthFailed(pool.keys()[1], kNow);
  EXPECT_EQ(pool.Pick(kNow, {}), nullptr);
  EXPECT_EQ(pool.CoolingCount(kNow), 2u);
  EXPECT_EQ(KeyPool().Pick(kNow, {}), nullptr);
}

TEST(KeyPool, MarkRateLimitedUsesRetryAfterWhenGiven) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], kNow, 7'000), 7'000);
  EXPECT_EQ(pool.keys()[0].state->cooldown_until_ms.load(), kNow + 7'000);
  EXPECT_FALSE(KeyPool::Usable(pool.keys()[0], kNow + 6'999));
  EXPECT_TRUE(KeyPool::Usable(pool.keys()[0], kNow + 7'000));
}

TEST(KeyPool, MarkRateLimitedCapsRetryAfterAt24Hours) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], kNow, 48 * kHour), 24 * kHour);
}

TEST(KeyPool, MarkRateLimitedWithoutRetryAfterDoublesFrom30Seconds) {
  // Each strike is a 429 for a request sent after the previous cooldown ended.
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  const std::int64_t kWant[] = {30'000, 60'000, 120'000, 240'000, 480'000};
  std::int64_t now = kNow;
  for (std::int64_t want : kWant) {
    EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], now, std::nullopt), want);
    EXPECT_EQ(pool.keys()[0].state->cooldown_until_ms.load(), now + want);
    now += want;
  }
}

TEST(KeyPool, ABurstOfConcurrent429sIsOneStrike) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], kNow + i, std::nullopt), 30'000 - i);
  }
  EXPECT_EQ(pool.keys()[0].state->cooldown_until_ms.load(), kNow + 30'000);
  EXPECT_EQ(pool.keys()[0].state->rate_limit_strikes.load(), 1);
  // The next strike, after the cooldown, doubles once.
  EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], kNow + 30'000, std::nullopt), 60'000);
}

TEST(KeyPool, ABurstFromManyThreadsIsOneStrike) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&pool] {
      for (int i = 0; i < 100; ++i) KeyPool::MarkRateLimited(pool.keys()[0], kNow, std::nullopt);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(pool.keys()[0].state->rate_limit_strikes.load(), 1);
  EXPECT_EQ(pool.keys()[0].state->cooldown_until_ms.load(), kNow + 30'000);
}

TEST(KeyPool, RetryAfterDuringACooldownExtendsItWithoutAStrike) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  KeyPool::MarkRateLimited(pool.keys()[0], kNow, std::nullopt);
  EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], kNow + 1'000, 90'000), 90'000);
  EXPECT_EQ(pool.keys()[0].state->cooldown_until_ms.load(), kNow + 91'000);
  EXPECT_EQ(pool.keys()[0].state->rate_limit_strikes.load(), 1);
}

TEST(KeyPool, ZeroRetryAfterFallsBackToBackoff) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  EXPECT_EQ(KeyPool::MarkRateLimited(pool.keys()[0], kNow, 0), KeyPool::kBaseCooldownMs);
}

TEST(KeyPool, RateLimitBackoffIsCappedAt24Hours) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  std::int64_t last = 0;
  std::int64_t now = kNow;
  for (int i = 0; i < 100; ++i) {
    last = KeyPool::MarkRateLimited(pool.keys()[0], now, std::nullopt);
    now += last;
  }
  EXPECT_EQ(last, KeyPool::kMaxCooldownMs);
  EXPECT_EQ(KeyPool::kMaxCooldownMs, 24 * kHour);
}

TEST(KeyPool, MarkAuthFailedDoublesFrom10MinutesCappedAt24Hours) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  std::int64_t now = kNow;
  EXPECT_EQ(KeyPool::MarkAuthFailed(pool.keys()[0], now), 10 * 60'000);
  EXPECT_EQ(pool.keys()[0].state->failing_until_ms.load(), now + 10 * 60'000);
  EXPECT_EQ(KeyPool::MarkAuthFailed(pool.keys()[0], now), 10 * 60'000);  // same burst
  now += 10 * 60'000;
  EXPECT_EQ(KeyPool::MarkAuthFailed(pool.keys()[0], now), 20 * 60'000);
  now += 20 * 60'000;
  EXPECT_EQ(KeyPool::MarkAuthFailed(pool.keys()[0], now), 40 * 60'000);
  std::int64_t last = 0;
  for (int i = 0; i < 50; ++i) {
    now += 40 * 60'000 + last;
    last = KeyPool::MarkAuthFailed(pool.keys()[0], now);
  }
  EXPECT_EQ(last, KeyPool::kMaxCooldownMs);
  EXPECT_EQ(pool.keys()[0].state->cooldown_until_ms.load(), 0);  // not a rate limit
}

TEST(KeyPool, MarkSuccessClearsStrikes) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  const PooledKey& k = pool.keys()[0];
  KeyPool::MarkRateLimited(k, kNow, std::nullopt);
  KeyPool::MarkRateLimited(k, kNow, std::nullopt);
  KeyPool::MarkAuthFailed(k, kNow);
  KeyPool::MarkSuccess(k);
  EXPECT_EQ(k.state->rate_limit_strikes.load(), 0);
  EXPECT_EQ(k.state->auth_strikes.load(), 0);
  EXPECT_EQ(KeyPool::MarkRateLimited(k, kNow, std::nullopt), KeyPool::kBaseCooldownMs);
  EXPECT_EQ(KeyPool::MarkAuthFailed(k, kNow), KeyPool::kBaseAuthFailureMs);
}

TEST(KeyPool, MsUntilSoonestRecovery) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 3);
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kNow), 0);
  KeyPool::MarkRateLimited(pool.keys()[0], kNow, 50'000);
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kNow), 0);  // keys 1 and 2 are usable
  KeyPool::MarkRateLimited(pool.keys()[1], kNow, 20'000);
  KeyPool::MarkAuthFailed(pool.keys()[2], kNow);
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kNow), 20'000);
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kNow + 5'000), 15'000);
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kNow + 20'000), 0);
  EXPECT_EQ(pool.CoolingCount(kNow + 20'000), 2u);
}

TEST(KeyPool, MsUntilSoonestRecoveryUsesTheLaterOfCooldownAndFailure) {
  CredentialStateRegistry registry;
  KeyPool pool = MakePool(registry, 1);
  KeyPool::MarkRateLimited(pool.keys()[0], kNow, 5'000);
  KeyPool::MarkAuthFailed(pool.keys()[0], kNow);
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kNow), KeyPool::kBaseAuthFailureMs);
}

TEST(CredentialStateRegistry, SameProviderAndFingerprintShareState) {
  CredentialStateRegistry registry;
  std::shared_ptr<KeyState> a = registry.Get("openai", "sha256:aaaaaaaaaaaa");
  EXPECT_EQ(registry.Get("openai", "sha256:aaaaaaaaaaaa"), a);
  EXPECT_NE(registry.Get("openai", "sha256:bbbbbbbbbbbb"), a);
  EXPECT_NE(registry.Get("anthropic", "sha256:aaaaaaaaaaaa"), a);
}

TEST(CredentialStateRegistry, CooldownSurvivesAPoolRebuild) {
  CredentialStateRegistry registry;
  KeyPool before = MakePool(registry, 2);
  KeyPool::MarkRateLimited(before.keys()[0], kNow, 60'000);
  KeyPool after = MakePool(registry, 2);  // as a reload would
  EXPECT_EQ(after.keys()[0].state, before.keys()[0].state);
  EXPECT_EQ(after.Pick(kNow, {}), &after.keys()[1]);
  KeyPool other_provider = MakePool(registry, 2, "other");
  EXPECT_EQ(other_provider.Pick(kNow, {}), &other_provider.keys()[0]);
}

}  // namespace
}  // namespace warden::creds
