#include "observe/metrics.hpp"

#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::observe {
namespace {

using ::testing::HasSubstr;

// A Metrics that is never destroyed: a thread that counted into it keeps a pointer to its shard
// (see ANewInstanceAtAReusedAddressGetsItsOwnShard). Kept reachable from a static vector so
// LeakSanitizer does not report it.
Metrics& NewMetrics() {
  static std::vector<std::unique_ptr<Metrics>>* all = new std::vector<std::unique_ptr<Metrics>>();
  all->push_back(std::make_unique<Metrics>());
  return *all->back();
}

TEST(Metrics, CountsFromTwoThreadsAreSummed) {
  Metrics& m = NewMetrics();
  constexpr int kPerThread = 1000;
  auto work = [&m](std::string_view provider) {
    for (int i = 0; i < kPerThread; ++i) {
      m.CountRequest("chat_completions", "openai", 200, 0.002);
      m.CountRequest("messages", provider, 429, 0.2);
    }
  };
  std::thread a(work, "anthropic");
  std::thread b(work, "claude");
  a.join();
  b.join();
  EXPECT_EQ(m.TotalRequests(), 4u * kPerThread);
  std::string text = m.Render();
  EXPECT_THAT(text,
              HasSubstr("warden_requests_total{route=\"chat_completions\",provider=\"openai\","
                        "status=\"200\",caller=\"-\"} 2000\n"));
  EXPECT_THAT(text, HasSubstr("warden_requests_total{route=\"messages\",provider=\"anthropic\","
                              "status=\"429\",caller=\"-\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("warden_requests_total{route=\"messages\",provider=\"claude\","
                              "status=\"429\",caller=\"-\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_count{route=\"chat_completions\"} "
                              "2000\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_bucket{route=\"messages\","
                              "le=\"+Inf\"} 2000\n"));
}

TEST(Metrics, TotalRequestsIncludesTheCallingThread) {
  Metrics& m = NewMetrics();
  EXPECT_EQ(m.TotalRequests(), 0u);
  m.CountRequest("models", "-", 200, 0);
  std::thread t([&m] { m.CountRequest("models", "-", 401, 0); });
  t.join();
  EXPECT_EQ(m.TotalRequests(), 2u);
}

// An update reuses the series the previous one used only when every label is the same: runs and
// alternations of series that differ in one label (or by a prefix) are each counted apart.
TEST(Metrics, RepeatedAndAlternatingSeriesAreCountedApart) {
  Metrics& m = NewMetrics();
  const std::string_view callers[] = {"ci", "ci", "ci-bot", "ci", "-", "-", "ci-bot", "ci"};
  for (std::string_view caller : callers) m.CountRequest("r", "p", 200, 0.003, caller);
  m.CountRequest("r", "p", 201, 0.003, "ci");
  m.CountRequest("r", "q", 200, 0.2, "ci");
  const std::string text = m.Render();
  auto series = [](std::string_view provider, std::string_view status, std::string_view caller) {
    return "warden_requests_total{route=\"r\",provider=\"" + std::string(provider) +
           "\",status=\"" + std::string(status) + "\",caller=\"" + std::string(caller) + "\"} ";
  };
  EXPECT_THAT(text, HasSubstr(series("p", "200", "ci") + "4\n"));
  EXPECT_THAT(text, HasSubstr(series("p", "200", "ci-bot") + "2\n"));
  EXPECT_THAT(text, HasSubstr(series("p", "200", "-") + "2\n"));
  EXPECT_THAT(text, HasSubstr(series("p", "201", "ci") + "1\n"));
  EXPECT_THAT(text, HasSubstr(series("q", "200", "ci") + "1\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_count{route=\"r\"} 10\n"));
  EXPECT_THAT(text,
              HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"0.005\"} 9\n"));
  EXPECT_EQ(m.TotalRequests(), 10u);
}

TEST(Metrics, InstancesAreIndependent) {
  Metrics& a = NewMetrics();
  Metrics& b = NewMetrics();
  a.CountRequest("models", "-", 200, 0);
  EXPECT_EQ(a.TotalRequests(), 1u);
  EXPECT_EQ(b.TotalRequests(), 0u);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics& m = NewMetrics();
  m.CountRequest("r", "p", 200, 0.003);
  std::string text = m.Render();
  EXPECT_THAT(text,
              HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"120\"} 1\n"));
}

TEST(Metrics, RendersOtherCountersAndEscapesLabels) {
  Metrics& m = NewMetrics();
  m.CountUpstreamError("openai", "timeout");
  m.CountRotation("openai");
  m.CountCooldown("openai", "sha256:0123456789ab");
  m.CountAuthFailure("invalid_credentials");
  m.CountAuthLimiterUntracked();
  m.CountAuthLimiterUntracked();
  m.CountReload(true);
  m.CountReload(false);
  m.CountRefresh("vercel", true);
  m.CountEscapedException("we\"ird\\where\n");
  m.CountConnectionRefused("per_client");
  m.CountConnectionRefused("total");
  m.CountConnectionRefused("total");
  m.CountConnectionShed();
  m.StreamStarted();
  std::string text = m.Render([](std::string& out) { out += "warden_extra 1\n"; });
  EXPECT_THAT(text,
              HasSubstr("warden_upstream_errors_total{provider=\"openai\",kind=\"timeout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_key_rotations_total{provider=\"openai\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("warden_key_cooldowns_total{provider=\"openai\",key=\"sha256:0123456789ab\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_auth_failures_total{reason=\"invalid_credentials\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nwarden_auth_limiter_untracked_total 2\n"));
  EXPECT_THAT(text, HasSubstr("warden_reloads_total{result=\"ok\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_reloads_total{result=\"failed\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("warden_token_refreshes_total{provider=\"vercel\",result=\"ok\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("warden_escaped_exceptions_total{where=\"we\\\"ird\\\\where\\n\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_connections_refused_total{limit=\"per_client\"} 1\n"
                              "warden_connections_refused_total{limit=\"total\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("\nwarden_connections_shed_total 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_active_streams 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE warden_requests_total counter\n"));
  EXPECT_EQ(text.substr(text.size() - 15), "warden_extra 1\n");
}

// The exposition of a fresh instance: every metric of WARDEN_METRICS, in order, with the names,
// HELP and TYPE lines dashboards and the integration tests rely on.
TEST(Metrics, EmptyExpositionListsEveryMetricInOrder) {
  Metrics& m = NewMetrics();
  EXPECT_EQ(m.Render(),
            "# HELP warden_active_streams Responses currently being streamed to callers.\n"
            "# TYPE warden_active_streams gauge\n"
            "warden_active_streams 0\n"
            "# HELP warden_auth_failures_total Rejected caller credentials by reason.\n"
            "# TYPE warden_auth_failures_total counter\n"
            "# HELP warden_auth_limiter_untracked_total Wrong credentials the failed-auth limiter "
            "could not count: full of running lockouts.\n"
            "# TYPE warden_auth_limiter_untracked_total counter\n"
            "warden_auth_limiter_untracked_total 0\n"
            "# HELP warden_connections_refused_total Caller connections refused at a connection "
            "cap, by cap.\n"
            "# TYPE warden_connections_refused_total counter\n"
            "# HELP warden_connections_shed_total Idle keep-alive caller connections closed to "
            "make room at max_connections.\n"
            "# TYPE warden_connections_shed_total counter\n"
            "warden_connections_shed_total 0\n"
            "# HELP warden_escaped_exceptions_total Exceptions that escaped a coroutine.\n"
            "# TYPE warden_escaped_exceptions_total counter\n"
            "# HELP warden_key_cooldowns_total Upstream keys put into cooldown.\n"
            "# TYPE warden_key_cooldowns_total counter\n"
            "# HELP warden_key_rotations_total Requests retried with the next key.\n"
            "# TYPE warden_key_rotations_total counter\n"
            "# HELP warden_profile_refreshes_total Background OAuth profile refreshes by result.\n"
            "# TYPE warden_profile_refreshes_total counter\n"
            "# HELP warden_reloads_total Config/secret reloads by result.\n"
            "# TYPE warden_reloads_total counter\n"
            "# HELP warden_request_duration_seconds Request latency by route.\n"
            "# TYPE warden_request_duration_seconds histogram\n"
            "# HELP warden_requests_total Requests by route, provider, status and named caller.\n"
            "# TYPE warden_requests_total counter\n"
            "# HELP warden_token_refreshes_total Federated token refreshes by result.\n"
            "# TYPE warden_token_refreshes_total counter\n"
            "# HELP warden_upstream_errors_total Upstream failures by provider and kind.\n"
            "# TYPE warden_upstream_errors_total counter\n");
}

TEST(Metrics, CountsBackgroundProfileRefreshesByProviderAndResult) {
  Metrics& m = NewMetrics();
  m.CountProfileRefresh("codex", "ok");
  m.CountProfileRefresh("codex", "invalid_grant");
  m.CountProfileRefresh("codex", "ok");
  const std::string text = m.Render();
  EXPECT_NE(
      text.find("warden_profile_refreshes_total{provider=\"codex\",result=\"invalid_grant\"} 1\n"
                "warden_profile_refreshes_total{provider=\"codex\",result=\"ok\"} 2\n"),
      std::string::npos)
      << text;
}

TEST(Metrics, SeriesAreOrderedByLabelValues) {
  Metrics& m = NewMetrics();
  m.CountRequest("r", "p", 502, 0);
  m.CountRequest("r", "p", 0, 0);
  m.CountRequest("r", "p", 200, 0);
  std::string text = m.Render();
  auto at = [&](int status) {
    return text.find("warden_requests_total{route=\"r\",provider=\"p\",status=\"" +
                     std::to_string(status) + "\",caller=\"-\"}");
  };
  ASSERT_NE(at(0), std::string::npos);
  EXPECT_LT(at(0), at(200));
  EXPECT_LT(at(200), at(502));
}

// Metrics::LocalShard caches Shard* per thread. Keyed by the Metrics address, a Metrics built
// where a destroyed one lived would reuse its freed Shard (heap-use-after-free under ASan, a hang
// in pthread_mutex_lock in release builds); the cache is keyed by a process-unique instance id
// instead, which this pins down. Production only uses Metrics::Global() (never destroyed).
TEST(Metrics, ANewInstanceAtAReusedAddressGetsItsOwnShard) {
  alignas(Metrics) unsigned char storage[sizeof(Metrics)];
  Metrics* first = new (storage) Metrics();
  first->CountRequest("models", "-", 200, 0);
  first->~Metrics();
  Metrics* second = new (storage) Metrics();  // same address, as stack reuse gives in practice
  second->CountRequest("models", "-", 200, 0);
  EXPECT_EQ(second->TotalRequests(), 1u);
  second->~Metrics();
}

}  // namespace
}  // namespace warden::observe
