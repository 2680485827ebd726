#include "observe/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include <fmt/format.h>

namespace warden::observe {
namespace {

// What the table says about one metric.
struct MetricInfo {
  std::string_view name;
  std::string_view help;
  std::array<std::string_view, Metrics::kMaxLabels> labels{};
  std::size_t label_count = 0;
};

constexpr MetricInfo Info(std::string_view name, std::string_view help,
                          std::initializer_list<std::string_view> labels = {}) {
  MetricInfo info{name, help};
  for (std::string_view label : labels) info.labels[info.label_count++] = label;
  return info;
}

#define WARDEN_METRIC_INFO(id, name, help, ...) Info(name, help, {__VA_ARGS__}),
#define WARDEN_METRIC_NONE(...)
constexpr MetricInfo kCounters[] = {
    WARDEN_METRICS(WARDEN_METRIC_INFO, WARDEN_METRIC_NONE, WARDEN_METRIC_NONE)};
constexpr MetricInfo kGauges[] = {
    WARDEN_METRICS(WARDEN_METRIC_NONE, WARDEN_METRIC_INFO, WARDEN_METRIC_NONE)};
constexpr MetricInfo kHistograms[] = {
    WARDEN_METRICS(WARDEN_METRIC_NONE, WARDEN_METRIC_NONE, WARDEN_METRIC_INFO)};
#undef WARDEN_METRIC_INFO
#undef WARDEN_METRIC_NONE

#define WARDEN_METRIC_NAME(id, name, ...) std::string_view(name),
constexpr std::string_view kAllNames[] = {
    WARDEN_METRICS(WARDEN_METRIC_NAME, WARDEN_METRIC_NAME, WARDEN_METRIC_NAME)};
#undef WARDEN_METRIC_NAME
static_assert(std::is_sorted(std::begin(kAllNames), std::end(kAllNames)),
              "keep WARDEN_METRICS sorted by name: the exposition follows its order");
static_assert(std::adjacent_find(std::begin(kAllNames), std::end(kAllNames)) == std::end(kAllNames),
              "a metric name is declared twice");

constexpr std::size_t Index(CounterId id) { return static_cast<std::size_t>(id); }
constexpr std::size_t Index(HistogramId id) { return static_cast<std::size_t>(id); }
constexpr std::size_t Index(GaugeId id) { return static_cast<std::size_t>(id); }

template <typename Map, typename Key>
typename Map::value_type& Entry(Map& map, const Key& key) {
  auto it = map.find(key);
  if (it == map.end()) {
    typename Map::key_type owned;
    for (std::size_t i = 0; i < owned.size(); ++i) owned[i] = std::string(key[i]);
    it = map.emplace(std::move(owned), typename Map::mapped_type{}).first;
  }
  return *it;
}

template <typename Map, typename Key>
typename Map::mapped_type& Slot(Map& map, const Key& key) {
  return Entry(map, key).second;
}

// The entry for `key`, found through `last` (the entry the previous update used: map entries
// never move) when the labels are the same, as they are for most requests in a row.
template <typename Map, typename Key>
typename Map::mapped_type& CachedSlot(Map& map, typename Map::value_type*& last, const Key& key) {
  if (last == nullptr || !std::equal(last->first.begin(), last->first.end(), key.begin())) {
    last = &Entry(map, key);
  }
  return last->second;
}

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// `route="r",provider="p"`: the label pairs of one series, in table order.
template <typename Labels>
std::string LabelPairs(const MetricInfo& info, const Labels& values) {
  std::string out;
  for (std::size_t i = 0; i < info.label_count; ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}=\"{}\"", info.labels[i], Escape(values[i]));
  }
  return out;
}

void Header(std::string& out, const MetricInfo& info, std::string_view type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", info.name, info.help, info.name, type);
}

std::atomic<std::uint64_t> next_metrics_id{1};

}  // namespace

Metrics::Metrics() : id_(next_metrics_id.fetch_add(1, std::memory_order_relaxed)) {}

Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics();  // never destroyed: threads may outlive statics
  return *metrics;
}

Metrics::Shard& Metrics::LocalShard() {
  // One shard per (thread, Metrics instance). Keyed by a process-unique instance id, not by
  // address: a new instance built where a destroyed one lived must not inherit its freed shards.
  thread_local std::uint64_t last_owner = 0;
  thread_local Shard* last_shard = nullptr;
  if (last_owner == id_) return *last_shard;
  thread_local std::map<std::uint64_t, Shard*> local;
  auto it = local.find(id_);
  if (it == local.end()) {
    std::lock_guard lock(shards_mu_);
    shards_.push_back(std::make_unique<Shard>());
    it = local.emplace(id_, shards_.back().get()).first;
  }
  last_owner = id_;
  last_shard = it->second;
  return *it->second;
}

void Metrics::Increment(Shard& s, CounterId id, const LabelView& labels) {
  ++CachedSlot(s.counters[Index(id)], s.last_counter[Index(id)], labels);
}

void Metrics::Observe(Shard& s, HistogramId id, const LabelView& labels, double seconds) {
  HistogramData& h = CachedSlot(s.histograms[Index(id)], s.last_histogram[Index(id)], labels);
  // Non-cumulative here (one increment); Render() accumulates.
  for (std::size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
    if (seconds <= kLatencyBucketsSeconds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::CountRequest(std::string_view route, std::string_view provider, int status,
                           double seconds, std::string_view caller) {
  char digits[16];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  const std::string_view status_text(digits, ec == std::errc() ? std::size_t(end - digits) : 0);
  WithLocalShard([&](Shard& s) {
    Increment(s, CounterId::kRequests, {route, provider, status_text, caller});
    Observe(s, HistogramId::kRequestDuration, {route}, seconds);
  });
}

void Metrics::CountUpstreamError(std::string_view provider, std::string_view kind) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kUpstreamErrors, {provider, kind}); });
}

void Metrics::CountRotation(std::string_view provider) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kKeyRotations, {provider}); });
}

void Metrics::CountCooldown(std::string_view provider, std::string_view key_fingerprint) {
  WithLocalShard([&](Shard& s) {
    Increment(s, CounterId::kKeyCooldowns, {provider, key_fingerprint});
  });
}

void Metrics::CountAuthFailure(std::string_view reason) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kAuthFailures, {reason}); });
}

void Metrics::CountAuthLimiterUntracked() {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kAuthLimiterUntracked, {}); });
}

void Metrics::CountConnectionRefused(std::string_view limit) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kConnectionsRefused, {limit}); });
}

void Metrics::CountConnectionShed() {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kConnectionsShed, {}); });
}

void Metrics::CountReload(bool ok) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kReloads, {ok ? "ok" : "failed"}); });
}

void Metrics::CountRefresh(std::string_view provider, bool ok) {
  WithLocalShard([&](Shard& s) {
    Increment(s, CounterId::kTokenRefreshes, {provider, ok ? "ok" : "failed"});
  });
}

void Metrics::CountProfileRefresh(std::string_view provider, std::string_view result) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kProfileRefreshes, {provider, result}); });
}

void Metrics::CountEscapedException(std::string_view where) {
  WithLocalShard([&](Shard& s) { Increment(s, CounterId::kEscapedExceptions, {where}); });
}

std::uint64_t Metrics::TotalRequests() const {
  std::uint64_t total = 0;
  std::lock_guard lock(shards_mu_);
  for (const auto& shard : shards_) {
    std::lock_guard shard_lock(shard->mu);
    for (const auto& [k, v] : shard->counters[Index(CounterId::kRequests)]) total += v;
  }
  return total;
}

std::string Metrics::Render(const std::function<void(std::string&)>& extra) const {
  Shard sum;  // aggregate; local object, its mutex unused
  {
    std::lock_guard lock(shards_mu_);
    for (const auto& shard : shards_) {
      std::lock_guard shard_lock(shard->mu);
      for (std::size_t c = 0; c < kCounterCount; ++c) {
        for (const auto& [k, v] : shard->counters[c]) Slot(sum.counters[c], k) += v;
      }
      for (std::size_t h = 0; h < kHistogramCount; ++h) {
        for (const auto& [k, from] : shard->histograms[h]) {
          HistogramData& to = Slot(sum.histograms[h], k);
          for (std::size_t i = 0; i < from.buckets.size(); ++i) to.buckets[i] += from.buckets[i];
          to.count += from.count;
          to.sum += from.sum;
        }
      }
    }
  }

  std::string out;
  auto counter = [&](CounterId id) {
    const MetricInfo& info = kCounters[Index(id)];
    Header(out, info, "counter");
    if (info.label_count == 0) {  // one series, exported from the start (0 until counted)
      std::uint64_t total = 0;
      for (const auto& [labels, v] : sum.counters[Index(id)]) total += v;
      out += fmt::format("{} {}\n", info.name, total);
      return;
    }
    for (const auto& [labels, v] : sum.counters[Index(id)]) {
      out += fmt::format("{}{{{}}} {}\n", info.name, LabelPairs(info, labels), v);
    }
  };
  auto gauge = [&](GaugeId id) {
    const MetricInfo& info = kGauges[Index(id)];
    Header(out, info, "gauge");
    out += fmt::format("{} {}\n", info.name, Gauge(id).load(std::memory_order_relaxed));
  };
  auto histogram = [&](HistogramId id) {
    const MetricInfo& info = kHistograms[Index(id)];
    Header(out, info, "histogram");
    for (const auto& [labels, h] : sum.histograms[Index(id)]) {
      const std::string pairs = LabelPairs(info, labels);
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < h.buckets.size(); ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", info.name, pairs,
                           kLatencyBucketsSeconds[i], cumulative);
      }
      out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", info.name, pairs, h.count);
      out += fmt::format("{}_sum{{{}}} {}\n", info.name, pairs, h.sum);
      out += fmt::format("{}_count{{{}}} {}\n", info.name, pairs, h.count);
    }
  };
#define WARDEN_RENDER_COUNTER(id, ...) counter(CounterId::id);
#define WARDEN_RENDER_GAUGE(id, ...) gauge(GaugeId::id);
#define WARDEN_RENDER_HISTOGRAM(id, ...) histogram(HistogramId::id);
  WARDEN_METRICS(WARDEN_RENDER_COUNTER, WARDEN_RENDER_GAUGE, WARDEN_RENDER_HISTOGRAM)
#undef WARDEN_RENDER_COUNTER
#undef WARDEN_RENDER_GAUGE
#undef WARDEN_RENDER_HISTOGRAM
  if (extra) extra(out);
  return out;
}

}  // namespace warden::observe
