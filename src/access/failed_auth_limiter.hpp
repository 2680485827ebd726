// FailedAuthLimiter: locks out clients that keep presenting wrong credentials.
//
// max_attempts wrong credentials within `window` per client → `lockout` (429 + Retry-After).
// A client is ClientKey() of its address (base/client_key.hpp): an IPv4 address, or the IPv6
// prefix of cfg.ipv6_prefix bits (/64 by default; one host usually owns a whole /64, so counting
// per address would give it unlimited guesses); an IPv4-mapped IPv6 address counts as IPv4.
// Missing credentials do not count; loopback addresses are exempt when configured (default).
// A success clears the client's failures.
// Each failure carries a fingerprint of the credential presented (Fingerprint: a salted SHA-256,
// 64 bits, the salt random per process, so it reveals nothing of the value): the same wrong
// credential presented again within the window counts once. An SDK or agent CLI retrying with a
// stale token (Codex retries a 401 ten times) does not lock its host out; guessing needs a new
// credential per attempt, and each one counts.
//
// Memory and time are bounded: at most kMaxEntries clients are tracked, each with at most
// max_attempts failure times, and no call scans the table (each does O(1) amortised work, and
// at most kMaxPrunePerCall entries are dropped in one call):
//  - clients that are counting but not locked sit in an LRU list (least recent failure first):
//    those idle for a whole window fall off its front, and when the table is full the least
//    recent one is evicted to make room for a new client (it loses its count, nothing more);
//  - locked clients sit in a queue in the order their lockouts end (the lockout is one fixed
//    duration, so they end in the order they began) and leave it only once their lockout ended.
// A lockout is never evicted before it ends. When every slot holds a running lockout, a wrong
// credential from a new client is still refused (401) by the caller but not tracked:
// FailureOutcome says so, so that the caller can warn and count it. The alternative, evicting a
// lockout, would let anyone with kMaxEntries addresses lift every lockout at will.
// The request path only consults the limiter for non-exempt addresses, and only takes the mutex
// when some client is tracked (has_entries_ is checked first, lock-free).
// Time comes from the injected Clock (tests use a FakeClock).
// Ownership: borrows the Clock, which must outlive the limiter.
// Thread safety: thread-safe (one mutex; touched only on failures and by tracked clients).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.hpp"
#include "config/config.hpp"

namespace warden::access {

struct FailureOutcome {
  std::int64_t lockout_ms = 0;  // > 0: this failure started a lockout of that length
  bool tracked = true;  // false: the table is full of running lockouts; the failure is not counted
  bool first_untracked = false;  // the first untracked failure since the table last had room
  bool repeated = false;  // the same credential already failed in the window: not counted again
};

class FailedAuthLimiter {
 public:
  static constexpr std::size_t kMaxEntries = 10'000;
  // The most entries one call drops as expired; the rest go in later calls (each call adds at
  // most one, so the table still drains).
  static constexpr std::size_t kMaxPrunePerCall = 8;

  FailedAuthLimiter(config::RateLimitConfig cfg, const Clock& clock);

  bool Exempt(bool is_loopback) const { return is_loopback && cfg_.exempt_loopback; }
  // The client `address` is counted as: "203.0.113.7", "2001:db8:1:2::/64".
  std::string KeyOf(const std::string& address) const;
  // Milliseconds of lockout left for the client of `address` (0 = not locked).
  std::int64_t LockedForMs(const std::string& address);
  // Records a wrong credential from `address`; `credential` is Fingerprint() of what it presented.
  FailureOutcome RecordFailure(const std::string& address, std::uint64_t credential);
  // A salted 64-bit digest of the parts of a presented credential (e.g. Authorization and
  // x-api-key), for RecordFailure. Equal parts give equal fingerprints within one process.
  static std::uint64_t Fingerprint(std::initializer_list<std::string_view> parts);
  void RecordSuccess(const std::string& address);

  std::size_t SizeForTest();
  // Entries examined or dropped so far, by every call: a bound on the work done under the mutex.
  std::uint64_t StepsForTest();

 private:
  using Order = std::list<std::string>;  // keys, in LRU order (active_) or lockout order (locked_)
  struct Failure {
    std::int64_t at_ms = 0;
    std::uint64_t credential = 0;  // Fingerprint() of what was presented
  };
  struct Entry {
    std::vector<Failure> failures;  // inside the window, oldest first; ≤ max_attempts
    std::int64_t last_failure_ms = 0;
    std::int64_t locked_until_ms = 0;  // > 0: locked, and `position` is in locked_
    Order::iterator position;          // in active_ or locked_
  };
  using Entries = std::unordered_map<std::string, Entry>;

  void PruneLocked(std::int64_t now_ms);
  bool MakeRoomLocked(std::int64_t now_ms);
  void EraseLocked(Entries::iterator it);
  void PublishSizeLocked();

  const config::RateLimitConfig cfg_;
  const Clock& clock_;
  std::atomic<bool> has_entries_{false};
  std::mutex mu_;
  Entries entries_;             // GUARDED_BY(mu_)
  Order active_;                // GUARDED_BY(mu_); unlocked clients, least recent failure first
  Order locked_;                // GUARDED_BY(mu_); locked clients, earliest lockout end first
  bool full_reported_ = false;  // GUARDED_BY(mu_)
  std::uint64_t steps_ = 0;     // GUARDED_BY(mu_)
};

}  // namespace warden::access
