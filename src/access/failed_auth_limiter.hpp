// FailedAuthLimiter: locks out client addresses that keep presenting wrong credentials.
//
// max_attempts wrong credentials within `window` per address → `lockout` (429 + Retry-After).
// Missing credentials do not count; loopback addresses are exempt when configured (default).
// Success clears the address's failures. At most kMaxEntries addresses are tracked; the oldest
// are pruned. The request path only consults it for non-exempt addresses, and only takes the
// mutex when some address has failures recorded (has_entries_ is checked first, lock-free).
// Time comes from the injected Clock (tests use a FakeClock).
// Ownership: borrows the Clock, which must outlive the limiter.
// Thread safety: thread-safe (one mutex; touched only on failures and by tracked addresses).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.hpp"
#include "config/config.hpp"

namespace warden::access {

class FailedAuthLimiter {
 public:
  static constexpr std::size_t kMaxEntries = 10'000;

  FailedAuthLimiter(config::RateLimitConfig cfg, const Clock& clock) : cfg_(cfg), clock_(clock) {}

  bool Exempt(bool is_loopback) const { return is_loopback && cfg_.exempt_loopback; }
  // Milliseconds of lockout left for `address` (0 = not locked).
  std::int64_t LockedForMs(const std::string& address);
  // Records a wrong credential; returns the lockout started (ms) or 0.
  std::int64_t RecordFailure(const std::string& address);
  void RecordSuccess(const std::string& address);

 private:
  struct Entry {
    std::deque<std::int64_t> failures;  // timestamps inside the window
    std::int64_t locked_until_ms = 0;
    std::int64_t last_seen_ms = 0;
  };
  void PruneLocked(std::int64_t now_ms);

  const config::RateLimitConfig cfg_;
  const Clock& clock_;
  std::atomic<bool> has_entries_{false};
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace warden::access
