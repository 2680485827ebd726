// FederatedToken: the current short-lived workload (OIDC/JWT) token of one provider.
//
// The background refresher publishes new values; the data plane loads the current value once
// per request (an atomic shared_ptr load; no lock, no I/O). The object survives snapshot swaps
// so a reload does not lose a freshly refreshed token. Status text (last refresh error) is for
// /readyz and `status`.
// Ownership: shared (shared_ptr) by snapshot::FederatedTokenRegistry, every Snapshot that uses
// it and the refresher's loop for its provider.
// Thread safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "observe/secret.hpp"

namespace warden::creds {

struct FederatedTokenValue {
  Secret token;
  std::int64_t exp_ms = 0;  // from the JWT exp claim
  std::string source;       // "env:VERCEL_OIDC_TOKEN" | "file:/path" | "refresh_command"
};

class FederatedToken {
 public:
  explicit FederatedToken(std::string provider) : provider_(std::move(provider)) {}

  const std::string& provider() const { return provider_; }
  std::shared_ptr<const FederatedTokenValue> Current() const {
    return current_.load(std::memory_order_acquire);
  }
  // A usable token: present and not expired at now_ms.
  std::shared_ptr<const FederatedTokenValue> Usable(std::int64_t now_ms) const {
    auto v = Current();
    return v && v->exp_ms > now_ms ? v : nullptr;
  }
  void Publish(std::shared_ptr<const FederatedTokenValue> v) {
    current_.store(std::move(v), std::memory_order_release);
  }

  void SetLastError(std::string e) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(e);
  }
  std::string LastError() const {
    std::lock_guard lock(mu_);
    return last_error_;
  }

 private:
  std::string provider_;
  std::atomic<std::shared_ptr<const FederatedTokenValue>> current_;
  mutable std::mutex mu_;
  std::string last_error_;  // GUARDED_BY(mu_)
};

}  // namespace warden::creds
