#include "creds/oauth_tokens.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace warden::creds {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Jwt(const std::string& claims) {
  return crypto::Base64UrlEncode("{\"alg\":\"none\"}") + "." + crypto::Base64UrlEncode(claims) +
         ".sig";
}

TEST(TokenResponse, ReadsTokensExpiryAndIdentity) {
  const std::string id_token = Jwt(
      R"({"sub":"user-1","email":"a@b.example","https://api.openai.com/auth":{"chatgpt_account_id":"acct-9"}})");
  auto t = ParseTokenResponse(
      200,
      R"({"access_token":"AT1","refresh_token":"RT1","expires_in":120,"token_type":"bearer","id_token":")" +
          id_token + "\"}");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->access.Reveal(), "AT1");
  EXPECT_EQ(t->refresh.Reveal(), "RT1");
  EXPECT_EQ(t->expires_in_s, 120);
  EXPECT_EQ(t->account_id, "acct-9");
  EXPECT_EQ(t->email, "a@b.example");
  EXPECT_EQ(t->subject, "user-1");
}

TEST(TokenResponse, DefaultsAndOptionalRefresh) {
  auto t = ParseTokenResponse(200, R"({"access_token":"AT1"})");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->refresh.empty());
  EXPECT_EQ(t->expires_in_s, kDefaultExpiresInS);
  EXPECT_TRUE(t->account_id.empty());
}

TEST(TokenResponse, InvalidGrantIsItsOwnCode) {
  auto t = ParseTokenResponse(400, R"({"error":"invalid_grant","error_description":"used"})");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kOAuthInvalidGrant);
}

TEST(TokenResponse, GarbageAndOtherErrorsAreOAuthError) {
  for (auto [status, body] :
       std::vector<std::pair<int, std::string>>{{200, "<html>oops"},
                                                {200, "[]"},
                                                {200, R"({"refresh_token":"RT"})"},
                                                {200, R"({"access_token":""})"},
                                                {200, R"({"access_token":"A\r\nX: y"})"},
                                                {200, R"({"access_token":"A","expires_in":-5})"},
                                                {200, R"({"access_token":"A","token_type":"mac"})"},
                                                {500, R"({"error":"server_error"})"},
                                                {502, "Bad gateway"}}) {
    auto t = ParseTokenResponse(status, body);
    ASSERT_FALSE(t) << body;
    EXPECT_EQ(t.error().code, ErrorCode::kOAuthError) << body;
  }
}

TEST(TokenResponse, ErrorMessagesCarryNoValue) {
  auto t = ParseTokenResponse(200, R"({"access_token":"SECRETVALUE\u0001"})");
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().ToString(), Not(HasSubstr("SECRETVALUE")));
}

TEST(ProfileFromTokens, KeepsRefreshAndAccountWhenNotSent) {
  Profile prev;
  prev.id = "codex:me";
  prev.type = ProfileType::kOAuth;
  prev.provider = "codex";
  prev.refresh = Secret("RT0");
  prev.account_id = "acct";
  OAuthTokens t;
  t.access = Secret("AT1");
  t.expires_in_s = 60;
  Profile p = ProfileFromTokens("codex:me", t, 1000, &prev);
  EXPECT_EQ(p.secret.Reveal(), "AT1");
  EXPECT_EQ(p.refresh.Reveal(), "RT0");
  EXPECT_EQ(p.account_id, "acct");
  EXPECT_EQ(p.expires_ms, 61000);
}

}  // namespace
}  // namespace warden::creds
