#include "access/caller_auth.hpp"

#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::access {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kToken = "wdn_s3cret-Token";

access::AccessPolicy TokenPolicy() {
  access::AccessPolicy p;
  p.mode = config::AuthMode::kToken;
  p.token = Secret(std::string(kToken));
  return p;
}

TEST(BearerToken, Table) {
  struct Case {
    std::string_view header;
    std::string_view token;
  };
  const Case kCases[] = {
      {"Bearer abc", "abc"},
      {"bearer abc", "abc"},
      {"BEARER abc", "abc"},
      {"bEaReR abc", "abc"},
      {"Bearer    abc   ", "abc"},
      {"Bearer\tabc\t", "abc"},
      {"Bearer a b", "a b"},
      {"Bearer", ""},
      {"Bearer ", ""},
      {"Bearer    ", ""},
      {"Bearerabc", ""},
      {"Basic abc", ""},
      {"Token abc", ""},
      {"", ""},
      {" Bearer abc", ""},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(BearerToken(c.header), c.token) << "'" << c.header << "'";
  }
}

TEST(Authenticate, AcceptsBearerOrApiKey) {
  struct Case {
    std::string_view authorization;
    std::string_view api_key;
  };
  const Case kCases[] = {
      {"Bearer wdn_s3cret-Token", ""},
      {"bearer wdn_s3cret-Token", ""},
      {"BEARER   wdn_s3cret-Token  ", ""},
      {"", "wdn_s3cret-Token"},
      {"Basic Zm9vOmJhcg==", "wdn_s3cret-Token"},  // not a bearer → x-api-key is used
      {"Bearer ", "wdn_s3cret-Token"},
  };
  access::AccessPolicy policy = TokenPolicy();
  for (const Case& c : kCases) {
    AuthDecision d = Authenticate(policy, c.authorization, c.api_key);
    EXPECT_EQ(d.outcome, AuthOutcome::kAllowed) << c.authorization << " | " << c.api_key;
  }
}

TEST(Authenticate, MissingCredential) {
  access::AccessPolicy policy = TokenPolicy();
  for (auto [authz, key] : {std::pair<std::string_view, std::string_view>{"", ""},
                            {"Bearer", ""},
                            {"Bearer   ", ""},
                            {"Basic abc", ""}}) {
    AuthDecision d = Authenticate(policy, authz, key);
    EXPECT_EQ(d.outcome, AuthOutcome::kMissing) << authz;
    EXPECT_EQ(d.code, "missing_credentials") << authz;
  }
}

TEST(Authenticate, WrongCredential) {
  access::AccessPolicy policy = TokenPolicy();
  for (auto [authz, key] : {std::pair<std::string_view, std::string_view>{"Bearer nope", ""},
                            {"", "nope"},
                            {"Bearer wdn_s3cret-Toke", ""},
                            {"Bearer wdn_s3cret-Token2", ""},
                            {"Bearer WDN_S3CRET-TOKEN", ""},
                            {"Bearer nope", "wdn_s3cret-Token"}}) {  // bearer wins when present
    AuthDecision d = Authenticate(policy, authz, key);
    EXPECT_EQ(d.outcome, AuthOutcome::kWrong) << authz << " | " << key;
    EXPECT_EQ(d.code, "invalid_credentials");
    EXPECT_THAT(std::string(d.message), Not(HasSubstr(std::string(kToken))));
    EXPECT_THAT(std::string(d.message), Not(HasSubstr("nope")));
  }
}

TEST(Authenticate, ModeNoneAllowsEverything) {
  access::AccessPolicy policy;
  policy.mode = config::AuthMode::kNone;
  EXPECT_EQ(Authenticate(policy, "", "").outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(Authenticate(policy, "Bearer whatever", "").outcome, AuthOutcome::kAllowed);
}

TEST(Authenticate, UnimplementedModesAreRefused) {
  for (config::AuthMode mode : {config::AuthMode::kJwt, config::AuthMode::kTrustedProxy}) {
    access::AccessPolicy policy = TokenPolicy();
    policy.mode = mode;
    AuthDecision d = Authenticate(policy, "Bearer wdn_s3cret-Token", "");
    EXPECT_EQ(d.outcome, AuthOutcome::kUnsupportedMode);
    EXPECT_EQ(d.code, "auth_mode_unsupported");
  }
}

}  // namespace
}  // namespace warden::access
