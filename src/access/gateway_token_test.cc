#include "access/gateway_token.hpp"

#include <sys/stat.h>

#include <map>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"

namespace warden::access {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using warden::test_util::ModeOf;
using warden::test_util::ReadAll;
using warden::test_util::TempDir;

// A MapEnvironment whose WARDEN_HOME is `home` (inside a temp dir).
MapEnvironment HomeEnv(const std::string& home) {
  MapEnvironment env;
  env.Set("WARDEN_HOME", home);
  env.Set("HOME", "/nonexistent-home");
  return env;
}

MapEnvironment Env(const std::map<std::string, std::string>& vars) { return MapEnvironment(vars); }

TEST(GatewayTokenPath, IsInTheHome) { EXPECT_EQ(GatewayTokenPath("/w"), "/w/gateway.token"); }

TEST(ResolveGatewayToken, Precedence) {
  TempDir dir;
  dir.WriteFile("gateway.token", "file-token\n", 0600);
  struct Case {
    std::optional<std::string> flag;
    std::optional<std::string> env;
    std::optional<std::string> config;
    std::string want_token;
    std::string want_source;
  };
  const std::string file_path = dir.Join("gateway.token");
  const Case kCases[] = {
      {"flag-token", "env-token", "config-token", "flag-token", "--token"},
      {std::nullopt, "env-token", "config-token", "env-token", "WARDEN_GATEWAY_TOKEN"},
      {"", "env-token", std::nullopt, "env-token", "WARDEN_GATEWAY_TOKEN"},
      {std::nullopt, std::nullopt, "config-token", "config-token", "gateway.auth.token"},
      {std::nullopt, "", "config-token", "config-token", "gateway.auth.token"},
      {std::nullopt, std::nullopt, std::nullopt, "file-token", file_path},
      {std::nullopt, std::nullopt, "", "file-token", file_path},
  };
  for (const Case& c : kCases) {
    MapEnvironment env = HomeEnv(dir.path());
    if (c.env) env.Set("WARDEN_GATEWAY_TOKEN", *c.env);
    std::optional<Secret> config;
    if (c.config) config = Secret(*c.config);
    Result<GatewayToken> t = ResolveGatewayToken(c.flag, env, config, /*generate=*/false);
    ASSERT_TRUE(t.has_value()) << c.want_source << ": " << t.error().ToString();
    EXPECT_EQ(t->token.Reveal(), c.want_token);
    EXPECT_EQ(t->source, c.want_source);
    EXPECT_FALSE(t->generated);
  }
}

TEST(ResolveGatewayToken, ShadowedWarningNamesSourcesNotValues) {
  TempDir dir;
  MapEnvironment env = HomeEnv(dir.path());
  env.Set("WARDEN_GATEWAY_TOKEN", "env-value-AAA");
  Result<GatewayToken> t =
      ResolveGatewayToken(std::nullopt, env, Secret("config-value-BBB"), false);
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->token.Reveal(), "env-value-AAA");
  ASSERT_EQ(t->warnings.size(), 1u);
  const std::string& w = t->warnings[0];
  EXPECT_THAT(w, StartsWith("TOKEN_SHADOWED"));
  EXPECT_THAT(w, HasSubstr("WARDEN_GATEWAY_TOKEN"));
  EXPECT_THAT(w, HasSubstr("gateway.auth.token"));
  EXPECT_THAT(w, Not(HasSubstr("env-value-AAA")));
  EXPECT_THAT(w, Not(HasSubstr("config-value-BBB")));
}

TEST(ResolveGatewayToken, NoWarningWhenEnvAndConfigAgree) {
  TempDir dir;
  MapEnvironment env = HomeEnv(dir.path());
  env.Set("WARDEN_GATEWAY_TOKEN", "same");
  Result<GatewayToken> t = ResolveGatewayToken(std::nullopt, env, Secret("same"), false);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->warnings.empty());
}

// An empty gateway.auth.token counts as "not configured", for precedence and for
// TOKEN_SHADOWED alike.
TEST(ResolveGatewayToken, EmptyConfigTokenIsNotShadowed) {
  TempDir dir;
  MapEnvironment env = HomeEnv(dir.path());
  env.Set("WARDEN_GATEWAY_TOKEN", "env-value");
  Result<GatewayToken> t = ResolveGatewayToken(std::nullopt, env, Secret(""), false);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->warnings.empty());
}

// One condition for the start-up warning and `secrets audit`.
TEST(TokenShadowedMessage, OnlyWhenBothAreSetAndDiffer) {
  MapEnvironment env;
  EXPECT_FALSE(TokenShadowedMessage(env, Secret("config")).has_value());
  env.Set("WARDEN_GATEWAY_TOKEN", "");
  EXPECT_FALSE(TokenShadowedMessage(env, Secret("config")).has_value());
  env.Set("WARDEN_GATEWAY_TOKEN", "env");
  EXPECT_FALSE(TokenShadowedMessage(env, std::nullopt).has_value());
  EXPECT_FALSE(TokenShadowedMessage(env, Secret("")).has_value());
  EXPECT_FALSE(TokenShadowedMessage(env, Secret("env")).has_value());
  std::optional<std::string> m = TokenShadowedMessage(env, Secret("config"));
  ASSERT_TRUE(m.has_value());
  EXPECT_THAT(*m, HasSubstr("WARDEN_GATEWAY_TOKEN and gateway.auth.token differ"));
}

TEST(ResolveGatewayToken, GeneratesAPrivateTokenFileAndReadsItBack) {
  TempDir dir;
  const std::string home = dir.Join("home/nested");  // does not exist yet
  MapEnvironment env = HomeEnv(home);
  Result<GatewayToken> first = ResolveGatewayToken(std::nullopt, env, std::nullopt, true);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  const std::string path = home + "/gateway.token";
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->source, path);
  EXPECT_THAT(std::string(first->token.Reveal()), StartsWith("wdn_"));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(home), 0700u);
  EXPECT_EQ(ReadAll(path), std::string(first->token.Reveal()) + "\n");

  Result<GatewayToken> second = ResolveGatewayToken(std::nullopt, env, std::nullopt, true);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->source, path);
  EXPECT_EQ(second->token.Reveal(), first->token.Reveal());
}

TEST(ResolveGatewayToken, MissingWithoutGenerateNamesThePath) {
  TempDir dir;
  MapEnvironment env = HomeEnv(dir.path());
  Result<GatewayToken> t = ResolveGatewayToken(std::nullopt, env, std::nullopt, false);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kTokenMissing);
  EXPECT_THAT(t.error().message, HasSubstr(dir.Join("gateway.token")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("gateway.token")));
}

TEST(ResolveGatewayToken, RefusesAGroupOrWorldReadableTokenFile) {
  for (mode_t mode : {mode_t(0644), mode_t(0640), mode_t(0604)}) {
    TempDir dir;
    const std::string path = dir.WriteFile("gateway.token", "file-token-XYZ\n", mode);
    MapEnvironment env = HomeEnv(dir.path());
    Result<GatewayToken> t = ResolveGatewayToken(std::nullopt, env, std::nullopt, true);
    ASSERT_FALSE(t.has_value()) << std::oct << mode;
    EXPECT_EQ(t.error().code, ErrorCode::kSecretFileInsecure);
    EXPECT_THAT(t.error().message, HasSubstr("chmod 600"));
    EXPECT_THAT(t.error().message, HasSubstr(path));
    EXPECT_THAT(t.error().ToString(), Not(HasSubstr("file-token-XYZ")));
    EXPECT_EQ(ReadAll(path), "file-token-XYZ\n");  // not replaced
    EXPECT_EQ(ModeOf(path), mode);                 // nor silently fixed
  }
}

TEST(ResolveGatewayToken, NeitherReadsNorCreatesATokenInAHomeOthersCanWrite) {
  for (bool with_file : {true, false}) {
    TempDir dir;
    const std::string home = dir.MakeDir("home");
    if (with_file) dir.WriteFile("home/gateway.token", "file-token-XYZ\n", 0600);
    ASSERT_EQ(::chmod(home.c_str(), 0777), 0);
    Result<GatewayToken> t = ResolveGatewayToken(std::nullopt, HomeEnv(home), std::nullopt, true);
    ASSERT_FALSE(t.has_value()) << with_file;
    EXPECT_EQ(t.error().code, ErrorCode::kFileInsecure);
    EXPECT_THAT(t.error().message, HasSubstr("chmod go-w " + home));
    EXPECT_THAT(t.error().ToString(), Not(HasSubstr("file-token-XYZ")));
    EXPECT_EQ(std::filesystem::exists(home + "/gateway.token"), with_file);
  }
}

TEST(ResolveGatewayToken, AnEnvironmentTokenNeedsNoHome) {
  // No WARDEN_HOME, no HOME: the home is never looked for when a higher source answers.
  Result<GatewayToken> t = ResolveGatewayToken(
      std::nullopt, Env({{"WARDEN_GATEWAY_TOKEN", "env-token"}}), std::nullopt, true);
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->source, "WARDEN_GATEWAY_TOKEN");
}

TEST(ResolveGatewayToken, RefusesASymlinkedTokenFile) {
  TempDir dir;
  const std::string target = dir.WriteFile("real", "tok\n", 0600);
  ASSERT_EQ(::symlink(target.c_str(), dir.Join("gateway.token").c_str()), 0);
  Result<GatewayToken> t =
      ResolveGatewayToken(std::nullopt, HomeEnv(dir.path()), std::nullopt, true);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kSecretFileInsecure);
}

TEST(ResolveGatewayToken, EmptyTokenFileIsInvalid) {
  TempDir dir;
  dir.WriteFile("gateway.token", " \n", 0600);
  Result<GatewayToken> t =
      ResolveGatewayToken(std::nullopt, HomeEnv(dir.path()), std::nullopt, true);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kTokenInvalid);
}

TEST(ResolveGatewayToken, WhitespaceOrControlCharactersAreInvalid) {
  struct Case {
    std::optional<std::string> flag;
    std::optional<std::string> env;
    std::optional<std::string> config;
    std::optional<std::string> file;
  };
  const Case kCases[] = {
      {"bad token-SEKRIT", std::nullopt, std::nullopt, std::nullopt},
      {"bad\ttoken-SEKRIT", std::nullopt, std::nullopt, std::nullopt},
      {std::nullopt, "bad\ntoken-SEKRIT", std::nullopt, std::nullopt},
      {std::nullopt, "bad\x7ftoken-SEKRIT", std::nullopt, std::nullopt},
      {std::nullopt, std::nullopt, std::string("bad\0token-SEKRIT", 16), std::nullopt},
      {std::nullopt, std::nullopt, "bad\x01token-SEKRIT", std::nullopt},
      {std::nullopt, std::nullopt, std::nullopt, "bad token-SEKRIT\n"},
      {std::nullopt, std::nullopt, std::nullopt, "line1-SEKRIT\nline2\n"},
  };
  for (const Case& c : kCases) {
    TempDir dir;
    if (c.file) dir.WriteFile("gateway.token", *c.file, 0600);
    MapEnvironment env = HomeEnv(dir.path());
    if (c.env) env.Set("WARDEN_GATEWAY_TOKEN", *c.env);
    std::optional<Secret> config;
    if (c.config) config = Secret(*c.config);
    Result<GatewayToken> t = ResolveGatewayToken(c.flag, env, config, false);
    ASSERT_FALSE(t.has_value());
    EXPECT_EQ(t.error().code, ErrorCode::kTokenInvalid);
    EXPECT_THAT(t.error().ToString(), Not(HasSubstr("SEKRIT")));
  }
}

TEST(ResolveGatewayToken, TokenFileIsTrimmed) {
  TempDir dir;
  dir.WriteFile("gateway.token", "  wdn_abc\r\n", 0600);
  Result<GatewayToken> t =
      ResolveGatewayToken(std::nullopt, HomeEnv(dir.path()), std::nullopt, false);
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->token.Reveal(), "wdn_abc");
}

}  // namespace
}  // namespace warden::access
