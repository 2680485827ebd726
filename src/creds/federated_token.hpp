// FederatedToken: the current short-lived workload (OIDC/JWT) token of one provider.
//
// The background refresher publishes new values; the data plane loads the current value once
// per request (one pointer copy under a short mutex, base/published_ptr.hpp; no I/O). The object
// survives snapshot swaps so a reload does not lose a freshly refreshed token. Status text (last
// refresh error) is for /readyz and `status`. Ownership: shared (shared_ptr) by
// snapshot::FederatedTokenRegistry, every Snapshot that uses it and the refresher's loop for its
// provider. Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/published_ptr.hpp"
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
  std::shared_ptr<const FederatedTokenValue> Current() const { return current_.Load(); }
  // A usable token: present and not expired at now_ms.
  std::shared_ptr<const FederatedTokenValue> Usable(std::int64_t now_ms) const {
    auto v = Current();
    return v && v->exp_ms > now_ms ? v : nullptr;
  }
  void Publish(std::shared_ptr<const FederatedTokenValue> v) { current_.Store(std::move(v)); }

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
  PublishedPtr<FederatedTokenValue> current_;
  mutable std::mutex mu_;
  std::string last_error_;  // GUARDED_BY(mu_)
};

}  // namespace warden::creds
