#include "creds/profile_import.hpp"

#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"
#include "crypto/crypto.hpp"

namespace warden::creds {
namespace {

using test_util::ModeOf;
using test_util::ReadAll;
using test_util::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Jwt(const std::string& claims) {
  return crypto::Base64UrlEncode(R"({"alg":"none"})") + "." + crypto::Base64UrlEncode(claims) +
         ".c2ln";
}

const std::string kAccess = Jwt(R"({"exp":1800000000,"sub":"u"})");
const std::string kIdToken = Jwt(R"({"exp":1800000000,"email":"me@example.com"})");

std::string CodexFile() {
  return R"({"OPENAI_API_KEY":null,"tokens":{"access_token":")" + kAccess +
         R"(","refresh_token":"rt-CODEX-REFRESH","account_id":"acct-42","id_token":")" + kIdToken +
         R"("},"last_refresh":"2026-01-01T00:00:00Z"})";
}

const char* kClaudeFile =
    R"({"claudeAiOauth":{"accessToken":"sk-ant-oat01-ACCESS","refreshToken":"sk-ant-ort01-REFRESH",)"
    R"("expiresAt":1800000000000,"scopes":["user:inference"],"subscriptionType":"max"}})";

TEST(ProfileImport, CodexTokensBecomeAnOAuthProfileWithExpiryFromTheAccessToken) {
  auto set = ParseCodexAuth(CodexFile(), "/x/auth.json");
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  ASSERT_EQ(set->profiles.size(), 1u);
  const Profile& p = set->profiles[0];
  EXPECT_EQ(p.id, "codex:cli");
  EXPECT_EQ(p.type, ProfileType::kOAuth);
  EXPECT_EQ(p.secret.Reveal(), kAccess);
  EXPECT_EQ(p.refresh.Reveal(), "rt-CODEX-REFRESH");
  EXPECT_EQ(p.expires_ms, 1800000000000);
  EXPECT_EQ(p.account_id, "acct-42");
  EXPECT_EQ(p.email, "me@example.com");
}

TEST(ProfileImport, CodexApiKeyLoginBecomesAnApiKeyProfile) {
  auto set = ParseCodexAuth(R"({"OPENAI_API_KEY":"sk-proj-KEY"})", "/x/auth.json");
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  ASSERT_EQ(set->profiles.size(), 1u);
  EXPECT_EQ(set->profiles[0].id, "openai:codex");
  EXPECT_EQ(set->profiles[0].type, ProfileType::kApiKey);
}

TEST(ProfileImport, ClaudeOAuthBecomesAnthropicClaude) {
  auto set = ParseClaudeCredentials(kClaudeFile, "/x/.credentials.json");
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  ASSERT_EQ(set->profiles.size(), 1u);
  const Profile& p = set->profiles[0];
  EXPECT_EQ(p.id, "anthropic:claude");
  EXPECT_EQ(p.type, ProfileType::kOAuth);
  EXPECT_EQ(p.expires_ms, 1800000000000);
  EXPECT_TRUE(p.Refreshable());
  EXPECT_EQ(p.extra.size(), 0u);
}

TEST(ProfileImport, MalformedSourcesAreRefusedWithoutValues) {
  struct Case {
    ImportSource source;
    std::string text;
    const char* says;
  };
  const Case cases[] = {
      {ImportSource::kCodex, "{\"tokens\":", "not valid JSON"},
      {ImportSource::kCodex, "[]", "not a JSON object"},
      {ImportSource::kCodex, "{}", "neither `tokens` nor `OPENAI_API_KEY`"},
      {ImportSource::kCodex, R"({"tokens":{"refresh_token":"SECRET-R"}})", "access_token"},
      {ImportSource::kCodex, R"({"tokens":{"access_token":"SECRET-opaque"}})", "`exp`"},
      {ImportSource::kCodex,
       R"({"tokens":{"access_token":")" + kAccess + R"(","refresh_token":"SECRET\n"}})", "control"},
      {ImportSource::kClaude, "{}", "no `claudeAiOauth`"},
      {ImportSource::kClaude, R"({"claudeAiOauth":{"refreshToken":"SECRET-R","expiresAt":1}})",
       "\"access\" is missing"},
      {ImportSource::kClaude, R"({"claudeAiOauth":{"accessToken":"SECRET-A"}})",
       "needs \"expires\""},
      {ImportSource::kProfiles, R"({"profiles":{}})", "\"version\" is not 1"},
      {ImportSource::kProfiles, R"({"version":1})", "\"profiles\" is missing"},
  };
  for (const auto& c : cases) {
    Result<ImportedSet> set = Error{};
    if (c.source == ImportSource::kCodex) set = ParseCodexAuth(c.text, "/x/f.json");
    if (c.source == ImportSource::kClaude) set = ParseClaudeCredentials(c.text, "/x/f.json");
    if (c.source == ImportSource::kProfiles) set = ParseForeignProfiles(c.text, "/x/f.json");
    ASSERT_FALSE(set.has_value()) << c.text;
    EXPECT_EQ(set.error().code, ErrorCode::kImportSourceInvalid) << c.text;
    EXPECT_THAT(set.error().message, HasSubstr(c.says)) << c.text;
    EXPECT_THAT(set.error().message, HasSubstr("/x/f.json")) << c.text;
    EXPECT_THAT(set.error().message, Not(HasSubstr("SECRET"))) << c.text;
  }
}

TEST(ProfileImport, ForeignProfilesKeepWhatWardenCanUseAndListTheRest) {
  const char* text = R"({"version":1,"profiles":{
      "openai:work":{"type":"api_key","provider":"openai","key":"sk-W"},
      "openai:vault":{"type":"api_key","provider":"openai","keyRef":{"source":"env","id":"K"}},
      "bedrock:x":{"type":"aws-sdk","provider":"bedrock"},
      "codex:a@b.c":{"type":"oauth","provider":"codex","access":"A","refresh":"R","expires":5,
                     "clientId":"app_1"}},
    "order":{"openai":["openai:vault","openai:work"]},
    "usageStats":{}})";
  auto set = ParseForeignProfiles(text, "/x/auth-profiles.json");
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  ASSERT_EQ(set->profiles.size(), 2u);
  EXPECT_EQ(set->skipped.size(), 2u);
  EXPECT_EQ(set->order.at("openai").size(), 2u);
  ProfileDocument doc;
  auto merged = MergeImported(doc, *set, false);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(doc.profiles.at("codex:a@b.c").extra.at("clientId"), "app_1");
  // Only ids the store holds go into its order.
  EXPECT_EQ(doc.order.at("openai"), std::vector<std::string>{"openai:work"});
}

TEST(ProfileImport, MergeKeepsADifferentExistingCredentialUnlessReplace) {
  auto set = ParseClaudeCredentials(kClaudeFile, "/x/c.json");
  ASSERT_TRUE(set.has_value());
  ProfileDocument doc;
  EXPECT_EQ(MergeImported(doc, *set, false)[0].outcome, MergeOutcome::kAdded);
  EXPECT_EQ(MergeImported(doc, *set, false)[0].outcome, MergeOutcome::kUnchanged);
  doc.profiles.at("anthropic:claude").secret = Secret("someone-else");
  EXPECT_EQ(MergeImported(doc, *set, false)[0].outcome, MergeOutcome::kKeptExisting);
  EXPECT_EQ(doc.profiles.at("anthropic:claude").secret.Reveal(), "someone-else");
  EXPECT_EQ(MergeImported(doc, *set, true)[0].outcome, MergeOutcome::kReplaced);
  EXPECT_EQ(doc.profiles.at("anthropic:claude").secret.Reveal(), "sk-ant-oat01-ACCESS");
}

TEST(ProfileImport, MergeDoesNotReplaceAnExistingOrder) {
  ImportedSet set;
  set.order["openai"] = {"openai:a"};
  ProfileDocument doc;
  doc.order["openai"] = {"openai:b"};
  MergeImported(doc, set, true);
  EXPECT_EQ(doc.order.at("openai"), std::vector<std::string>{"openai:b"});
}

TEST(ProfileImport, ReadImportSourceRefusesMissingAndLooseFilesAndLeavesThemAlone) {
  TempDir dir;
  auto missing = ReadImportSource(ImportSource::kClaude, dir.Join("nope.json"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kImportSourceMissing);
  const std::string loose = dir.WriteFile("loose.json", kClaudeFile, 0644);
  auto refused = ReadImportSource(ImportSource::kClaude, loose);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_THAT(refused.error().message, HasSubstr("chmod 600 " + loose));
  EXPECT_EQ(ModeOf(loose), 0644u);
  const std::string good = dir.WriteFile("good.json", kClaudeFile, 0600);
  auto read = ReadImportSource(ImportSource::kClaude, good);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(ReadAll(good), kClaudeFile);
}

TEST(ProfileImport, DefaultPathsFollowTheToolsVariablesThenHome) {
  MapEnvironment env(std::map<std::string, std::string>{{"HOME", "/home/u"}});
  EXPECT_EQ(*DefaultImportPath(ImportSource::kCodex, env), "/home/u/.codex/auth.json");
  EXPECT_EQ(*DefaultImportPath(ImportSource::kClaude, env), "/home/u/.claude/.credentials.json");
  EXPECT_EQ(*DefaultImportPath(ImportSource::kProfiles, env),
            "/home/u/.openclaw/agents/main/agent/auth-profiles.json");
  MapEnvironment vars(std::map<std::string, std::string>{{"HOME", "/home/u"},
                                                         {"CODEX_HOME", "/c"},
                                                         {"CLAUDE_CONFIG_DIR", "/cl"},
                                                         {"OPENCLAW_STATE_DIR", "/oc"}});
  EXPECT_EQ(*DefaultImportPath(ImportSource::kCodex, vars), "/c/auth.json");
  EXPECT_EQ(*DefaultImportPath(ImportSource::kClaude, vars), "/cl/.credentials.json");
  EXPECT_EQ(*DefaultImportPath(ImportSource::kProfiles, vars),
            "/oc/agents/main/agent/auth-profiles.json");
}

TEST(ProfileImport, SourceNamesRoundTrip) {
  for (ImportSource s : kAllImportSources) EXPECT_EQ(ParseImportSource(ImportSourceName(s)), s);
  EXPECT_FALSE(ParseImportSource("gemini"));
}

}  // namespace
}  // namespace warden::creds
