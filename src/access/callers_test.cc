#include "access/callers.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "access/caller_auth.hpp"
#include "base/glob.hpp"

namespace warden::access {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CallerPolicy Caller(std::string name, std::vector<std::string> tokens) {
  CallerPolicy c;
  c.name = std::move(name);
  for (const std::string& t : tokens) c.token_digests.push_back(crypto::Sha256(t));
  return c;
}

TEST(GlobMatches, Table) {
  struct Case {
    std::string_view pattern, text;
    bool match;
  };
  const Case kCases[] = {
      {"openai/gpt-4o*", "openai/gpt-4o", true},
      {"openai/gpt-4o*", "openai/gpt-4o-mini", true},
      {"openai/gpt-4o*", "openai/gpt-4", false},
      {"openai/gpt-4o*", "anthropic/gpt-4o", false},
      {"*", "anything/at-all", true},
      {"*/claude-*", "anthropic/claude-sonnet", true},
      {"a*b*c", "axxbyyc", true},
      {"a*b*c", "axxbyy", false},
      {"exact", "exact", true},
      {"exact", "exactly", false},
      {"*@example.com", "nick@example.com", true},
      {"*@example.com", "nick@example.com.evil", false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(GlobMatches(c.pattern, c.text), c.match) << c.pattern << " vs " << c.text;
  }
}

TEST(MatchToken, FindsTheCallerOwningTheDigest) {
  std::vector<CallerPolicy> callers = {Caller("ci", {"t-ci"}), Caller("app", {"t-app"})};
  ASSERT_NE(MatchToken(callers, "t-app"), nullptr);
  EXPECT_EQ(MatchToken(callers, "t-app")->name, "app");
  EXPECT_EQ(MatchToken(callers, "t-ci")->name, "ci");
  EXPECT_EQ(MatchToken(callers, "t-other"), nullptr);
  EXPECT_EQ(MatchToken(callers, ""), nullptr);
}

TEST(MatchToken, RotationKeepsOldAndNewTokensValid) {
  std::vector<CallerPolicy> callers = {Caller("ci", {"old", "new"})};
  ASSERT_NE(MatchToken(callers, "old"), nullptr);
  ASSERT_NE(MatchToken(callers, "new"), nullptr);
  EXPECT_EQ(MatchToken(callers, "older"), nullptr);
}

TEST(MatchProxyUser, FirstMatchInConfigOrderWins) {
  CallerPolicy admins;
  admins.name = "admins";
  admins.proxy_users = {"root@example.com"};
  CallerPolicy staff;
  staff.name = "staff";
  staff.proxy_users = {"*@example.com"};
  std::vector<CallerPolicy> callers = {admins, staff};
  EXPECT_EQ(MatchProxyUser(callers, "root@example.com")->name, "admins");
  EXPECT_EQ(MatchProxyUser(callers, "nick@example.com")->name, "staff");
  EXPECT_EQ(MatchProxyUser(callers, "nick@other.org"), nullptr);
}

TEST(PolicyRefusal, NamesTheRule) {
  CallerPolicy c;
  c.name = "ci";
  c.providers = {"openai"};
  c.models = std::vector<std::string>{"openai/gpt-4o*"};
  EXPECT_EQ(PolicyRefusal(c, "openai", "openai/gpt-4o-mini"), std::nullopt);
  auto provider = PolicyRefusal(c, "anthropic", "anthropic/claude");
  ASSERT_TRUE(provider);
  EXPECT_EQ(*provider, "caller \"ci\" may not use provider \"anthropic\" (callers.ci.providers)");
  auto model = PolicyRefusal(c, "openai", "openai/o3");
  ASSERT_TRUE(model);
  EXPECT_EQ(*model, "caller \"ci\" may not use model \"openai/o3\" (callers.ci.models)");
}

TEST(PolicyRefusal, EmptyProvidersAndUnsetModelsAllowEverything) {
  CallerPolicy c;
  c.name = "all";
  EXPECT_EQ(PolicyRefusal(c, "anthropic", "anthropic/claude"), std::nullopt);
  c.models = std::vector<std::string>{};
  EXPECT_TRUE(PolicyRefusal(c, "anthropic", "anthropic/claude"));  // set but empty: nothing
}

AccessPolicy TokenPolicy() {
  AccessPolicy p;
  p.mode = config::AuthMode::kToken;
  p.token = Secret("gateway-token");
  return p;
}

TEST(AuthenticateWithCallers, RecognisesCallerTokensAndTheGatewayToken) {
  AccessPolicy p = TokenPolicy();
  p.callers = {Caller("ci", {"t-ci"})};
  AuthDecision ci = Authenticate(p, "Bearer t-ci", "");
  EXPECT_EQ(ci.outcome, AuthOutcome::kAllowed);
  ASSERT_NE(ci.caller, nullptr);
  EXPECT_EQ(ci.caller->name, "ci");
  AuthDecision via_api_key = Authenticate(p, "", "t-ci");
  ASSERT_NE(via_api_key.caller, nullptr);
  EXPECT_EQ(via_api_key.caller->name, "ci");
  AuthDecision gw = Authenticate(p, "Bearer gateway-token", "");
  EXPECT_EQ(gw.outcome, AuthOutcome::kAllowed);
  ASSERT_NE(gw.caller, nullptr);
  EXPECT_EQ(gw.caller->name, "gateway");
  EXPECT_TRUE(gw.caller->unrestricted);
}

// One keep-alive connection presenting one token after another (as a reverse proxy that
// multiplexes its users onto one connection would): each request is decided by its own token,
// whatever the connection presented before, and a policy reloaded between requests applies.
TEST(AuthenticateWithCallers, OneConnectionsTokensAreEachDecidedByThemselves) {
  AccessPolicy p = TokenPolicy();
  p.callers = {Caller("ci", {"t-ci"}), Caller("ops", {"t-ops"})};
  crypto::Sha256Memo connection;
  const auto name = [&](std::string_view authorization, std::string_view api_key = "") {
    AuthDecision d = Authenticate(p, authorization, api_key, connection);
    if (d.outcome != AuthOutcome::kAllowed) return std::string(d.code);
    return d.caller ? d.caller->name : std::string("?");
  };
  EXPECT_EQ(name("Bearer t-ci"), "ci");
  EXPECT_EQ(name("Bearer t-ci"), "ci");
  EXPECT_EQ(name("Bearer t-c"), "invalid_credentials");
  EXPECT_EQ(name("Bearer t-ci"), "ci");
  EXPECT_EQ(name("Bearer t-ci2"), "invalid_credentials");
  EXPECT_EQ(name("Bearer t-ops"), "ops");
  EXPECT_EQ(name("", "t-ops"), "ops");
  EXPECT_EQ(name("Bearer gateway-token"), "gateway");
  EXPECT_EQ(name(""), "missing_credentials");
  EXPECT_EQ(name("Bearer t-ci"), "ci");
  p.callers = {Caller("ops", {"t-ops"})};  // a reload took t-ci away
  EXPECT_EQ(name("Bearer t-ci"), "invalid_credentials");
}

TEST(AuthenticateWithCallers, WrongTokenIsWrongAndNeverEchoed) {
  AccessPolicy p = TokenPolicy();
  p.callers = {Caller("ci", {"t-ci"})};
  AuthDecision d = Authenticate(p, "Bearer guess-123", "");
  EXPECT_EQ(d.outcome, AuthOutcome::kWrong);
  EXPECT_EQ(d.code, "invalid_credentials");
  EXPECT_THAT(d.message, Not(HasSubstr("guess-123")));
  EXPECT_EQ(Authenticate(p, "", "").outcome, AuthOutcome::kMissing);
}

TEST(AuthenticateWithCallers, WithoutCallersNoCallerIsNamed) {
  AuthDecision d = Authenticate(TokenPolicy(), "Bearer gateway-token", "");
  EXPECT_EQ(d.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(d.caller, nullptr);
}

TEST(IdentifyProxyUser, UnmatchedUserIsForbidden) {
  AccessPolicy p;
  p.mode = config::AuthMode::kTrustedProxy;
  EXPECT_EQ(IdentifyProxyUser(p, "anyone").caller, nullptr);  // no callers: as before
  CallerPolicy staff;
  staff.name = "staff";
  staff.proxy_users = {"*@example.com"};
  p.callers = {staff};
  AuthDecision ok = IdentifyProxyUser(p, "nick@example.com");
  EXPECT_EQ(ok.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(ok.caller->name, "staff");
  AuthDecision no = IdentifyProxyUser(p, "eve@evil.org");
  EXPECT_EQ(no.outcome, AuthOutcome::kForbidden);
  EXPECT_EQ(no.code, "caller_not_allowed");
  EXPECT_THAT(no.message, Not(HasSubstr("eve@evil.org")));
}

}  // namespace
}  // namespace warden::access
