#include "access/failed_auth_limiter.hpp"

#include <algorithm>

namespace warden::access {

std::int64_t FailedAuthLimiter::LockedForMs(const std::string& address) {
  if (!has_entries_.load(std::memory_order_acquire)) return 0;
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mu_);
  auto it = entries_.find(address);
  if (it == entries_.end()) return 0;
  return std::max<std::int64_t>(0, it->second.locked_until_ms - now_ms);
}

std::int64_t FailedAuthLimiter::RecordFailure(const std::string& address) {
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries) PruneLocked(now_ms);
  Entry& e = entries_[address];
  has_entries_.store(true, std::memory_order_release);
  e.last_seen_ms = now_ms;
  const std::int64_t window = cfg_.window.count();
  while (!e.failures.empty() && e.failures.front() <= now_ms - window) e.failures.pop_front();
  e.failures.push_back(now_ms);
  if (int(e.failures.size()) >= cfg_.max_attempts && e.locked_until_ms <= now_ms) {
    e.locked_until_ms = now_ms + cfg_.lockout.count();
    e.failures.clear();
    return cfg_.lockout.count();
  }
  return 0;
}

void FailedAuthLimiter::RecordSuccess(const std::string& address) {
  if (!has_entries_.load(std::memory_order_acquire)) return;
  const std::int64_t now_ms = clock_.NowMs();
  std::lock_guard lock(mu_);
  auto it = entries_.find(address);
  // A success proves the address knows the token: forget its failures, unless a lockout is
  // still running (a success cannot happen then; the entry keeps the lockout).
  if (it != entries_.end() && it->second.locked_until_ms <= now_ms) entries_.erase(it);
  if (entries_.empty()) has_entries_.store(false, std::memory_order_release);
}

void FailedAuthLimiter::PruneLocked(std::int64_t now_ms) {
  // Drop entries that are neither locked nor have failures in the window, then the oldest.
  const std::int64_t window = cfg_.window.count();
  for (auto it = entries_.begin(); it != entries_.end();) {
    bool idle = it->second.locked_until_ms <= now_ms && it->second.last_seen_ms <= now_ms - window;
    it = idle ? entries_.erase(it) : std::next(it);
  }
  while (entries_.size() >= kMaxEntries) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last_seen_ms < b.second.last_seen_ms; });
    entries_.erase(oldest);
  }
}

}  // namespace warden::access
