#include "proxy/routes.hpp"

#include <string_view>

#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

TEST(MatchRoute, Table) {
  struct Case {
    std::string_view path;
    RouteKind kind;
    std::string_view name;
    WireFormat wire;
    std::string_view suffix;
    bool post_only;
  };
  const Case kCases[] = {
      {"/v1/chat/completions", RouteKind::kProxy, "chat_completions", WireFormat::kOpenAi,
       "/chat/completions", true},
      {"/v1/chat/completions/", RouteKind::kProxy, "chat_completions", WireFormat::kOpenAi,
       "/chat/completions", true},
      {"/v1/completions", RouteKind::kProxy, "completions", WireFormat::kOpenAi, "/completions",
       true},
      {"/v1/embeddings", RouteKind::kProxy, "embeddings", WireFormat::kOpenAi, "/embeddings", true},
      {"/v1/responses", RouteKind::kProxy, "responses", WireFormat::kOpenAi, "/responses", true},
      {"/v1/messages", RouteKind::kProxy, "messages", WireFormat::kAnthropic, "/messages", true},
      {"/v1/messages/", RouteKind::kProxy, "messages", WireFormat::kAnthropic, "/messages", true},
      {"/v1/messages/count_tokens", RouteKind::kProxy, "count_tokens", WireFormat::kAnthropic,
       "/messages/count_tokens", true},
      {"/v1/models", RouteKind::kModels, "models", WireFormat::kOpenAi, "/models", false},
      {"/v1/models/", RouteKind::kModels, "models", WireFormat::kOpenAi, "/models", false},
      {"/healthz", RouteKind::kHealthz, "healthz", WireFormat::kOpenAi, "", false},
      {"/healthz/", RouteKind::kHealthz, "healthz", WireFormat::kOpenAi, "", false},
      {"/readyz", RouteKind::kReadyz, "readyz", WireFormat::kOpenAi, "", false},
      {"/metrics", RouteKind::kMetrics, "metrics", WireFormat::kOpenAi, "", false},
  };
  for (const Case& c : kCases) {
    Route r = MatchRoute(c.path);
    EXPECT_EQ(r.kind, c.kind) << c.path;
    EXPECT_EQ(r.name, c.name) << c.path;
    EXPECT_EQ(r.wire, c.wire) << c.path;
    EXPECT_EQ(r.upstream_suffix, c.suffix) << c.path;
    EXPECT_EQ(r.post_only, c.post_only) << c.path;
  }
}

TEST(MatchRoute, UnknownPathsAreNotFound) {
  struct Case {
    std::string_view path;
    WireFormat wire;
  };
  const Case kCases[] = {
      {"", WireFormat::kOpenAi},
      {"/", WireFormat::kOpenAi},
      {"//", WireFormat::kOpenAi},
      {"/v1", WireFormat::kOpenAi},
      {"/v1/", WireFormat::kOpenAi},
      {"/v1/chat", WireFormat::kOpenAi},
      {"/v1/chat/completions//", WireFormat::kOpenAi},
      {"/V1/chat/completions", WireFormat::kOpenAi},
      {"/v2/chat/completions", WireFormat::kOpenAi},
      {"/chat/completions", WireFormat::kOpenAi},
      {"/v1/models/gpt-4o", WireFormat::kOpenAi},
      {"/v1/chat/completions?x=1", WireFormat::kOpenAi},  // callers strip the query first
      {"/v1/messages/batches", WireFormat::kAnthropic},
      {"/v1/messagesx", WireFormat::kAnthropic},
      {"/healthzz", WireFormat::kOpenAi},
  };
  for (const Case& c : kCases) {
    Route r = MatchRoute(c.path);
    EXPECT_EQ(r.kind, RouteKind::kNotFound) << c.path;
    EXPECT_EQ(r.name, "unknown") << c.path;
    EXPECT_EQ(r.wire, c.wire) << c.path;
    EXPECT_FALSE(r.post_only) << c.path;
  }
}

}  // namespace
}  // namespace warden::proxy
