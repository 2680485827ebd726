#include "creds/oauth_pkce.hpp"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::creds {
namespace {

using ::testing::HasSubstr;

TEST(Pkce, Rfc7636AppendixBVector) {
  EXPECT_EQ(PkceChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Pkce, VerifierIsFreshUnreservedAndLongEnough) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    Secret v = NewPkceVerifier();
    EXPECT_GE(v.size(), 43u);
    EXPECT_LE(v.size(), 128u);
    for (char c : v.Reveal()) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
    }
    seen.insert(std::string(v.Reveal()));
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_NE(NewOAuthState(), NewOAuthState());
  EXPECT_GE(NewOAuthState().size(), 22u);
}

TEST(AuthorizeUrl, EncodesEveryValue) {
  AuthorizeRequest r{"https://auth.example/oauth/authorize", "app_1", "http://127.0.0.1:1455/cb",
                     {"openid", "offline_access"},           "CH-_",  "st+/="};
  EXPECT_EQ(BuildAuthorizeUrl(r),
            "https://auth.example/oauth/authorize?response_type=code&client_id=app_1"
            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A1455%2Fcb&scope=openid%20offline_access"
            "&code_challenge=CH-_&code_challenge_method=S256&state=st%2B%2F%3D");
  r.authorize_url = "https://auth.example/a?x=1";
  EXPECT_THAT(BuildAuthorizeUrl(r), HasSubstr("/a?x=1&response_type=code&"));
}

TEST(PastedReply, FullRedirectUrl) {
  auto r = ParsePastedReply("  http://127.0.0.1:1455/auth/callback?code=abc%2Fd&state=xyz \n");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->code.Reveal(), "abc/d");
  EXPECT_EQ(r->state, "xyz");
  EXPECT_TRUE(CheckAuthorizationReply(*r, "xyz"));
}

TEST(PastedReply, CodeHashState) {
  auto r = ParsePastedReply("abc#xyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code.Reveal(), "abc");
  EXPECT_EQ(r->state, "xyz");
  auto wrong = CheckAuthorizationReply(*r, "other");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kOAuthStateMismatch);
  EXPECT_THAT(wrong.error().message, ::testing::Not(HasSubstr("xyz")));
}

TEST(PastedReply, BareCodeHasNoStateAndIsAccepted) {
  auto r = ParsePastedReply("abc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code.Reveal(), "abc");
  EXPECT_FALSE(r->state.has_value());
  EXPECT_TRUE(CheckAuthorizationReply(*r, "anything"));
}

TEST(PastedReply, QueryAlone) {
  auto r = ParsePastedReply("?code=c1&state=s1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code.Reveal(), "c1");
  EXPECT_EQ(r->state, "s1");
}

TEST(PastedReply, RefusesEmptyAndBadCharacters) {
  EXPECT_EQ(ParsePastedReply("  \n").error().code, ErrorCode::kOAuthCallbackInvalid);
  EXPECT_EQ(ParsePastedReply("#state").error().code, ErrorCode::kOAuthCallbackInvalid);
  EXPECT_EQ(ParsePastedReply("http://h/cb?code=a%0Db&state=s").error().code,
            ErrorCode::kOAuthCallbackInvalid);
}

TEST(Callback, ProviderErrorAndMissingCode) {
  auto denied = ParseCallbackTarget("/auth/callback?error=access_denied&state=s");
  ASSERT_TRUE(denied);
  auto check = CheckAuthorizationReply(*denied, "s");
  ASSERT_FALSE(check);
  EXPECT_THAT(check.error().message, HasSubstr("access_denied"));
  auto nocode = ParseCallbackTarget("/auth/callback?state=s");
  ASSERT_TRUE(nocode);
  auto missing = CheckAuthorizationReply(*nocode, "s");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kOAuthCallbackInvalid);
}

}  // namespace
}  // namespace warden::creds
