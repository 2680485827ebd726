#include "snapshot/snapshot_builder.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "crypto/crypto.hpp"

namespace warden::snapshot {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr std::int64_t kNowMs = 1'700'000'000'000;  // fixed clock
constexpr std::int64_t kNowS = kNowMs / 1000;

// Token auth is covered in access/; these configs use mode "none" on loopback.
constexpr std::string_view kNoAuth = R"(
[gateway.auth]
mode = "none"
)";

std::shared_ptr<const config::Config> MustParse(std::string_view toml, const Environment& env) {
  Result<config::Config> c =
      config::ParseConfig(std::string(kNoAuth) + std::string(toml), "/tmp/warden-test.toml", env);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().ToString());
  return std::make_shared<const config::Config>(c ? *c : config::Config{});
}

// A JWT whose payload has `exp`; the signature is arbitrary (never verified here).
std::string Jwt(std::int64_t exp_s) {
  return crypto::Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." +
         crypto::Base64UrlEncode("{\"sub\":\"ci\",\"exp\":" + std::to_string(exp_s) + "}") +
         ".bm90LWEtc2lnbmF0dXJl";
}

struct Fixture {
  MapEnvironment env;
  creds::CredentialStateRegistry key_states;
  FederatedTokenRegistry federated;

  Fixture() { env.Set("HOME", "/nonexistent-home"); }

  Result<BuildResult> Build(std::string_view toml) {
    BuildOptions opts;
    opts.now_ms = kNowMs;
    return BuildSnapshot(MustParse(toml, env), env, key_states, federated, opts, 1);
  }
};

constexpr std::string_view kMock = R"(
[providers.mock]
base_url = "http://127.0.0.1:9/v1"
)";

TEST(BuildSnapshot, ProviderWithEnvKeysIsEnabledWithFingerprints) {
  Fixture f;
  f.env.Set("MOCK_API_KEYS", "sk-mock-one,sk-mock-two");
  Result<BuildResult> r = f.Build(kMock);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("mock");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->enabled);
  EXPECT_EQ(p->source_kind, "env");
  EXPECT_EQ(p->origin.key, "http://127.0.0.1:9");
  EXPECT_EQ(p->base_path, "/v1");
  ASSERT_EQ(p->keys.keys().size(), 2u);
  EXPECT_EQ(p->keys.keys()[0].fingerprint, Secret("sk-mock-one").Fingerprint());
  EXPECT_EQ(p->keys.keys()[1].fingerprint, Secret("sk-mock-two").Fingerprint());
  EXPECT_THAT(p->keys.keys()[0].fingerprint, MatchesRegex("sha256:[0-9a-f]{12}"));
  EXPECT_EQ(p->keys.keys()[0].source, "MOCK_API_KEYS[0]");
  EXPECT_EQ(r->snapshot->enabled_names, "mock");
  EXPECT_EQ(r->snapshot->generation, 1u);
  for (const std::string& d : r->diagnostics) EXPECT_THAT(d, Not(HasSubstr("sk-mock")));
}

TEST(BuildSnapshot, ProviderWithoutKeysIsDisabledNamingTheVariable) {
  Fixture f;
  Result<BuildResult> r = f.Build(kMock);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("mock");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->enabled);
  EXPECT_EQ(p->source_kind, "none");
  EXPECT_FALSE(p->disabled_reason.empty());
  EXPECT_THAT(p->how_to_enable, Contains("MOCK_API_KEY"));
  EXPECT_THAT(r->diagnostics, Contains(AllOf(HasSubstr("mock"), HasSubstr("MOCK_API_KEY"))));
  EXPECT_EQ(r->snapshot->enabled_names, "");
}

TEST(BuildSnapshot, EnabledFalseIsSkipped) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "sk-mock");
  Result<BuildResult> r = f.Build(std::string(kMock) + "enabled = false\n");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("mock");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->enabled);
  EXPECT_TRUE(p->keys.empty());
}

TEST(BuildSnapshot, EnabledTrueWithoutCredentialFails) {
  Fixture f;
  Result<BuildResult> r = f.Build(std::string(kMock) + "enabled = true\n");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kProviderNoCredential);
  EXPECT_THAT(r.error().message, HasSubstr("MOCK_API_KEY"));
  EXPECT_EQ(r.error().context, "providers.mock");
}

TEST(BuildSnapshot, UnresolvableKeyRefFailsWithTheRefAndNoValue) {
  Fixture f;
  f.env.Set("MOCK_KEY_EMPTY", "");
  f.env.Set("MOCK_API_KEY", "sk-planted-VALUE");  // unused: `keys` replaces the env chain
  f.env.Set("OTHER_KEY", "sk-other-VALUE");
  Result<BuildResult> r = f.Build(std::string(kMock) + R"(
keys = [ { source = "env", id = "OTHER_KEY" }, { source = "env", id = "MOCK_KEY_EMPTY" } ]
)");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kSecretRefNotFound);
  EXPECT_EQ(r.error().context, "env:default:MOCK_KEY_EMPTY");
  EXPECT_THAT(r.error().message, HasSubstr("mock"));
  EXPECT_THAT(r.error().message, HasSubstr("keys[1]"));
  EXPECT_THAT(r.error().ToString(), Not(HasSubstr("VALUE")));
}

TEST(BuildSnapshot, UnsetKeyRefFails) {
  Fixture f;
  Result<BuildResult> r =
      f.Build(std::string(kMock) + R"(keys = [ { source = "env", id = "NOT_SET_ANYWHERE" } ])");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kSecretRefNotFound);
  EXPECT_THAT(r.error().context, HasSubstr("NOT_SET_ANYWHERE"));
}

TEST(BuildSnapshot, ConfigKeysAreUsedInOrder) {
  Fixture f;
  f.env.Set("K1", "sk-one");
  Result<BuildResult> r = f.Build(std::string(kMock) + R"(
keys = [ { source = "env", id = "K1" }, "sk-literal" ]
)");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("mock");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->enabled);
  EXPECT_EQ(p->source_kind, "config");
  ASSERT_EQ(p->keys.keys().size(), 2u);
  EXPECT_EQ(p->keys.keys()[0].value.Reveal(), "sk-one");
  EXPECT_EQ(p->keys.keys()[1].value.Reveal(), "sk-literal");
  EXPECT_EQ(p->keys.keys()[0].source, "providers.mock.keys[0] (env:default:K1)");
}

TEST(BuildSnapshot, HeaderWithCrLfInEnvValueIsRefused) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "sk-mock");
  f.env.Set("TEAM_HEADER", "team\r\nX-Injected: SEKRIT");
  Result<BuildResult> r = f.Build(std::string(kMock) + R"(
[providers.mock.headers]
x-team = { source = "env", id = "TEAM_HEADER" }
)");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kSecretValueInvalid);
  EXPECT_THAT(r.error().ToString(), HasSubstr("headers.x-team"));
  EXPECT_THAT(r.error().ToString(), Not(HasSubstr("SEKRIT")));
}

TEST(BuildSnapshot, EnvKeyWithNewlineIsRefused) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "sk-mock-SEKRIT\n");
  Result<BuildResult> r = f.Build(kMock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kSecretValueInvalid);
  EXPECT_THAT(r.error().ToString(), HasSubstr("MOCK_API_KEY"));
  EXPECT_THAT(r.error().ToString(), Not(HasSubstr("SEKRIT")));
}

TEST(BuildSnapshot, HeadersAreResolvedWithPrefix) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "sk-mock");
  f.env.Set("TEAM_HEADER", "abc");
  Result<BuildResult> r = f.Build(std::string(kMock) + R"(
[providers.mock.headers]
x-team = { source = "env", id = "TEAM_HEADER", prefix = "Bearer " }
)");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("mock");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->headers.size(), 1u);
  EXPECT_EQ(p->headers[0].first, "x-team");
  EXPECT_EQ(p->headers[0].second.Reveal(), "Bearer abc");
}

constexpr std::string_view kFederated = R"(
[providers.fed]
base_url = "https://fed.example/v1"

[providers.fed.federated]
token = { source = "env", id = "FED_OIDC_TOKEN" }
)";

TEST(BuildSnapshot, FederatedProviderWithUnexpiredJwtIsEnabled) {
  Fixture f;
  const std::string jwt = Jwt(kNowS + 3600);
  f.env.Set("FED_OIDC_TOKEN", jwt);
  Result<BuildResult> r = f.Build(kFederated);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("fed");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->enabled);
  EXPECT_EQ(p->source_kind, "federated");
  EXPECT_TRUE(p->keys.empty());
  ASSERT_NE(p->federated, nullptr);
  auto current = p->federated->Usable(kNowMs);
  ASSERT_NE(current, nullptr);
  EXPECT_EQ(current->token.Reveal(), jwt);
  EXPECT_EQ(current->exp_ms, (kNowS + 3600) * 1000);
  EXPECT_EQ(current->source, "env:FED_OIDC_TOKEN");
  EXPECT_EQ(r->snapshot->enabled_names, "fed");
}

TEST(BuildSnapshot, ExpiredFederatedJwtIsReported) {
  Fixture f;
  f.env.Set("FED_OIDC_TOKEN", Jwt(kNowS - 60));
  Result<BuildResult> r = f.Build(kFederated);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("fed");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->enabled);
  EXPECT_THAT(r->diagnostics, Contains(AllOf(HasSubstr("fed"), HasSubstr("expired"))));
  EXPECT_THAT(p->how_to_enable, Contains(HasSubstr("FED_OIDC_TOKEN")));
  EXPECT_THAT(p->federated_problem, HasSubstr("token expired"));
}

// Whether a federated source is a problem depends on what was found, not on the wording of the
// diagnostics: an absent token is no problem even when its path mentions "JWT" or "expired".
TEST(BuildSnapshot, AbsentFederatedTokenIsNoProblemWhateverItsPathSays) {
  Fixture f;
  Result<BuildResult> r = f.Build(R"(
[providers.fed]
base_url = "https://fed.example/v1"

[providers.fed.federated]
token = { source = "env", id = "FED_OIDC_TOKEN" }
token_file = "/nonexistent/expired/JWT/token"
)");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ProviderRuntime* p = r->snapshot->FindProvider("fed");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->enabled);
  EXPECT_EQ(p->federated_problem, "");
  EXPECT_THAT(r->diagnostics, Contains(HasSubstr("/nonexistent/expired/JWT/token")));
}

TEST(LoadFederatedToken, ReportsAMalformedTokenAsFoundButUnusable) {
  MapEnvironment env;
  env.Set("FED_OIDC_TOKEN", "not-a-jwt");
  std::shared_ptr<const config::Config> cfg = MustParse(kFederated, env);
  FederatedLoad loaded = LoadFederatedToken(*cfg->providers[0].federated, *cfg, env, kNowMs);
  EXPECT_FALSE(loaded.token.has_value());
  EXPECT_TRUE(loaded.found_unusable);
  EXPECT_THAT(loaded.why, HasSubstr("env:default:FED_OIDC_TOKEN: token is not a JWT"));

  env.Set("FED_OIDC_TOKEN", "");
  FederatedLoad absent = LoadFederatedToken(*cfg->providers[0].federated, *cfg, env, kNowMs);
  EXPECT_FALSE(absent.token.has_value());
  EXPECT_FALSE(absent.found_unusable);
  EXPECT_EQ(absent.why, "env:default:FED_OIDC_TOKEN: SECRET_REF_NOT_FOUND");
}

TEST(LoadFederatedToken, RefusesATokenCarryingALineBreakAfterItsPayload) {
  // Only the payload is decoded, so "header.payload.sig\r\nx-injected: 1" decodes fine; it
  // must never become a header line.
  MapEnvironment env;
  env.Set("FED_OIDC_TOKEN", Jwt(kNowS + 3600) + "\r\nx-injected: 1");
  std::shared_ptr<const config::Config> cfg = MustParse(kFederated, env);
  FederatedLoad loaded = LoadFederatedToken(*cfg->providers[0].federated, *cfg, env, kNowMs);
  EXPECT_FALSE(loaded.token.has_value());
  EXPECT_TRUE(loaded.found_unusable);
  EXPECT_THAT(loaded.why, Not(HasSubstr("x-injected")));
}

TEST(BuildSnapshot, MalformedFederatedTokenIsReportedWithoutItsValue) {
  Fixture f;
  f.env.Set("FED_OIDC_TOKEN", "not-a-jwt-SEKRIT");
  Result<BuildResult> r = f.Build(kFederated);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(r->snapshot->FindProvider("fed")->enabled);
  EXPECT_THAT(r->diagnostics, Contains(HasSubstr("not a JWT")));
  for (const std::string& d : r->diagnostics) EXPECT_THAT(d, Not(HasSubstr("SEKRIT")));
}

TEST(BuildSnapshot, FederatedTokenSurvivesARebuildWhenTheEnvTokenIsGone) {
  Fixture f;
  f.env.Set("FED_OIDC_TOKEN", Jwt(kNowS + 3600));
  ASSERT_TRUE(f.Build(kFederated).has_value());
  f.env.Set("FED_OIDC_TOKEN", "");
  Result<BuildResult> r = f.Build(kFederated);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->snapshot->FindProvider("fed")->enabled);
}

TEST(BuildSnapshot, KeyStateSurvivesASecondBuildWithTheSameRegistry) {
  Fixture f;
  f.env.Set("MOCK_API_KEYS", "sk-a,sk-b");
  Result<BuildResult> first = f.Build(kMock);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  const creds::KeyPool& pool1 = first->snapshot->FindProvider("mock")->keys;
  creds::KeyPool::MarkRateLimited(pool1.keys()[0], kNowMs, 60'000);

  Result<BuildResult> second = f.Build(kMock);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  const creds::KeyPool& pool2 = second->snapshot->FindProvider("mock")->keys;
  ASSERT_EQ(pool2.keys().size(), 2u);
  EXPECT_NE(first->snapshot, second->snapshot);
  EXPECT_EQ(pool2.keys()[0].state, pool1.keys()[0].state);
  EXPECT_EQ(pool2.Pick(kNowMs, {}), &pool2.keys()[1]);
  EXPECT_EQ(pool2.MsUntilSoonestRecovery(kNowMs), 0);
}

// A base_url with an out-of-range port never becomes an origin with the port truncated to 16
// bits (99999 → 34463), whichever layer refuses it (see http/origin_test.cc).
TEST(BuildSnapshot, OutOfRangePortInBaseUrlIsRefused) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "sk-mock");
  Result<config::Config> c = config::ParseConfig(
      std::string(kNoAuth) + "[providers.mock]\nbase_url = \"http://127.0.0.1:99999/v1\"\n",
      "/tmp/warden-test.toml", f.env);
  if (!c.has_value()) SUCCEED() << "refused by the loader: " << c.error().ToString();
  if (!c.has_value()) return;
  BuildOptions opts;
  Result<BuildResult> r = BuildSnapshot(std::make_shared<const config::Config>(*c), f.env,
                                        f.key_states, f.federated, opts, 1);
  EXPECT_FALSE(r.has_value()) << "origin = " << r->snapshot->FindProvider("mock")->origin.key;
}

TEST(BuildSnapshot, TokenModeUsesTheEnvToken) {
  MapEnvironment env;
  env.Set("HOME", "/nonexistent-home");
  env.Set("WARDEN_GATEWAY_TOKEN", "wdn_envtoken");
  Result<config::Config> c = config::ParseConfig(kMock, "/tmp/warden-test.toml", env);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  creds::CredentialStateRegistry keys;
  FederatedTokenRegistry fed;
  Result<BuildResult> r =
      BuildSnapshot(std::make_shared<const config::Config>(*c), env, keys, fed, BuildOptions{}, 7);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->snapshot->access.mode, config::AuthMode::kToken);
  EXPECT_EQ(r->snapshot->access.token.Reveal(), "wdn_envtoken");
  EXPECT_EQ(r->snapshot->access.token_source, "WARDEN_GATEWAY_TOKEN");
  EXPECT_EQ(r->snapshot->generation, 7u);
}

TEST(BuildSnapshot, CompilesModelRulesAndAliasesToProviderIndices) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "k1");
  Result<BuildResult> r = f.Build(std::string(kMock) + R"(
[providers.claude]
api = "anthropic"
base_url = "http://127.0.0.1:9/v1"
[models]
"claude-*" = "claude"
"*" = "mock"
[models.aliases]
fast = "claude/claude-haiku-4-5"
)");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const ModelRoutes& m = r->snapshot->models;
  ASSERT_EQ(m.rules.size(), 2u);
  EXPECT_EQ(m.rules[0].pattern, "claude-*");
  EXPECT_EQ(r->snapshot->providers[m.rules[0].provider].id, "claude");
  EXPECT_EQ(m.rules[0].key_path, "models.\"claude-*\"");
  EXPECT_EQ(r->snapshot->providers[m.rules[1].provider].id, "mock");
  const ModelRoutes::Alias* fast = m.FindAlias("fast");
  ASSERT_NE(fast, nullptr);
  EXPECT_EQ(r->snapshot->providers[fast->provider].id, "claude");
  EXPECT_EQ(fast->model, "claude-haiku-4-5");
  EXPECT_EQ(fast->target, "claude/claude-haiku-4-5");
  EXPECT_EQ(m.FindAlias("slow"), nullptr);
}

// Token mode with [callers]: refs are resolved and kept as digests only.
Result<BuildResult> BuildWithCallers(Fixture& f, std::string_view callers) {
  f.env.Set("WARDEN_GATEWAY_TOKEN", "gw-token-0123456789");
  f.env.Set("MOCK_API_KEY", "k1");
  Result<config::Config> c = config::ParseConfig(std::string(kMock) + std::string(callers),
                                                 "/tmp/warden-test.toml", f.env);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().ToString());
  BuildOptions opts;
  opts.now_ms = kNowMs;
  return BuildSnapshot(std::make_shared<const config::Config>(c ? *c : config::Config{}), f.env,
                       f.key_states, f.federated, opts, 1);
}

TEST(BuildSnapshot, CallerTokenRefsAndDigestsBecomeDigests) {
  Fixture f;
  f.env.Set("CI_TOKEN", "ci-secret-token");
  auto built = BuildWithCallers(f, R"(
[callers.ci]
tokens = [ { source = "env", id = "CI_TOKEN" },
           "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" ]
providers = ["mock"]
)");
  ASSERT_TRUE(built.has_value()) << built.error().ToString();
  const auto& callers = built->snapshot->access.callers;
  ASSERT_EQ(callers.size(), 1u);
  EXPECT_EQ(callers[0].name, "ci");
  ASSERT_EQ(callers[0].token_digests.size(), 2u);
  EXPECT_EQ(callers[0].token_digests[0], crypto::Sha256("ci-secret-token"));
  EXPECT_EQ(crypto::Hex(callers[0].token_digests[1]), std::string(64, 'a'));
  EXPECT_EQ(callers[0].providers, std::vector<std::string>{"mock"});
}

TEST(BuildSnapshot, JwtModeCarriesTheRulesTheKeyStoreAndTheCallersClaims) {
  Fixture f;
  f.env.Set("MOCK_API_KEY", "k1");
  Result<config::Config> c = config::ParseConfig(std::string(kMock) + R"(
[gateway.auth]
mode = "jwt"
[gateway.auth.jwt]
issuer = "https://token.actions.githubusercontent.com"
audience = "warden"
subject = "repo:acme/*"
leeway = "30s"
[callers.deploy]
jwt_subject = "repo:acme/app:*"
jwt_claims = { workflow = "deploy*" }
)",
                                                 "/tmp/warden-test.toml", f.env);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  BuildOptions opts;
  opts.now_ms = kNowMs;
  opts.jwks = std::make_shared<access::JwksStore>();
  auto cfg = std::make_shared<const config::Config>(*c);
  auto first = BuildSnapshot(cfg, f.env, f.key_states, f.federated, opts, 1);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  const access::AccessPolicy& a = first->snapshot->access;
  EXPECT_EQ(a.mode, config::AuthMode::kJwt);
  EXPECT_EQ(a.jwt.rules.issuer, "https://token.actions.githubusercontent.com");
  EXPECT_EQ(a.jwt.rules.audience, "warden");
  EXPECT_EQ(a.jwt.rules.subject, "repo:acme/*");
  EXPECT_EQ(a.jwt.rules.leeway_s, 30);
  EXPECT_EQ(a.jwt.keys, opts.jwks);
  EXPECT_TRUE(a.token.Reveal().empty());  // no gateway token in jwt mode
  ASSERT_EQ(a.callers.size(), 1u);
  EXPECT_EQ(a.callers[0].jwt_subject, "repo:acme/app:*");
  ASSERT_EQ(a.callers[0].jwt_claims.size(), 1u);
  EXPECT_EQ(a.callers[0].jwt_claims[0].second, "deploy*");
  // Each build gets its own policy id, so cached verdicts never outlive a reload.
  auto second = BuildSnapshot(cfg, f.env, f.key_states, f.federated, opts, 2);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(a.jwt.id, 0u);
  EXPECT_NE(second->snapshot->access.jwt.id, a.jwt.id);
}

TEST(BuildSnapshot, TheSameResolvedTokenOnTwoCallersIsRefusedWithoutItsValue) {
  Fixture f;
  f.env.Set("A_TOKEN", "shared-secret-token");
  f.env.Set("B_TOKEN", "shared-secret-token");
  auto built = BuildWithCallers(f, R"(
[callers.a]
tokens = [ { source = "env", id = "A_TOKEN" } ]
[callers.b]
tokens = [ { source = "env", id = "B_TOKEN" } ]
)");
  ASSERT_FALSE(built.has_value());
  EXPECT_THAT(built.error().ToString(), HasSubstr("callers.a.tokens[0]"));
  EXPECT_THAT(built.error().ToString(), HasSubstr("callers.b.tokens[0]"));
  EXPECT_THAT(built.error().ToString(), Not(HasSubstr("shared-secret-token")));
}

TEST(BuildSnapshot, AnUnresolvableCallerTokenFailsTheBuild) {
  Fixture f;
  auto built = BuildWithCallers(f, R"(
[callers.ci]
tokens = [ { source = "env", id = "CI_TOKEN_UNSET" } ]
)");
  ASSERT_FALSE(built.has_value());
  EXPECT_THAT(built.error().ToString(), HasSubstr("callers.ci.tokens[0]"));
}

TEST(BuildSnapshot, ProfilesOfTheStoreEnableAProviderAndKeepTheirCooldownsOverRebuilds) {
  Fixture f;
  auto doc = std::make_shared<creds::ProfileDocument>();
  creds::Profile work;
  work.id = "p:work";
  work.provider = "p";
  work.type = creds::ProfileType::kToken;
  work.secret = Secret("tok-work");
  doc->profiles.emplace(work.id, work);
  creds::Profile other = work;
  other.id = "q:x";
  other.provider = "q";
  doc->profiles.emplace(other.id, other);
  BuildOptions opts;
  opts.now_ms = kNowMs;
  opts.profiles = doc;
  const std::string_view toml = R"(
[providers.p]
api = "openai"
base_url = "http://127.0.0.1:9/v1"
)";
  auto built = BuildSnapshot(MustParse(toml, f.env), f.env, f.key_states, f.federated, opts, 1);
  ASSERT_TRUE(built.has_value()) << built.error().ToString();
  const ProviderRuntime* p = built->snapshot->FindProvider("p");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->enabled);
  EXPECT_EQ(p->source_kind, "profiles");
  EXPECT_TRUE(p->keys.empty());
  ASSERT_EQ(p->profiles.profiles().size(), 1u);  // q:x belongs to another provider
  creds::KeyPool::MarkRateLimited(p->profiles.profiles()[0].key, kNowMs, 60'000);
  auto again = BuildSnapshot(MustParse(toml, f.env), f.env, f.key_states, f.federated, opts, 2);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->snapshot->FindProvider("p")->profiles.Pick(kNowMs + 1, {}, nullptr), nullptr);
  // Without the store's document, the provider has no credential.
  opts.profiles = nullptr;
  auto none = BuildSnapshot(MustParse(toml, f.env), f.env, f.key_states, f.federated, opts, 3);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->snapshot->FindProvider("p")->enabled);
}

}  // namespace
}  // namespace warden::snapshot
