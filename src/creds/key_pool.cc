#include "creds/key_pool.hpp"

#include <algorithm>

namespace warden::creds {

std::shared_ptr<KeyState> CredentialStateRegistry::Get(const std::string& provider,
                                                       const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  auto& slot = states_[provider + "\n" + fingerprint];
  if (!slot) slot = std::make_shared<KeyState>();
  return slot;
}

bool KeyPool::Usable(const PooledKey& key, std::int64_t now_ms) {
  return key.state->cooldown_until_ms.load(std::memory_order_relaxed) <= now_ms &&
         key.state->failing_until_ms.load(std::memory_order_relaxed) <= now_ms;
}

const PooledKey* KeyPool::Pick(std::int64_t now_ms,
                               const std::vector<const PooledKey*>& tried) const {
  for (const PooledKey& key : keys_) {
    if (std::find(tried.begin(), tried.end(), &key) != tried.end()) continue;
    if (Usable(key, now_ms)) return &key;
  }
  return nullptr;
}

std::int64_t KeyPool::MsUntilSoonestRecovery(std::int64_t now_ms) const {
  std::int64_t soonest = kMaxCooldownMs;
  for (const PooledKey& key : keys_) {
    std::int64_t until = std::max(key.state->cooldown_until_ms.load(std::memory_order_relaxed),
                                  key.state->failing_until_ms.load(std::memory_order_relaxed));
    soonest = std::min(soonest, std::max<std::int64_t>(0, until - now_ms));
  }
  return soonest;
}

std::size_t KeyPool::CoolingCount(std::int64_t now_ms) const {
  return std::size_t(std::count_if(keys_.begin(), keys_.end(),
                                   [&](const PooledKey& k) { return !Usable(k, now_ms); }));
}

bool KeyPool::AnyRateLimited(std::int64_t now_ms) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const PooledKey& k) {
    return k.state->cooldown_until_ms.load(std::memory_order_relaxed) > now_ms;
  });
}

std::int64_t KeyPool::MarkRateLimited(const PooledKey& key, std::int64_t now_ms,
                                      std::optional<std::int64_t> retry_after_ms) {
  int strikes = key.state->rate_limit_strikes.fetch_add(1, std::memory_order_acq_rel);
  std::int64_t cooldown;
  if (retry_after_ms && *retry_after_ms > 0) {
    cooldown = std::min(*retry_after_ms, kMaxCooldownMs);
  } else {
    cooldown = kBaseCooldownMs << std::min(strikes, 20);
    cooldown = std::min(cooldown, kMaxCooldownMs);
  }
  key.state->cooldown_until_ms.store(now_ms + cooldown, std::memory_order_release);
  return cooldown;
}

std::int64_t KeyPool::MarkAuthFailed(const PooledKey& key, std::int64_t now_ms) {
  int strikes = key.state->auth_strikes.fetch_add(1, std::memory_order_acq_rel);
  std::int64_t cooldown = std::min(kBaseAuthFailureMs << std::min(strikes, 20), kMaxCooldownMs);
  key.state->failing_until_ms.store(now_ms + cooldown, std::memory_order_release);
  return cooldown;
}

void KeyPool::MarkSuccess(const PooledKey& key) {
  // Avoid writing shared cache lines on the hot path when nothing changes.
  if (key.state->rate_limit_strikes.load(std::memory_order_relaxed) != 0)
    key.state->rate_limit_strikes.store(0, std::memory_order_relaxed);
  if (key.state->auth_strikes.load(std::memory_order_relaxed) != 0)
    key.state->auth_strikes.store(0, std::memory_order_relaxed);
}

}  // namespace warden::creds
