// GatewayState: what every event loop shares — the snapshot store, the failed-auth limiter,
// metrics, the clock, and the last reload status.
//
// Ownership: borrows the metrics and the clock, which must outlive it (main owns both).
// Thread safety: SnapshotStore, limiter, metrics and the clock are thread-safe;
// reload status is mutex-guarded (read by /readyz, written by the control plane).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "access/failed_auth_limiter.hpp"
#include "base/clock.hpp"
#include "creds/federated_refresher.hpp"
#include "observe/metrics.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

struct ReloadStatus {
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
  std::string last_error;  // empty when the last reload succeeded; never a value
  std::int64_t last_attempt_ms = 0;
  // Why auth-profiles.json is not in use (the last good profiles are); empty = it is.
  std::string profile_store_error = {};
};

class GatewayState {
 public:
  struct Options {
    bool access_log = true;
    std::string hsts;  // Strict-Transport-Security value when serving TLS; empty = none
  };

  GatewayState(config::RateLimitConfig rate_limit, observe::Metrics& metrics, Options options,
               const Clock& clock)
      : limiter(rate_limit, clock),
        metrics(metrics),
        hsts(std::move(options.hsts)),
        clock_(clock),
        access_log_(options.access_log) {}

  // Milliseconds since the epoch, from the injected clock.
  std::int64_t NowMs() const { return clock_.NowMs(); }
  const Clock& clock() const { return clock_; }

  void SetReloadStatus(ReloadStatus s) {
    std::lock_guard lock(mu_);
    reload_ = std::move(s);
  }
  ReloadStatus GetReloadStatus() const {
    std::lock_guard lock(mu_);
    return reload_;
  }

  // Refreshes federated tokens after an upstream 401; null when there is none (tests, CLI).
  // Owned by the control plane, which outlives the event loops; published with release order
  // so a loop that sees the pointer sees the refresher constructed.
  void SetRefresher(creds::FederatedRefresher* r) {
    refresher_.store(r, std::memory_order_release);
  }
  creds::FederatedRefresher* Refresher() const {
    return refresher_.load(std::memory_order_acquire);
  }

  snapshot::SnapshotStore snapshots;
  access::FailedAuthLimiter limiter;
  observe::Metrics& metrics;
  const std::string hsts;

  // Whether each request writes its access-log line (gateway.access_log; a reload may change it).
  bool AccessLogOn() const { return access_log_.load(std::memory_order_relaxed); }
  void SetAccessLog(bool on) { access_log_.store(on, std::memory_order_relaxed); }

 private:
  const Clock& clock_;
  std::atomic<creds::FederatedRefresher*> refresher_{nullptr};
  std::atomic<bool> access_log_;
  mutable std::mutex mu_;
  ReloadStatus reload_;  // GUARDED_BY(mu_)
};

}  // namespace warden::proxy
