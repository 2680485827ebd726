// GatewayState: what every event loop shares — the snapshot store, the failed-auth limiter,
// metrics, the clock, and the last reload status.
//
// Thread safety: SnapshotStore, limiter and metrics are thread-safe;
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
#include "snapshot/snapshot.hpp"

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

  struct Options {
    bool access_log = true;
    std::string hsts;  // Strict-Transport-Security value when serving TLS; empty = none
  };

  GatewayState(config::RateLimitConfig rate_limit, observe::Metrics& metrics, Options options,
               Clock clock = {})
      : limiter(rate_limit),
        metrics(metrics),
        access_log(options.access_log),
        hsts(std::move(options.hsts)),
        clock_(clock ? std::move(clock) : SystemClock()) {}

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

  // Refreshes federated tokens after an upstream 401; null when there is none (tests, CLI).
  // Owned by the control plane, which outlives the event loops; published with release order
  // so a loop that sees the pointer sees the refresher constructed.
  void SetRefresher(creds::FederatedRefresher* r) { refresher_.store(r, std::memory_order_release); }
  creds::FederatedRefresher* Refresher() const { return refresher_.load(std::memory_order_acquire); }

  snapshot::SnapshotStore snapshots;
  access::FailedAuthLimiter limiter;
  observe::Metrics& metrics;
  const bool access_log;
  const std::string hsts;

 private:
  Clock clock_;
  std::atomic<creds::FederatedRefresher*> refresher_{nullptr};
  mutable std::mutex mu_;
  ReloadStatus reload_;  // GUARDED_BY(mu_)
};

}  // namespace warden::proxy
