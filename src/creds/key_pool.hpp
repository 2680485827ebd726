// KeyPool: the ordered static keys of one provider, with rotation on rate limits.
//
// Selection keeps prompt-cache affinity: the first usable key in order is used until it is
// rate-limited, rather than round-robin. A rate-limited key cools down (Retry-After if given,
// else 30 s doubling per consecutive strike, capped at 24 h); a key rejected with 401/403 is
// marked failing (10 min doubling, capped at 24 h). Any success clears the strikes.
//
// The pool itself is immutable and lives in a Snapshot; the mutable per-key state (KeyState)
// lives in a CredentialStateRegistry keyed by provider + fingerprint, so cooldowns survive
// snapshot swaps (reloads). KeyState is only touched through relaxed/acq-rel atomics: the data
// plane never takes a lock here. Times are milliseconds since the epoch, passed in by callers
// (inject the clock; tests use fixed values).
// Ownership: a Snapshot owns its KeyPools; KeyPool shares ownership of each KeyState with the
// registry, so state outlives any one snapshot.
// Thread safety: KeyPool is immutable; KeyState is atomic; the registry is mutex-guarded and is
// only used by the control plane while building a snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "observe/secret.hpp"

namespace warden::creds {

struct KeyState {
  std::atomic<std::int64_t> cooldown_until_ms{0};  // rate-limited until
  std::atomic<int> rate_limit_strikes{0};
  std::atomic<std::int64_t> failing_until_ms{0};  // auth-failed (401/403) until
  std::atomic<int> auth_strikes{0};
  std::atomic<std::int64_t> last_used_ms{0};  // profiles: least recently used first
};

struct PooledKey {
  Secret value;
  std::string fingerprint;  // Secret::Fingerprint(): the key's name in logs and metrics
  std::string source;       // "OPENAI_API_KEYS[1]", "providers.x.keys[0] (exec:vault:id)"
  std::shared_ptr<KeyState> state;
};

class CredentialStateRegistry {
 public:
  std::shared_ptr<KeyState> Get(const std::string& provider, const std::string& fingerprint);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<KeyState>> states_;  // GUARDED_BY(mu_)
};

class KeyPool {
 public:
  static constexpr std::int64_t kBaseCooldownMs = 30'000;
  static constexpr std::int64_t kMaxCooldownMs = 24LL * 3600 * 1000;
  static constexpr std::int64_t kBaseAuthFailureMs = 10 * 60'000;

  KeyPool() = default;
  explicit KeyPool(std::vector<PooledKey> keys) : keys_(std::move(keys)) {}

  const std::vector<PooledKey>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

  // First key in order that is neither cooling down, failing, nor in `tried`.
  const PooledKey* Pick(std::int64_t now_ms, const std::vector<const PooledKey*>& tried) const;
  // Milliseconds until the soonest key becomes usable again (0 if one is usable now).
  std::int64_t MsUntilSoonestRecovery(std::int64_t now_ms) const;
  std::size_t CoolingCount(std::int64_t now_ms) const;
  // Whether some key is unusable because of a rate limit (rather than an auth failure).
  bool AnyRateLimited(std::int64_t now_ms) const;

  // Returns the cooldown applied, in ms.
  static std::int64_t MarkRateLimited(const PooledKey& key, std::int64_t now_ms,
                                      std::optional<std::int64_t> retry_after_ms);
  static std::int64_t MarkAuthFailed(const PooledKey& key, std::int64_t now_ms);
  static void MarkSuccess(const PooledKey& key);
  static bool Usable(const PooledKey& key, std::int64_t now_ms);

 private:
  std::vector<PooledKey> keys_;
};

}  // namespace warden::creds
