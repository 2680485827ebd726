#include "access/failed_auth_limiter.hpp"

#include <algorithm>
#include <cstring>

#include "base/client_key.hpp"
#include "crypto/crypto.hpp"

namespace warden::access {

FailedAuthLimiter::FailedAuthLimiter(config::RateLimitConfig cfg, const Clock& clock)
    : cfg_(cfg), clock_(clock) {
  // Buckets for a full table up front: no rehash of the whole table under the mutex later.
  entries_.reserve(kMaxEntries);
}

std::string FailedAuthLimiter::KeyOf(const std::string& address) const {
  return ClientKey(address, cfg_.ipv6_prefix);
}

std::int64_t FailedAuthLimiter::LockedForMs(const std::string& address) {
  if (!has_entries_.load(std::memory_order_acquire)) return 0;
  const std::string key = KeyOf(address);
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mu_);
  PruneLocked(now_ms);
  std::int64_t left = 0;
  if (auto it = entries_.find(key); it != entries_.end() && it->second.locked_until_ms > 0) {
    left = std::max<std::int64_t>(0, it->second.locked_until_ms - now_ms);
  }
  PublishSizeLocked();
  return left;
}

std::uint64_t FailedAuthLimiter::Fingerprint(std::initializer_list<std::string_view> parts) {
  static const std::string salt = crypto::RandomBytes(32);
  std::string input = salt;
  for (std::string_view part : parts) {
    // Length-prefixed, so ("ab", "") and ("a", "b") differ.
    const std::uint64_t size = part.size();
    input.append(reinterpret_cast<const char*>(&size), sizeof size);
    input.append(part);
  }
  const auto digest = crypto::Sha256(input);
  std::uint64_t out = 0;
  std::memcpy(&out, digest.data(), sizeof out);
  return out;
}

FailureOutcome FailedAuthLimiter::RecordFailure(const std::string& address,
                                                std::uint64_t credential) {
  const std::string key = KeyOf(address);
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mu_);
  PruneLocked(now_ms);
  FailureOutcome out;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (!MakeRoomLocked(now_ms)) {
      out.tracked = false;
      out.first_untracked = !full_reported_;
      full_reported_ = true;
      return out;
    }
    full_reported_ = false;
    it = entries_.try_emplace(key).first;
    it->second.position = active_.insert(active_.end(), key);
  } else if (it->second.locked_until_ms > now_ms) {
    // Locked already (a request that passed the lockout check just before it began): the
    // lockout stands as it is.
    return out;
  } else if (it->second.locked_until_ms > 0) {
    // The lockout ended but the entry was not pruned yet: it starts counting afresh.
    it->second.locked_until_ms = 0;
    it->second.failures.clear();
    active_.splice(active_.end(), locked_, it->second.position);
  } else {
    active_.splice(active_.end(), active_, it->second.position);  // the most recent now
  }
  Entry& e = it->second;
  e.last_failure_ms = now_ms;
  const std::int64_t window_start = now_ms - cfg_.window.count();
  auto in_window =
      std::find_if(e.failures.begin(), e.failures.end(),
                   [window_start](const Failure& f) { return f.at_ms > window_start; });
  e.failures.erase(e.failures.begin(), in_window);
  if (std::any_of(e.failures.begin(), e.failures.end(),
                  [credential](const Failure& f) { return f.credential == credential; })) {
    out.repeated = true;
    PublishSizeLocked();
    return out;
  }
  e.failures.push_back(Failure{now_ms, credential});
  const std::size_t max_attempts = static_cast<std::size_t>(std::max(1, cfg_.max_attempts));
  if (e.failures.size() >= max_attempts) {
    e.locked_until_ms = now_ms + cfg_.lockout.count();
    e.failures.clear();
    e.failures.shrink_to_fit();
    locked_.splice(locked_.end(), active_, e.position);
    out.lockout_ms = cfg_.lockout.count();
  }
  PublishSizeLocked();
  return out;
}

void FailedAuthLimiter::RecordSuccess(const std::string& address) {
  if (!has_entries_.load(std::memory_order_acquire)) return;
  const std::string key = KeyOf(address);
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mu_);
  PruneLocked(now_ms);
  auto it = entries_.find(key);
  // A success proves the client knows the token: forget its failures, unless a lockout is
  // still running (a success cannot happen then; the entry keeps the lockout).
  if (it != entries_.end() && it->second.locked_until_ms <= now_ms) EraseLocked(it);
  PublishSizeLocked();
}

std::size_t FailedAuthLimiter::SizeForTest() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::uint64_t FailedAuthLimiter::StepsForTest() {
  std::lock_guard lock(mu_);
  return steps_;
}

void FailedAuthLimiter::PruneLocked(std::int64_t now_ms) {
  // Only the fronts can have expired: lockouts end in queue order, and the LRU front is the
  // client whose last failure is oldest.
  const std::int64_t window_start = now_ms - cfg_.window.count();
  std::size_t budget = kMaxPrunePerCall;
  while (budget > 0 && !locked_.empty()) {
    ++steps_;
    auto it = entries_.find(locked_.front());
    if (it->second.locked_until_ms > now_ms) break;
    EraseLocked(it);
    --budget;
  }
  while (budget > 0 && !active_.empty()) {
    ++steps_;
    auto it = entries_.find(active_.front());
    if (it->second.last_failure_ms > window_start) break;
    EraseLocked(it);
    --budget;
  }
}

bool FailedAuthLimiter::MakeRoomLocked(std::int64_t now_ms) {
  if (entries_.size() < kMaxEntries) return true;
  ++steps_;
  if (!active_.empty()) {
    // The least recently failing client that is not locked loses its count.
    EraseLocked(entries_.find(active_.front()));
    return true;
  }
  // Every entry is locked; the earliest lockout may have ended since PruneLocked looked.
  auto it = entries_.find(locked_.front());
  if (it->second.locked_until_ms > now_ms) return false;
  EraseLocked(it);
  return true;
}

void FailedAuthLimiter::EraseLocked(Entries::iterator it) {
  ++steps_;
  Order& order = it->second.locked_until_ms > 0 ? locked_ : active_;
  order.erase(it->second.position);
  entries_.erase(it);
}

void FailedAuthLimiter::PublishSizeLocked() {
  has_entries_.store(!entries_.empty(), std::memory_order_release);
}

}  // namespace warden::access
