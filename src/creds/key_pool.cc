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

namespace {

// Starts a penalty period on `until` that doubles with each strike, unless one is already in
// force: responses to requests sent before the first refusal arrived (a burst of concurrent
// 429s or 401s) are the same event, not new strikes, so n concurrent refusals cost what one does
// (before this, 12 at once gave a 17-hour cooldown). Only the thread whose compare-exchange
// starts the period adds a strike. `fixed_ms` (a provider's Retry-After) replaces the doubling
// and may extend a period in force. Returns the time left of the period now in force.
std::int64_t Penalize(std::atomic<std::int64_t>& until, std::atomic<int>& strikes,
                      std::int64_t now_ms, std::int64_t base_ms,
                      std::optional<std::int64_t> fixed_ms) {
  std::int64_t current = until.load(std::memory_order_acquire);
  if (current <= now_ms) {
    const int n = strikes.load(std::memory_order_acquire);
    const std::int64_t penalty =
        fixed_ms ? *fixed_ms : std::min(base_ms << std::min(n, 20), KeyPool::kMaxCooldownMs);
    if (until.compare_exchange_strong(current, now_ms + penalty, std::memory_order_acq_rel)) {
      strikes.fetch_add(1, std::memory_order_acq_rel);
      return penalty;
    }
    // Another thread started the period first: this refusal belongs to the same burst.
  }
  if (fixed_ms) {
    const std::int64_t wanted = now_ms + *fixed_ms;
    while (current < wanted &&
           !until.compare_exchange_weak(current, wanted, std::memory_order_acq_rel)) {
    }
  }
  return std::max<std::int64_t>(until.load(std::memory_order_acquire) - now_ms, 0);
}

}  // namespace

std::int64_t KeyPool::MarkRateLimited(const PooledKey& key, std::int64_t now_ms,
                                      std::optional<std::int64_t> retry_after_ms) {
  std::optional<std::int64_t> fixed;
  if (retry_after_ms && *retry_after_ms > 0) fixed = std::min(*retry_after_ms, kMaxCooldownMs);
  return Penalize(key.state->cooldown_until_ms, key.state->rate_limit_strikes, now_ms,
                  kBaseCooldownMs, fixed);
}

std::int64_t KeyPool::MarkAuthFailed(const PooledKey& key, std::int64_t now_ms) {
  return Penalize(key.state->failing_until_ms, key.state->auth_strikes, now_ms, kBaseAuthFailureMs,
                  std::nullopt);
}

void KeyPool::MarkSuccess(const PooledKey& key) {
  // Avoid writing shared cache lines on the hot path when nothing changes.
  if (key.state->rate_limit_strikes.load(std::memory_order_relaxed) != 0)
    key.state->rate_limit_strikes.store(0, std::memory_order_relaxed);
  if (key.state->auth_strikes.load(std::memory_order_relaxed) != 0)
    key.state->auth_strikes.store(0, std::memory_order_relaxed);
}

}  // namespace warden::creds
