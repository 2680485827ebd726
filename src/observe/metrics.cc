#include "observe/metrics.hpp"

#include <fmt/format.h>

namespace warden::observe {

namespace {

template <typename Map, typename Key>
void Bump(Map& map, const Key& key, std::uint64_t by = 1) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(typename Map::key_type(key), 0).first;
  it->second += by;
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

}  // namespace

namespace {
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

void Metrics::CountRequest(std::string_view route, std::string_view provider, int status,
                           double seconds) {
  WithLocalShard([&](Shard& s) {
    Bump(s.requests, std::tuple<std::string_view, std::string_view, int>(route, provider, status));
    auto it = s.latency.find(route);
    if (it == s.latency.end()) it = s.latency.emplace(std::string(route), Histogram{}).first;
    Histogram& h = it->second;
    // Non-cumulative here (one increment); Render() accumulates.
    for (std::size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
      if (seconds <= kLatencyBucketsSeconds[i]) {
        ++h.buckets[i];
        break;
      }
    }
    ++h.count;
    h.sum += seconds;
  });
}

void Metrics::CountUpstreamError(std::string_view provider, std::string_view kind) {
  WithLocalShard([&](Shard& s) {
    Bump(s.upstream_errors, std::tuple<std::string_view, std::string_view>(provider, kind));
  });
}

void Metrics::CountRotation(std::string_view provider) {
  WithLocalShard([&](Shard& s) { Bump(s.rotations, provider); });
}

void Metrics::CountCooldown(std::string_view provider, std::string_view key_fingerprint) {
  WithLocalShard([&](Shard& s) {
    Bump(s.cooldowns, std::tuple<std::string_view, std::string_view>(provider, key_fingerprint));
  });
}

void Metrics::CountAuthFailure(std::string_view reason) {
  WithLocalShard([&](Shard& s) { Bump(s.auth_failures, reason); });
}

void Metrics::CountReload(bool ok) {
  WithLocalShard([&](Shard& s) { Bump(s.reloads, std::string_view(ok ? "ok" : "failed")); });
}

void Metrics::CountRefresh(std::string_view provider, bool ok) {
  WithLocalShard([&](Shard& s) {
    Bump(s.refreshes, std::tuple<std::string_view, std::string_view>(provider, ok ? "ok" : "failed"));
  });
}

void Metrics::CountEscapedException(std::string_view where) {
  WithLocalShard([&](Shard& s) { Bump(s.exceptions, where); });
}

std::uint64_t Metrics::TotalRequests() const {
  std::uint64_t total = 0;
  std::lock_guard lock(shards_mu_);
  for (const auto& shard : shards_) {
    std::lock_guard shard_lock(shard->mu);
    for (const auto& [k, v] : shard->requests) total += v;
  }
  return total;
}

std::string Metrics::Render(const std::function<void(std::string&)>& extra) const {
  Shard sum;  // aggregate; local object, its mutex unused
  {
    std::lock_guard lock(shards_mu_);
    for (const auto& shard : shards_) {
      std::lock_guard shard_lock(shard->mu);
      for (const auto& [k, v] : shard->requests) Bump(sum.requests, k, v);
      for (const auto& [k, v] : shard->upstream_errors) Bump(sum.upstream_errors, k, v);
      for (const auto& [k, v] : shard->cooldowns) Bump(sum.cooldowns, k, v);
      for (const auto& [k, v] : shard->refreshes) Bump(sum.refreshes, k, v);
      for (const auto& [k, v] : shard->rotations) Bump(sum.rotations, k, v);
      for (const auto& [k, v] : shard->auth_failures) Bump(sum.auth_failures, k, v);
      for (const auto& [k, v] : shard->reloads) Bump(sum.reloads, k, v);
      for (const auto& [k, v] : shard->exceptions) Bump(sum.exceptions, k, v);
      for (const auto& [route, h] : shard->latency) {
        Histogram& dst = sum.latency[route];
        for (std::size_t i = 0; i < h.buckets.size(); ++i) dst.buckets[i] += h.buckets[i];
        dst.count += h.count;
        dst.sum += h.sum;
      }
    }
  }
  std::string out;
  auto header = [&out](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  header("warden_active_streams", "gauge", "Responses currently being streamed to callers.");
  out += fmt::format("warden_active_streams {}\n", ActiveStreams());
  header("warden_auth_failures_total", "counter", "Rejected caller credentials by reason.");
  for (const auto& [k, v] : sum.auth_failures)
    out += fmt::format("warden_auth_failures_total{{reason=\"{}\"}} {}\n", Escape(k), v);
  header("warden_escaped_exceptions_total", "counter", "Exceptions that escaped a coroutine.");
  for (const auto& [k, v] : sum.exceptions)
    out += fmt::format("warden_escaped_exceptions_total{{where=\"{}\"}} {}\n", Escape(k), v);
  header("warden_key_cooldowns_total", "counter", "Upstream keys put into cooldown.");
  for (const auto& [k, v] : sum.cooldowns)
    out += fmt::format("warden_key_cooldowns_total{{provider=\"{}\",key=\"{}\"}} {}\n",
                       Escape(std::get<0>(k)), Escape(std::get<1>(k)), v);
  header("warden_key_rotations_total", "counter", "Requests retried with the next key.");
  for (const auto& [k, v] : sum.rotations)
    out += fmt::format("warden_key_rotations_total{{provider=\"{}\"}} {}\n", Escape(k), v);
  header("warden_reloads_total", "counter", "Config/secret reloads by result.");
  for (const auto& [k, v] : sum.reloads)
    out += fmt::format("warden_reloads_total{{result=\"{}\"}} {}\n", Escape(k), v);
  header("warden_request_duration_seconds", "histogram", "Request latency by route.");
  for (const auto& [route, h] : sum.latency) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.buckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += fmt::format("warden_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         Escape(route), kLatencyBucketsSeconds[i], cumulative);
    }
    out += fmt::format("warden_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       Escape(route), h.count);
    out += fmt::format("warden_request_duration_seconds_sum{{route=\"{}\"}} {}\n", Escape(route),
                       h.sum);
    out += fmt::format("warden_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                       Escape(route), h.count);
  }
  header("warden_requests_total", "counter", "Requests by route, provider and status.");
  for (const auto& [k, v] : sum.requests)
    out += fmt::format("warden_requests_total{{route=\"{}\",provider=\"{}\",status=\"{}\"}} {}\n",
                       Escape(std::get<0>(k)), Escape(std::get<1>(k)), std::get<2>(k), v);
  header("warden_token_refreshes_total", "counter", "Federated token refreshes by result.");
  for (const auto& [k, v] : sum.refreshes)
    out += fmt::format("warden_token_refreshes_total{{provider=\"{}\",result=\"{}\"}} {}\n",
                       Escape(std::get<0>(k)), Escape(std::get<1>(k)), v);
  header("warden_upstream_errors_total", "counter", "Upstream failures by provider and kind.");
  for (const auto& [k, v] : sum.upstream_errors)
    out += fmt::format("warden_upstream_errors_total{{provider=\"{}\",kind=\"{}\"}} {}\n",
                       Escape(std::get<0>(k)), Escape(std::get<1>(k)), v);
  if (extra) extra(out);
  return out;
}

}  // namespace warden::observe
