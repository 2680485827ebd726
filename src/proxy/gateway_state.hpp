// GatewayState: what every event loop shares — the snapshot store, the failed-auth limiter,
// metrics, the clock, and process-wide flags (draining, last reload error).
//
// Thread safety: SnapshotStore, limiter and metrics are thread-safe; `draining` is atomic;
// reload status is mutex-guarded (read by /readyz, written by the control plane).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "access/failed_auth_limiter.hpp"
#include "creds/federated_refresher.hpp"
#include "observe/metrics.hpp"
#include "secrets/snapshot.hpp"

namespace warden::proxy {

struct ReloadStatus {
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
  std::string last_error;     // empty when the last reload succeeded; never a value
  std::int64_t last_attempt_ms = 0;
};

class GatewayState {
 public:
  using Clock = std::function<std::int64_t()>;  // milliseconds since the epoch

  GatewayState(config::RateLimitConfig rate_limit, observe::Metrics& metrics, Clock clock = {})
      : limiter(rate_limit), metrics(metrics), clock_(clock ? std::move(clock) : SystemClock()) {}

  std::int64_t NowMs() const { return clock_(); }
  static Clock SystemClock() {
    return [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }

  void SetReloadStatus(ReloadStatus s) {
    std::lock_guard lock(mu_);
    reload_ = std::move(s);
  }
  ReloadStatus GetReloadStatus() const {
    std::lock_guard lock(mu_);
    return reload_;
  }

  secrets::SnapshotStore snapshots;
  access::FailedAuthLimiter limiter;
  observe::Metrics& metrics;
  std::atomic<bool> draining{false};
  bool access_log = true;
  std::string hsts;  // Strict-Transport-Security value when serving TLS
  // Refreshes federated tokens after an upstream 401; null when there is none (tests, CLI).
  // Owned by the control plane, which outlives the event loops.
  creds::FederatedRefresher* refresher = nullptr;

 private:
  Clock clock_;
  mutable std::mutex mu_;
  ReloadStatus reload_;  // GUARDED_BY(mu_)
};

}  // namespace warden::proxy
