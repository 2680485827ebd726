// Metrics: Prometheus counters, a latency histogram and gauges for the whole process.
//
// Every metric is declared once, in WARDEN_METRICS below: sorted by name (Envoy
// `stats_macros.h` style), each entry gives its id, Prometheus name, HELP text and label names.
// The ids, the per-shard storage and the exposition (names, HELP/TYPE lines, label names and
// order) are all generated from that table, so a metric cannot be counted without being
// exported, or exported under a second spelling. The Count*() methods are the typed entry
// points, one per metric, so call sites cannot mix up label order.
//
// Writes go to a per-thread shard (each event loop has its own), so request threads never
// contend on one cache line or lock; a shard's mutex is taken by its owner on each update and by
// the scraper only while rendering (uncontended in practice). Render() sums the shards.
// Ownership: Global() is never destroyed (threads may outlive statics); other instances (tests)
// must outlive every thread that counts into them.
// Thread safety: all methods are thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace warden::observe {

// COUNTER(id, name, help, label...) · GAUGE(id, name, help) · HISTOGRAM(id, name, help, label...)
// Keep it sorted by name: the exposition follows this order (checked at compile time).
#define WARDEN_METRICS(COUNTER, GAUGE, HISTOGRAM)                                                  \
  GAUGE(kActiveStreams, "warden_active_streams", "Responses currently being streamed to callers.") \
  COUNTER(kAuthFailures, "warden_auth_failures_total", "Rejected caller credentials by reason.",   \
          "reason")                                                                                \
  COUNTER(kAuthLimiterUntracked, "warden_auth_limiter_untracked_total",                            \
          "Wrong credentials the failed-auth limiter could not count: full of running lockouts.")  \
  COUNTER(kConnectionsRefused, "warden_connections_refused_total",                                 \
          "Caller connections refused at a connection cap, by cap.", "limit")                      \
  COUNTER(kConnectionsShed, "warden_connections_shed_total",                                       \
          "Idle keep-alive caller connections closed to make room at max_connections.")            \
  COUNTER(kEscapedExceptions, "warden_escaped_exceptions_total",                                   \
          "Exceptions that escaped a coroutine.", "where")                                         \
  COUNTER(kKeyCooldowns, "warden_key_cooldowns_total", "Upstream keys put into cooldown.",         \
          "provider", "key")                                                                       \
  COUNTER(kKeyRotations, "warden_key_rotations_total", "Requests retried with the next key.",      \
          "provider")                                                                              \
  COUNTER(kProfileRefreshes, "warden_profile_refreshes_total",                                     \
          "Background OAuth profile refreshes by result.", "provider", "result")                   \
  COUNTER(kReloads, "warden_reloads_total", "Config/secret reloads by result.", "result")          \
  HISTOGRAM(kRequestDuration, "warden_request_duration_seconds", "Request latency by route.",      \
            "route")                                                                               \
  COUNTER(kRequests, "warden_requests_total",                                                      \
          "Requests by route, provider, status and named caller.", "route", "provider", "status",  \
          "caller")                                                                                \
  COUNTER(kTokenRefreshes, "warden_token_refreshes_total", "Federated token refreshes by result.", \
          "provider", "result")                                                                    \
  COUNTER(kUpstreamErrors, "warden_upstream_errors_total",                                         \
          "Upstream failures by provider and kind.", "provider", "kind")

#define WARDEN_METRIC_ID(id, ...) id,
#define WARDEN_METRIC_NONE(...)
enum class CounterId : std::size_t {
  WARDEN_METRICS(WARDEN_METRIC_ID, WARDEN_METRIC_NONE, WARDEN_METRIC_NONE)
};
enum class GaugeId : std::size_t {
  WARDEN_METRICS(WARDEN_METRIC_NONE, WARDEN_METRIC_ID, WARDEN_METRIC_NONE)
};
enum class HistogramId : std::size_t {
  WARDEN_METRICS(WARDEN_METRIC_NONE, WARDEN_METRIC_NONE, WARDEN_METRIC_ID)
};
#undef WARDEN_METRIC_ID
#undef WARDEN_METRIC_NONE

class Metrics {
 public:
  static constexpr std::array<double, 16> kLatencyBucketsSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120};
  // The most labels any metric has.
  static constexpr std::size_t kMaxLabels = 4;

  Metrics();
  static Metrics& Global();

  // `caller`: a [callers] name (config-bounded cardinality), or "-".
  void CountRequest(std::string_view route, std::string_view provider, int status, double seconds,
                    std::string_view caller = "-");
  // kind: connect | timeout | protocol | closed | tls | busy
  void CountUpstreamError(std::string_view provider, std::string_view kind);
  void CountRotation(std::string_view provider);
  void CountCooldown(std::string_view provider, std::string_view key_fingerprint);
  void CountAuthFailure(std::string_view reason);
  void CountAuthLimiterUntracked();
  // limit: per_client | total (http/connection_limiter.hpp)
  void CountConnectionRefused(std::string_view limit);
  void CountConnectionShed();
  void CountReload(bool ok);
  void CountRefresh(std::string_view provider, bool ok);
  // result: ok | reused_peer | invalid_grant | failed (creds/profile_refresher.hpp)
  void CountProfileRefresh(std::string_view provider, std::string_view result);
  void CountEscapedException(std::string_view where);
  void StreamStarted() { Gauge(GaugeId::kActiveStreams).fetch_add(1, std::memory_order_relaxed); }
  void StreamEnded() { Gauge(GaugeId::kActiveStreams).fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t ActiveStreams() const {
    return Gauge(GaugeId::kActiveStreams).load(std::memory_order_relaxed);
  }

  // Prometheus text format 0.0.4. `extra` appends gauges computed at scrape time
  // (credential expiry, reload state) in exposition format.
  std::string Render(const std::function<void(std::string&)>& extra = {}) const;

  // Sum of warden_requests_total over all labels (tests and /readyz use it).
  std::uint64_t TotalRequests() const;

 private:
  // Label values in the order the table names them; unused trailing slots stay empty.
  using LabelValues = std::array<std::string, kMaxLabels>;
  using LabelView = std::array<std::string_view, kMaxLabels>;
  // Orders label sets value by value, and lets a LabelView find a LabelValues key without
  // building strings on the hot path.
  struct LabelsLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      for (std::size_t i = 0; i < kMaxLabels; ++i) {
        const std::string_view x = a[i];
        const std::string_view y = b[i];
        if (x != y) return x < y;
      }
      return false;
    }
  };
  template <typename Value>
  using ByLabels = std::map<LabelValues, Value, LabelsLess>;
  struct HistogramData {
    std::array<std::uint64_t, kLatencyBucketsSeconds.size()> buckets{};  // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
#define WARDEN_METRIC_ONE(...) +1
#define WARDEN_METRIC_NONE(...)
  static constexpr std::size_t kCounterCount =
      0 WARDEN_METRICS(WARDEN_METRIC_ONE, WARDEN_METRIC_NONE, WARDEN_METRIC_NONE);
  static constexpr std::size_t kGaugeCount =
      0 WARDEN_METRICS(WARDEN_METRIC_NONE, WARDEN_METRIC_ONE, WARDEN_METRIC_NONE);
  static constexpr std::size_t kHistogramCount =
      0 WARDEN_METRICS(WARDEN_METRIC_NONE, WARDEN_METRIC_NONE, WARDEN_METRIC_ONE);
#undef WARDEN_METRIC_ONE
#undef WARDEN_METRIC_NONE
  struct Shard {
    mutable std::mutex mu;
    std::array<ByLabels<std::uint64_t>, kCounterCount> counters;
    std::array<ByLabels<HistogramData>, kHistogramCount> histograms;
    // The entry each metric's last update used (nullptr before the first).
    std::array<ByLabels<std::uint64_t>::value_type*, kCounterCount> last_counter{};
    std::array<ByLabels<HistogramData>::value_type*, kHistogramCount> last_histogram{};
  };

  static void Increment(Shard& s, CounterId id, const LabelView& labels);
  static void Observe(Shard& s, HistogramId id, const LabelView& labels, double seconds);
  std::atomic<std::int64_t>& Gauge(GaugeId id) { return gauges_[static_cast<std::size_t>(id)]; }
  const std::atomic<std::int64_t>& Gauge(GaugeId id) const {
    return gauges_[static_cast<std::size_t>(id)];
  }

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
  std::array<std::atomic<std::int64_t>, kGaugeCount> gauges_{};
};

}  // namespace warden::observe
