#include "access/jwks_store.hpp"

namespace warden::access {

void JwksStore::Publish(std::shared_ptr<const crypto::JwkSet> keys, std::string source,
                        std::int64_t now_ms) {
  const std::size_t count = keys ? keys->keys.size() : 0;
  keys_.Store(std::move(keys));
  generation_.store(next_generation_.fetch_add(1), std::memory_order_release);
  std::lock_guard lock(mu_);
  status_ = Status{true, count, std::move(source), {}, now_ms};
}

void JwksStore::Clear() {
  keys_.Store(nullptr);
  generation_.store(0, std::memory_order_release);
  std::lock_guard lock(mu_);
  status_ = Status{};
}

void JwksStore::SetError(std::string error) {
  std::lock_guard lock(mu_);
  status_.last_error = std::move(error);
}

bool JwksStore::RequestRefetch(std::int64_t now_ms) {
  std::int64_t last = last_refetch_ms_.load(std::memory_order_relaxed);
  if (now_ms - last < kRefetchIntervalMs) return false;
  // One winner per interval: a concurrent caller that lost the exchange does not ask again.
  if (!last_refetch_ms_.compare_exchange_strong(last, now_ms, std::memory_order_relaxed)) {
    return false;
  }
  if (on_refetch_) on_refetch_();
  return true;
}

JwksStore::Status JwksStore::GetStatus() const {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace warden::access
