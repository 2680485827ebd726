#include "creds/profile_document.hpp"

#include <string>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::creds {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kOrigin = "/home/u/.warden/auth-profiles.json";

const char* kFull = R"({"version":1,
  "profiles":{
    "openai:work":{"type":"api_key","provider":"openai","key":"sk-KEY-value-1"},
    "anthropic:manual":{"type":"token","provider":"anthropic","token":"sk-ant-oat01-TOKEN",
                        "expires":1800000000000},
    "codex:me@example.com":{"type":"oauth","provider":"codex","access":"ACCESS-1",
                            "refresh":"REFRESH-1","expires":1800000000000,
                            "accountId":"acct-1","email":"me@example.com","projectId":"p-9"}},
  "order":{"openai":["openai:work"]},
  "lastGood":{"openai":"openai:work"},
  "usageStats":{"openai:work":{"lastUsed":1}}})";

ProfileDocument MustParse(const std::string& text) {
  auto doc = ParseProfileDocument(text, kOrigin);
  EXPECT_TRUE(doc.has_value()) << doc.error().ToString();
  return doc ? std::move(*doc) : ProfileDocument{};
}

TEST(ProfileDocument, ParsesEveryCredentialType) {
  ProfileDocument doc = MustParse(kFull);
  ASSERT_EQ(doc.profiles.size(), 3u);
  const Profile& key = doc.profiles.at("openai:work");
  EXPECT_EQ(key.type, ProfileType::kApiKey);
  EXPECT_EQ(key.secret.Reveal(), "sk-KEY-value-1");
  EXPECT_FALSE(key.expires_ms.has_value());
  const Profile& token = doc.profiles.at("anthropic:manual");
  EXPECT_EQ(token.type, ProfileType::kToken);
  EXPECT_EQ(token.expires_ms, 1800000000000);
  EXPECT_FALSE(token.Refreshable());
  const Profile& oauth = doc.profiles.at("codex:me@example.com");
  EXPECT_EQ(oauth.type, ProfileType::kOAuth);
  EXPECT_EQ(oauth.secret.Reveal(), "ACCESS-1");
  EXPECT_EQ(oauth.refresh.Reveal(), "REFRESH-1");
  EXPECT_EQ(oauth.account_id, "acct-1");
  EXPECT_EQ(oauth.email, "me@example.com");
  EXPECT_TRUE(oauth.Refreshable());
  EXPECT_EQ(doc.order.at("openai"), std::vector<std::string>{"openai:work"});
}

TEST(ProfileDocument, KeepsUnknownFieldsOfOtherGatewaysThroughARewrite) {
  ProfileDocument doc = MustParse(kFull);
  EXPECT_TRUE(doc.extra.contains("lastGood"));
  EXPECT_TRUE(doc.profiles.at("codex:me@example.com").extra.contains("projectId"));
  ProfileDocument again = MustParse(SerializeProfileDocument(doc));
  EXPECT_EQ(again.extra, doc.extra);
  EXPECT_EQ(again.profiles.at("codex:me@example.com").extra.at("projectId"), "p-9");
  ASSERT_EQ(again.profiles.size(), 3u);
  for (const auto& [id, p] : doc.profiles) {
    EXPECT_TRUE(SameCredential(p, again.profiles.at(id))) << id;
  }
}

TEST(ProfileDocument, AnEmptyObjectWithVersionIsAnEmptyStore) {
  ProfileDocument doc = MustParse(R"({"version":1})");
  EXPECT_TRUE(doc.profiles.empty());
  EXPECT_TRUE(doc.order.empty());
}

struct BadCase {
  const char* name;
  std::string text;
  const char* says;
};

TEST(ProfileDocument, RefusesCorruptDocumentsWithoutEchoingValues) {
  const std::string cred = R"("type":"token","provider":"a","token":"SECRET-VALUE-xyz")";
  const BadCase cases[] = {
      {"truncated", std::string(kFull).substr(0, 120), "not valid JSON"},
      {"empty", "", "not valid JSON"},
      {"array", "[]", "not a JSON object"},
      {"no version", R"({"profiles":{}})", "\"version\" must be 1"},
      {"version 2", R"({"version":2,"profiles":{}})", "\"version\" must be 1"},
      {"version string", R"({"version":"1"})", "\"version\" must be 1"},
      {"profiles array", R"({"version":1,"profiles":[]})", "\"profiles\" is not an object"},
      {"bad id", R"({"version":1,"profiles":{"noColon":{)" + cred + "}}}", "provider:name"},
      {"provider mismatch", R"({"version":1,"profiles":{"b:x":{)" + cred + "}}}",
       "\"provider\" must be \"b\""},
      {"unknown type",
       R"({"version":1,"profiles":{"a:x":{"type":"aws","provider":"a","token":"SECRET-VALUE-xyz"}}})",
       "\"type\" must be"},
      {"missing value", R"({"version":1,"profiles":{"a:x":{"type":"token","provider":"a"}}})",
       "\"token\" is missing"},
      {"value not string",
       R"({"version":1,"profiles":{"a:x":{"type":"api_key","provider":"a","key":5}}})",
       "\"key\" must be a string"},
      {"control character",
       R"({"version":1,"profiles":{"a:x":{"type":"token","provider":"a","token":"SECRET-VALUE-xyz\r\nX: y"}}})",
       "control"},
      {"expires negative", R"({"version":1,"profiles":{"a:x":{)" + cred + R"(,"expires":-1}}})",
       "\"expires\""},
      {"expires string", R"({"version":1,"profiles":{"a:x":{)" + cred + R"(,"expires":"soon"}}})",
       "\"expires\""},
      {"oauth without expires",
       R"({"version":1,"profiles":{"a:x":{"type":"oauth","provider":"a","access":"SECRET-VALUE-xyz","refresh":"r"}}})",
       "needs \"expires\""},
      {"order not object", R"({"version":1,"order":[]})", "\"order\" is not an object"},
      {"order bad id", R"({"version":1,"order":{"a":["nope"]}})", "invalid profile id"},
      // Read as infinity, which would be written back as `Infinity`: an unreadable store.
      {"huge number in a profile's own field",
       R"({"version":1,"profiles":{"a:x":{)" + cred + R"(,"seen":[1,{"at":1e400}]}}})",
       "too large for JSON"},
      {"huge number beside the profiles", R"({"version":1,"lastGood":-1e999})",
       "too large for JSON"},
  };
  for (const auto& c : cases) {
    auto doc = ParseProfileDocument(c.text, kOrigin);
    ASSERT_FALSE(doc.has_value()) << c.name;
    EXPECT_EQ(doc.error().code, ErrorCode::kProfileStoreCorrupt) << c.name;
    EXPECT_THAT(doc.error().message, HasSubstr(c.says)) << c.name;
    EXPECT_THAT(doc.error().message, HasSubstr(kOrigin)) << c.name;
    EXPECT_THAT(doc.error().message, Not(HasSubstr("SECRET-VALUE"))) << c.name;
  }
}

TEST(ProfileDocument, ProfileIdsFollowProviderColonName) {
  EXPECT_TRUE(SplitProfileId("openai:default"));
  EXPECT_TRUE(SplitProfileId("codex:me+x@example.com"));
  auto parts = SplitProfileId("a.b-c:n_1");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->provider, "a.b-c");
  EXPECT_EQ(parts->name, "n_1");
  for (const char* bad :
       {"", ":", "openai", "openai:", ":x", "OpenAI:x", "openai:a b", "openai:a:b", "openai:a/b"}) {
    EXPECT_FALSE(SplitProfileId(bad)) << bad;
    EXPECT_EQ(CheckProfileId(bad).error().code, ErrorCode::kProfileInvalid) << bad;
  }
  EXPECT_FALSE(SplitProfileId("openai:" + std::string(129, 'a')));
}

TEST(ProfileDocument, IntegralDoubleExpiresIsAccepted) {
  ProfileDocument doc = MustParse(
      R"({"version":1,"profiles":{"a:x":{"type":"token","provider":"a","token":"t","expires":1.8e12}}})");
  EXPECT_EQ(doc.profiles.at("a:x").expires_ms, 1800000000000);
}

TEST(ProfileDocument, AnOAuthProfileWithoutRefreshIsNotRefreshable) {
  ProfileDocument doc = MustParse(
      R"({"version":1,"profiles":{"a:x":{"type":"oauth","provider":"a","access":"t","expires":5}}})");
  EXPECT_FALSE(doc.profiles.at("a:x").Refreshable());
  EXPECT_TRUE(doc.profiles.at("a:x").ExpiredAt(5));
  EXPECT_FALSE(doc.profiles.at("a:x").ExpiredAt(4));
}

TEST(ProfileDocument, SameCredentialComparesValuesAndExpiry) {
  ProfileDocument doc = MustParse(kFull);
  Profile a = doc.profiles.at("anthropic:manual");
  Profile b = a;
  EXPECT_TRUE(SameCredential(a, b));
  b.expires_ms = 1;
  EXPECT_FALSE(SameCredential(a, b));
  b = a;
  b.secret = Secret("other");
  EXPECT_FALSE(SameCredential(a, b));
}

TEST(ProfileHealth, ExpiringMeans24HoursOr5MinutesForRefreshableOAuth) {
  constexpr std::int64_t kNow = 1'800'000'000'000;
  constexpr std::int64_t kMin = 60 * 1000;
  Profile token;
  token.type = ProfileType::kToken;
  EXPECT_EQ(AssessProfile(token, kNow).expiry, ProfileExpiry::kNever);
  token.expires_ms = kNow + 25 * 60 * kMin;
  EXPECT_EQ(AssessProfile(token, kNow).expiry, ProfileExpiry::kValid);
  token.expires_ms = kNow + 23 * 60 * kMin;
  EXPECT_EQ(AssessProfile(token, kNow).expiry, ProfileExpiry::kExpiring);
  token.expires_ms = kNow;
  EXPECT_EQ(AssessProfile(token, kNow).expiry, ProfileExpiry::kExpired);
  EXPECT_TRUE(AssessProfile(token, kNow).needs_login);

  Profile oauth;
  oauth.type = ProfileType::kOAuth;
  oauth.refresh = Secret("r");
  oauth.expires_ms = kNow + 23 * 60 * kMin;
  EXPECT_EQ(AssessProfile(oauth, kNow).expiry, ProfileExpiry::kValid);
  oauth.expires_ms = kNow + 4 * kMin;
  EXPECT_EQ(AssessProfile(oauth, kNow).expiry, ProfileExpiry::kExpiring);
  oauth.expires_ms = kNow - 1;
  EXPECT_EQ(AssessProfile(oauth, kNow).expiry, ProfileExpiry::kExpired);
  EXPECT_FALSE(AssessProfile(oauth, kNow).needs_login) << "a refresh token can still renew it";
  oauth.refresh = Secret();
  EXPECT_TRUE(AssessProfile(oauth, kNow).needs_login);
  oauth.expires_ms = kNow + 23 * 60 * kMin;
  EXPECT_EQ(AssessProfile(oauth, kNow).expiry, ProfileExpiry::kExpiring)
      << "without a refresh token the 24 h margin applies";
}

}  // namespace
}  // namespace warden::creds
