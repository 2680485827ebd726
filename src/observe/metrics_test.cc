#include "observe/metrics.hpp"

#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::observe {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, CountsFromTwoThreadsAreSummed) {
  Metrics m;
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
  EXPECT_THAT(text, HasSubstr("warden_requests_total{route=\"chat_completions\",provider=\"openai\","
                              "status=\"200\"} 2000\n"));
  EXPECT_THAT(text, HasSubstr("warden_requests_total{route=\"messages\",provider=\"anthropic\","
                              "status=\"429\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("warden_requests_total{route=\"messages\",provider=\"claude\","
                              "status=\"429\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_count{route=\"chat_completions\"} "
                              "2000\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_bucket{route=\"messages\","
                              "le=\"+Inf\"} 2000\n"));
}

TEST(Metrics, TotalRequestsIncludesTheCallingThread) {
  Metrics m;
  EXPECT_EQ(m.TotalRequests(), 0u);
  m.CountRequest("models", "-", 200, 0);
  std::thread t([&m] { m.CountRequest("models", "-", 401, 0); });
  t.join();
  EXPECT_EQ(m.TotalRequests(), 2u);
}

TEST(Metrics, InstancesAreIndependent) {
  Metrics a;
  Metrics b;
  a.CountRequest("models", "-", 200, 0);
  EXPECT_EQ(a.TotalRequests(), 1u);
  EXPECT_EQ(b.TotalRequests(), 0u);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m;
  m.CountRequest("r", "p", 200, 0.003);
  std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_request_duration_seconds_bucket{route=\"r\",le=\"120\"} 1\n"));
}

TEST(Metrics, RendersOtherCountersAndEscapesLabels) {
  Metrics m;
  m.CountUpstreamError("openai", "timeout");
  m.CountRotation("openai");
  m.CountCooldown("openai", "sha256:0123456789ab");
  m.CountAuthFailure("invalid_credentials");
  m.CountReload(true);
  m.CountReload(false);
  m.CountRefresh("vercel", true);
  m.CountEscapedException("we\"ird\\where\n");
  m.StreamStarted();
  std::string text = m.Render([](std::string& out) { out += "warden_extra 1\n"; });
  EXPECT_THAT(text, HasSubstr("warden_upstream_errors_total{provider=\"openai\",kind=\"timeout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_key_rotations_total{provider=\"openai\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_key_cooldowns_total{provider=\"openai\",key=\"sha256:0123456789ab\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_auth_failures_total{reason=\"invalid_credentials\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_reloads_total{result=\"ok\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_reloads_total{result=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_token_refreshes_total{provider=\"vercel\",result=\"ok\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_escaped_exceptions_total{where=\"we\\\"ird\\\\where\\n\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("warden_active_streams 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE warden_requests_total counter\n"));
  EXPECT_EQ(text.substr(text.size() - 15), "warden_extra 1\n");
}

}  // namespace
}  // namespace warden::observe
