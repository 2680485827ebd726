// Metrics: Prometheus counters, a latency histogram and gauges for the whole process.
//
// Writes go to a per-thread shard (each event loop has its own), so request threads never
// contend on one cache line or lock; a shard's mutex is taken by its owner on each update and by
// the scraper only while rendering (uncontended in practice). Render() sums the shards.
// Metric names are declared once in kMetricNames (sorted) so the exposition is stable.
// Thread safety: all methods are thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace warden::observe {

class Metrics {
 public:
  static constexpr std::array<double, 16> kLatencyBucketsSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,   1,      2.5,   5,    10,    30,    120};

  Metrics();
  static Metrics& Global();

  void CountRequest(std::string_view route, std::string_view provider, int status, double seconds);
  // kind: connect | timeout | protocol | closed | tls
  void CountUpstreamError(std::string_view provider, std::string_view kind);
  void CountRotation(std::string_view provider);
  void CountCooldown(std::string_view provider, std::string_view key_fingerprint);
  void CountAuthFailure(std::string_view reason);
  void CountReload(bool ok);
  void CountRefresh(std::string_view provider, bool ok);
  void CountEscapedException(std::string_view where);
  void StreamStarted() { active_streams_.fetch_add(1, std::memory_order_relaxed); }
  void StreamEnded() { active_streams_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t ActiveStreams() const { return active_streams_.load(std::memory_order_relaxed); }

  // Prometheus text format 0.0.4. `extra` appends gauges computed at scrape time
  // (credential expiry, reload state) in exposition format.
  std::string Render(const std::function<void(std::string&)>& extra = {}) const;

  // Sum of warden_requests_total over all labels (tests and /readyz use it).
  std::uint64_t TotalRequests() const;

 private:
  using Labels2 = std::tuple<std::string, std::string>;
  using Labels3 = std::tuple<std::string, std::string, int>;
  struct Histogram {
    std::array<std::uint64_t, kLatencyBucketsSeconds.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::map<Labels3, std::uint64_t, std::less<>> requests;     // route, provider, status
    std::map<std::string, Histogram, std::less<>> latency;      // route
    std::map<Labels2, std::uint64_t, std::less<>> upstream_errors;  // provider, kind
    std::map<Labels2, std::uint64_t, std::less<>> cooldowns;        // provider, key
    std::map<Labels2, std::uint64_t, std::less<>> refreshes;        // provider, result
    std::map<std::string, std::uint64_t, std::less<>> rotations;    // provider
    std::map<std::string, std::uint64_t, std::less<>> auth_failures;  // reason
    std::map<std::string, std::uint64_t, std::less<>> reloads;        // result
    std::map<std::string, std::uint64_t, std::less<>> exceptions;     // where
  };
  Shard& LocalShard();
  // Runs `update` on this thread's shard under its (uncontended) lock.
  template <typename F>
  void WithLocalShard(F&& update) {
    Shard& s = LocalShard();
    std::lock_guard lock(s.mu);
    update(s);
  }

  const std::uint64_t id_;  // process-unique; keys the per-thread shard cache
  mutable std::mutex shards_mu_;
  std::vector<std::unique_ptr<Shard>> shards_;  // GUARDED_BY(shards_mu_); never shrinks
  std::atomic<std::int64_t> active_streams_{0};
};

}  // namespace warden::observe
