// JwksStore: the issuer's current key set, shared by the control plane (which loads and
// refetches it: control/jwks_source.hpp) and the event loops (which verify JWTs with it).
//
// Survives reloads: the control plane owns the one store and every snapshot's AccessPolicy
// points at it, so a reload does not drop the keys. Unknown-kid refetches are rate-limited
// here, lock-free: RequestRefetch() calls the control plane's handler at most once per
// kRefetchIntervalMs whatever the number of requests (a flood of made-up kids cannot hammer the
// issuer); the handler only posts work to the control thread, it never blocks the caller.
// Ownership: shared_ptr, owned by the control plane, borrowed by snapshots.
// Thread safety: every method is thread-safe. Keys() takes a mutex for one pointer copy
// (PublishedPtr); the data plane calls it only on a token-cache miss.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/published_ptr.hpp"
#include "crypto/jwk.hpp"

namespace warden::access {

class JwksStore {
 public:
  static constexpr std::int64_t kRefetchIntervalMs = 30'000;

  // `on_refetch` must be thread-safe and non-blocking (it posts to the control executor).
  explicit JwksStore(std::function<void()> on_refetch = {}) : on_refetch_(std::move(on_refetch)) {}

  // Null until a key set has been loaded.
  std::shared_ptr<const crypto::JwkSet> Keys() const { return keys_.Load(); }
  // Changes whenever the key set does; 0 while none is loaded. Cached verifications are
  // valid only for the generation they were made with.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void Publish(std::shared_ptr<const crypto::JwkSet> keys, std::string source, std::int64_t now_ms);
  // Forgets the keys (the issuer or the key source changed).
  void Clear();
  void SetError(std::string error);

  // An unknown kid was seen: asks the control plane to refetch unless it was asked less than
  // kRefetchIntervalMs ago. True when this call asked.
  bool RequestRefetch(std::int64_t now_ms);

  struct Status {
    bool loaded = false;
    std::size_t keys = 0;
    std::string source;      // the URL or file the keys came from
    std::string last_error;  // the last load/fetch failure; empty after a success
    std::int64_t loaded_at_ms = 0;
  };
  Status GetStatus() const;

 private:
  std::function<void()> on_refetch_;
  PublishedPtr<crypto::JwkSet> keys_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> next_generation_{1};
  std::atomic<std::int64_t> last_refetch_ms_{-kRefetchIntervalMs};
  mutable std::mutex mu_;
  Status status_;  // GUARDED_BY(mu_)
};

}  // namespace warden::access
