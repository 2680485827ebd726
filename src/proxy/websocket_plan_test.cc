#include "proxy/websocket_plan.hpp"

#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;
namespace bhttp = net::http;

snapshot::ProviderRuntime Provider(std::string id, config::Api api, bool enabled, bool ws) {
  snapshot::ProviderRuntime p;
  p.id = std::move(id);
  p.api = api;
  p.enabled = enabled;
  p.websockets = ws;
  return p;
}

snapshot::Snapshot Snap(bool enabled = true) {
  snapshot::Snapshot snap;
  auto cfg = std::make_shared<config::Config>();
  cfg->gateway.websockets.enabled = enabled;
  snap.config = cfg;
  snap.providers.push_back(Provider("openai", config::Api::kOpenAi, true, true));
  snap.providers.push_back(Provider("router", config::Api::kOpenAi, true, false));
  snap.providers.push_back(Provider("anthropic", config::Api::kAnthropic, true, false));
  snap.providers.push_back(Provider("off", config::Api::kOpenAi, false, true));
  return snap;
}

// An upgrade's fields; an empty one is left out.
struct UpgradeFields {
  std::string_view upgrade = "websocket";
  std::string_view connection = "keep-alive, Upgrade";
  std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==";
  std::string_view version = "13";
};

http::Request Upgrade(UpgradeFields f = {}, std::string_view method = "GET",
                      unsigned http_version = 11) {
  http::Request h;
  h.SetLine(method, "/v1/responses", http_version);
  if (!f.upgrade.empty()) h.fields().Add("Upgrade", f.upgrade);
  if (!f.connection.empty()) h.fields().Add("Connection", f.connection);
  if (!f.key.empty()) h.fields().Add("Sec-WebSocket-Key", f.key);
  if (!f.version.empty()) h.fields().Add("Sec-WebSocket-Version", f.version);
  return h;
}

TEST(WebSocketUpgrade, RecognisesGetWithTheWebsocketToken) {
  EXPECT_TRUE(IsWebSocketUpgrade(Upgrade()));
  EXPECT_TRUE(IsWebSocketUpgrade(Upgrade({.upgrade = "h2c, WebSocket"})));
  EXPECT_FALSE(IsWebSocketUpgrade(Upgrade({}, "POST")));
  EXPECT_FALSE(IsWebSocketUpgrade(Upgrade({.upgrade = "h2c"})));
  EXPECT_FALSE(IsWebSocketUpgrade(Upgrade({.upgrade = ""})));
}

TEST(WebSocketUpgrade, ValidHandshakeNeedsConnectionKeyAndVersion13) {
  EXPECT_TRUE(IsValidWebSocketHandshake(Upgrade()));
  EXPECT_FALSE(IsValidWebSocketHandshake(Upgrade({.key = ""})));
  EXPECT_FALSE(IsValidWebSocketHandshake(Upgrade({.version = "8"})));
  EXPECT_FALSE(IsValidWebSocketHandshake(Upgrade({.connection = "keep-alive"})));
  EXPECT_FALSE(IsValidWebSocketHandshake(Upgrade({}, "GET", 10)));
}

TEST(PlanWebSocket, PicksTheOneEnabledOpenAiProviderThatAllowsWebSockets) {
  const auto snap = Snap();
  const WebSocketPlan plan = PlanWebSocket(snap, nullptr);
  ASSERT_FALSE(plan.reply);
  ASSERT_NE(plan.provider, nullptr);
  EXPECT_EQ(plan.provider->id, "openai");
}

TEST(PlanWebSocket, DisabledIs426) {
  const auto snap = Snap(false);
  const WebSocketPlan plan = PlanWebSocket(snap, nullptr);
  ASSERT_TRUE(plan.reply);
  EXPECT_EQ(plan.reply->status, 426);
  EXPECT_EQ(plan.reply->code, "websocket_unavailable");
  EXPECT_THAT(plan.reply->message, HasSubstr("gateway.websockets.enabled = false"));
  EXPECT_THAT(plan.reply->message, HasSubstr("use HTTP"));
}

TEST(PlanWebSocket, NoneOrSeveralCandidatesIs426NamingThem) {
  auto none = Snap();
  none.providers[0].websockets = false;
  const WebSocketPlan a = PlanWebSocket(none, nullptr);
  ASSERT_TRUE(a.reply);
  EXPECT_EQ(a.reply->status, 426);
  EXPECT_THAT(a.reply->message, HasSubstr("no enabled provider relays WebSockets"));

  auto two = Snap();
  two.providers[1].websockets = true;
  const WebSocketPlan b = PlanWebSocket(two, nullptr);
  ASSERT_TRUE(b.reply);
  EXPECT_EQ(b.reply->status, 426);
  EXPECT_THAT(b.reply->message, HasSubstr("(openai, router)"));
}

TEST(PlanWebSocket, FollowsTheCallersProviderRulesAndRefusesModelRules) {
  const auto snap = Snap();
  access::CallerPolicy other;
  other.name = "ci";
  other.providers = {"router"};
  const WebSocketPlan a = PlanWebSocket(snap, &other);
  ASSERT_TRUE(a.reply);
  EXPECT_EQ(a.reply->status, 426);

  access::CallerPolicy models;
  models.name = "ci";
  models.models = std::vector<std::string>{"openai/gpt-*"};
  const WebSocketPlan b = PlanWebSocket(snap, &models);
  ASSERT_TRUE(b.reply);
  EXPECT_EQ(b.reply->status, 426);
  EXPECT_THAT(b.reply->message, HasSubstr("callers.ci.models"));

  access::CallerPolicy allowed;
  allowed.name = "dev";
  allowed.providers = {"openai"};
  const WebSocketPlan c = PlanWebSocket(snap, &allowed);
  ASSERT_NE(c.provider, nullptr);
  EXPECT_EQ(c.provider->id, "openai");
}

}  // namespace
}  // namespace warden::proxy
