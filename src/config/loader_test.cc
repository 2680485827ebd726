#include "config/loader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"
#include "config/default_config.hpp"

namespace warden::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kOrigin = "/etc/warden/warden.toml";

const MapEnvironment& TestEnv() {
  static const MapEnvironment* env = [] {
    auto* e = new MapEnvironment();
    e->Set("HOME", "/home/u");
    return e;
  }();
  return *env;
}

Result<Config> Parse(std::string_view toml) {
  return ParseConfig(toml, std::string(kOrigin), TestEnv());
}

Config MustParse(std::string_view toml) {
  Result<Config> r = Parse(toml);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  return r ? *r : Config{};
}

// The Error of a config that must fail.
Error MustFail(std::string_view toml) {
  Result<Config> r = Parse(toml);
  EXPECT_FALSE(r.has_value()) << "accepted:\n" << toml;
  return r ? Error{} : r.error();
}

// A valid provider, to append to configs that test something else.
constexpr std::string_view kProvider = R"(
[providers.p]
base_url = "https://x.example/v1"
)";

std::string WithProvider(std::string_view body) {
  return std::string(body) + std::string(kProvider);
}

// ---- the embedded default

TEST(EmbeddedDefault, Parses) {
  Result<Config> r =
      ParseConfig(EmbeddedDefaultToml(), std::string(kEmbeddedDefaultOrigin), TestEnv());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->origin, "<embedded default>");
}

TEST(EmbeddedDefault, ServesLoopbackWithTokenAuthAndNoTokenKey) {
  Config c = *ParseConfig(EmbeddedDefaultToml(), std::string(kEmbeddedDefaultOrigin), TestEnv());
  EXPECT_EQ(c.gateway.bind, "127.0.0.1:8787");
  EXPECT_EQ(c.gateway.auth.mode, AuthMode::kToken);
  EXPECT_FALSE(c.gateway.auth.token.has_value());
}

TEST(EmbeddedDefault, ListsFourProvidersInOrder) {
  Config c = *ParseConfig(EmbeddedDefaultToml(), std::string(kEmbeddedDefaultOrigin), TestEnv());
  struct Want {
    std::string_view id;
    Api api;
    std::string_view base_url;
    std::string_view env_prefix;
  };
  const Want kWant[] = {
      {"openai", Api::kOpenAi, "https://api.openai.com/v1", "OPENAI"},
      {"anthropic", Api::kAnthropic, "https://api.anthropic.com/v1", "ANTHROPIC"},
      {"openrouter", Api::kOpenAi, "https://openrouter.ai/api/v1", "OPENROUTER"},
      {"vercel", Api::kOpenAi, "https://ai-gateway.vercel.sh/v1", "AI_GATEWAY"},
  };
  ASSERT_EQ(c.providers.size(), std::size(kWant));
  for (std::size_t i = 0; i < std::size(kWant); ++i) {
    EXPECT_EQ(c.providers[i].id, kWant[i].id);
    EXPECT_EQ(c.providers[i].api, kWant[i].api) << kWant[i].id;
    EXPECT_EQ(c.providers[i].base_url, kWant[i].base_url);
    EXPECT_EQ(c.providers[i].env_prefix, kWant[i].env_prefix);
    EXPECT_FALSE(c.providers[i].enabled.has_value()) << kWant[i].id;
    EXPECT_FALSE(c.providers[i].keys.has_value()) << kWant[i].id;
    // Only OpenAI's own API speaks the Responses WebSocket transport.
    EXPECT_EQ(c.providers[i].websockets, kWant[i].id == "openai") << kWant[i].id;
  }
}

TEST(EmbeddedDefault, VercelFallsBackToOidcTokenFromEnv) {
  Config c = *ParseConfig(EmbeddedDefaultToml(), std::string(kEmbeddedDefaultOrigin), TestEnv());
  const ProviderConfig* vercel = c.FindProvider("vercel");
  ASSERT_NE(vercel, nullptr);
  ASSERT_TRUE(vercel->federated.has_value());
  ASSERT_TRUE(vercel->federated->token.has_value());
  ASSERT_TRUE(vercel->federated->token->ref.has_value());
  EXPECT_EQ(vercel->federated->token->ref->Describe(), "env:default:VERCEL_OIDC_TOKEN");
  EXPECT_EQ(vercel->federated->token->key_path, "providers.vercel.federated.token");
}

// ---- mapping of every key

constexpr std::string_view kFullConfig = R"(
[gateway]
bind = "[::1]:9000"
threads = 4
max_body_bytes = 1048576
max_header_bytes = 16384
header_timeout = "5s"
body_timeout = "2m"
idle_timeout = "90s"
shutdown_grace = "15s"

[gateway.auth]
mode = "jwt"
token = { source = "env", id = "WARDEN_GATEWAY_TOKEN" }

[gateway.auth.rate_limit]
max_attempts = 3
window = "30s"
lockout = "10m"
exempt_loopback = false
ipv6_prefix = 48

[gateway.auth.trusted_proxy]
proxies = ["127.0.0.1/32", "::1"]
user_header = "x-auth-user"
required_headers = ["x-forwarded-proto"]
allow_users = ["nick@example.com"]

[gateway.auth.jwt]
issuer = "https://issuer.example"
audience = "warden"
jwks_url = "https://issuer.example/.well-known/jwks.json"
subject = "owner:acme:project:*"
leeway = "30s"

[gateway.tls]
cert = "cert.pem"
key = "/etc/ssl/key.pem"
hsts = "max-age=31536000; includeSubDomains"

[gateway.upstream]
connect_timeout = "3s"
first_byte_timeout = "10m"
idle_timeout = "1m"
max_connections_per_origin = 64
pool_idle_timeout = "30s"

[reload]
watch = false

[secrets.providers.vault]
source = "exec"
command = "/usr/local/bin/vault-resolver"
args = ["--profile", "prod"]
pass_env = ["VAULT_ADDR", "VAULT_TOKEN"]
trusted_dirs = ["/usr/local/bin"]
timeout = "7s"
json_only = false
max_output_bytes = 4096

[secrets.providers.filemain]
source = "file"
path = "~/.warden/secrets.json"
mode = "json"

[secrets.providers.envonly]
source = "env"
allowlist = ["CF_AIG_TOKEN"]

[providers.cf]
api = "anthropic"
base_url = "https://gateway.ai.cloudflare.com/v1/ACCT/GW/anthropic/"
enabled = true
keys = [ { source = "exec", provider = "vault", id = "anthropic/key" }, "sk-literal", { source = "file", provider = "filemain", id = "/anthropic/key" } ]
env_prefix = "CLOUDFLARE"

[providers.cf.headers]
cf-aig-authorization = { source = "env", provider = "envonly", id = "CF_AIG_TOKEN", prefix = "Bearer " }
x-team = "platform"

[providers.vercel]
base_url = "https://ai-gateway.vercel.sh/v1"
enabled = false

[providers.vercel.federated]
token = { source = "env", id = "VERCEL_OIDC_TOKEN" }
token_file = "~/.warden/tokens/vercel.jwt"
refresh_command = ["/usr/local/bin/fetch-oidc-token", "--aud", "vercel"]
refresh_before = "5m"
refresh_timeout = "20s"
pass_env = ["HOME"]
trusted_dirs = ["/usr/local/bin"]

[providers.codex]
base_url = "https://chatgpt.com/backend-api/codex"

[providers.codex.oauth]
authorize_url = "https://auth.openai.com/oauth/authorize"
token_url = "https://auth.openai.com/oauth/token"
client_id = "app_123"
scopes = ["openid", "profile", "email", "offline_access"]
redirect_uri = "http://127.0.0.1:1455/auth/callback"
)";

TEST(ParseConfig, MapsGatewayScalars) {
  Config c = MustParse(kFullConfig);
  EXPECT_EQ(c.origin, kOrigin);
  EXPECT_EQ(c.gateway.bind, "[::1]:9000");
  EXPECT_EQ(c.gateway.threads, 4);
  EXPECT_EQ(c.gateway.max_body_bytes, 1048576u);
  EXPECT_EQ(c.gateway.max_header_bytes, 16384u);
  EXPECT_EQ(c.gateway.header_timeout, Duration{5'000});
  EXPECT_EQ(c.gateway.body_timeout, Duration{120'000});
  EXPECT_EQ(c.gateway.idle_timeout, Duration{90'000});
  EXPECT_EQ(c.gateway.shutdown_grace, Duration{15'000});
  EXPECT_FALSE(c.reload.watch);
}

TEST(ParseConfig, MapsAuthTables) {
  Config c = MustParse(kFullConfig);
  const AuthConfig& a = c.gateway.auth;
  EXPECT_EQ(a.mode, AuthMode::kJwt);
  ASSERT_TRUE(a.token && a.token->ref);
  EXPECT_EQ(a.token->ref->Describe(), "env:default:WARDEN_GATEWAY_TOKEN");
  EXPECT_EQ(a.token->key_path, "gateway.auth.token");
  EXPECT_EQ(a.rate_limit.max_attempts, 3);
  EXPECT_EQ(a.rate_limit.window, Duration{30'000});
  EXPECT_EQ(a.rate_limit.lockout, Duration{600'000});
  EXPECT_FALSE(a.rate_limit.exempt_loopback);
  EXPECT_EQ(a.rate_limit.ipv6_prefix, 48);
  EXPECT_THAT(a.trusted_proxy.proxies, ::testing::ElementsAre("127.0.0.1/32", "::1"));
  EXPECT_EQ(a.trusted_proxy.user_header, "x-auth-user");
  EXPECT_THAT(a.trusted_proxy.required_headers, ::testing::ElementsAre("x-forwarded-proto"));
  EXPECT_THAT(a.trusted_proxy.allow_users, ::testing::ElementsAre("nick@example.com"));
  EXPECT_EQ(a.jwt.issuer, "https://issuer.example");
  EXPECT_EQ(a.jwt.audience, "warden");
  EXPECT_EQ(a.jwt.jwks_url, "https://issuer.example/.well-known/jwks.json");
  EXPECT_EQ(a.jwt.subject, "owner:acme:project:*");
  EXPECT_EQ(a.jwt.leeway, Duration{30'000});
}

TEST(ParseConfig, MapsTlsWithRelativePathsBesideTheConfigFile) {
  Config c = MustParse(kFullConfig);
  ASSERT_TRUE(c.gateway.tls.has_value());
  EXPECT_EQ(c.gateway.tls->cert, "/etc/warden/cert.pem");
  EXPECT_EQ(c.gateway.tls->key, "/etc/ssl/key.pem");
  EXPECT_EQ(c.gateway.tls->hsts, "max-age=31536000; includeSubDomains");
}

TEST(ParseConfig, MapsUpstream) {
  Config c = MustParse(kFullConfig);
  const UpstreamConfig& u = c.gateway.upstream;
  EXPECT_EQ(u.connect_timeout, Duration{3'000});
  EXPECT_EQ(u.first_byte_timeout, Duration{600'000});
  EXPECT_EQ(u.idle_timeout, Duration{60'000});
  EXPECT_EQ(u.max_connections_per_origin, 64);
  EXPECT_EQ(u.pool_idle_timeout, Duration{30'000});
}

TEST(ParseConfig, MapsWebSockets) {
  Config d = MustParse("");
  EXPECT_TRUE(d.gateway.websockets.enabled);
  EXPECT_EQ(d.gateway.websockets.idle_timeout, Duration{300'000});
  EXPECT_EQ(d.gateway.websockets.max_message_bytes, 16u << 20);
  Config c = MustParse(
      "[gateway.websockets]\nenabled = false\nidle_timeout = \"30s\"\n"
      "max_message_bytes = 65536\n"
      "[providers.p]\nbase_url = \"https://example.com/v1\"\nwebsockets = true\n");
  EXPECT_FALSE(c.gateway.websockets.enabled);
  EXPECT_EQ(c.gateway.websockets.idle_timeout, Duration{30'000});
  EXPECT_EQ(c.gateway.websockets.max_message_bytes, 65536u);
  ASSERT_EQ(c.providers.size(), 1u);
  EXPECT_TRUE(c.providers[0].websockets);
}

TEST(ParseConfig, MapsAccessLog) {
  EXPECT_TRUE(MustParse("").gateway.access_log);
  EXPECT_FALSE(MustParse("[gateway]\naccess_log = false\n").gateway.access_log);
  Error e = MustFail("[gateway]\naccess_log = \"off\"\n");
  EXPECT_THAT(e.message, HasSubstr("gateway.access_log"));
}

TEST(ParseConfig, RefusesWebSocketsOnAnthropicProviders) {
  Error e = MustFail(
      "[providers.a]\napi = \"anthropic\"\nbase_url = \"https://example.com/v1\"\n"
      "websockets = true\n");
  EXPECT_THAT(e.message, HasSubstr("providers.a.websockets: only OpenAI-wire providers"));
}

TEST(ParseConfig, MapsSecretProviders) {
  Config c = MustParse(kFullConfig);
  ASSERT_EQ(c.secret_providers.size(), 3u);
  const SecretProviderConfig& vault = c.secret_providers.at("vault");
  EXPECT_EQ(vault.alias, "vault");
  EXPECT_EQ(vault.source, SecretSource::kExec);
  EXPECT_EQ(vault.command, "/usr/local/bin/vault-resolver");
  EXPECT_THAT(vault.args, ::testing::ElementsAre("--profile", "prod"));
  EXPECT_THAT(vault.pass_env, ::testing::ElementsAre("VAULT_ADDR", "VAULT_TOKEN"));
  EXPECT_THAT(vault.trusted_dirs, ::testing::ElementsAre("/usr/local/bin"));
  EXPECT_EQ(vault.timeout, Duration{7'000});
  EXPECT_FALSE(vault.json_only);
  EXPECT_EQ(vault.max_output_bytes, 4096u);
  const SecretProviderConfig& file = c.secret_providers.at("filemain");
  EXPECT_EQ(file.source, SecretSource::kFile);
  EXPECT_EQ(file.path, "/home/u/.warden/secrets.json");
  EXPECT_EQ(file.mode, FileMode::kJson);
  EXPECT_THAT(c.secret_providers.at("envonly").allowlist, ::testing::ElementsAre("CF_AIG_TOKEN"));
}

TEST(ParseConfig, MapsProviderAndStripsTrailingSlash) {
  Config c = MustParse(kFullConfig);
  const ProviderConfig* cf = c.FindProvider("cf");
  ASSERT_NE(cf, nullptr);
  EXPECT_EQ(cf->api, Api::kAnthropic);
  EXPECT_EQ(cf->base_url, "https://gateway.ai.cloudflare.com/v1/ACCT/GW/anthropic");
  EXPECT_EQ(cf->enabled, std::optional<bool>(true));
  EXPECT_EQ(cf->env_prefix, "CLOUDFLARE");
}

TEST(ParseConfig, MapsKeysAsRefsOrLiteralsWithKeyPaths) {
  Config c = MustParse(kFullConfig);
  const ProviderConfig* cf = c.FindProvider("cf");
  ASSERT_NE(cf, nullptr);
  ASSERT_TRUE(cf->keys.has_value());
  ASSERT_EQ(cf->keys->size(), 3u);
  const auto& keys = *cf->keys;
  ASSERT_TRUE(keys[0].ref.has_value());
  EXPECT_EQ(keys[0].ref->Describe(), "exec:vault:anthropic/key");
  EXPECT_EQ(keys[0].key_path, "providers.cf.keys[0]");
  EXPECT_TRUE(keys[1].IsLiteral());
  EXPECT_EQ(keys[1].literal.Reveal(), "sk-literal");
  EXPECT_EQ(keys[1].key_path, "providers.cf.keys[1]");
  EXPECT_EQ(keys[2].ref->Describe(), "file:filemain:/anthropic/key");
}

TEST(ParseConfig, MapsHeadersWithPrefixAndKeyPath) {
  Config c = MustParse(kFullConfig);
  const ProviderConfig* cf = c.FindProvider("cf");
  ASSERT_NE(cf, nullptr);
  ASSERT_EQ(cf->headers.size(), 2u);
  const auto& [name, value] = cf->headers[0];
  EXPECT_EQ(name, "cf-aig-authorization");
  ASSERT_TRUE(value.ref.has_value());
  EXPECT_EQ(value.ref->Describe(), "env:envonly:CF_AIG_TOKEN");
  EXPECT_EQ(value.prefix, "Bearer ");
  EXPECT_EQ(value.key_path, "providers.cf.headers.cf-aig-authorization");
  EXPECT_EQ(cf->headers[1].first, "x-team");
  EXPECT_EQ(cf->headers[1].second.literal.Reveal(), "platform");
}

TEST(ParseConfig, MapsFederated) {
  Config c = MustParse(kFullConfig);
  const ProviderConfig* vercel = c.FindProvider("vercel");
  ASSERT_NE(vercel, nullptr);
  EXPECT_EQ(vercel->enabled, std::optional<bool>(false));
  ASSERT_TRUE(vercel->federated.has_value());
  const FederatedConfig& f = *vercel->federated;
  EXPECT_EQ(f.token->ref->Describe(), "env:default:VERCEL_OIDC_TOKEN");
  EXPECT_EQ(f.token_file, "/home/u/.warden/tokens/vercel.jwt");
  EXPECT_THAT(f.refresh_command,
              ::testing::ElementsAre("/usr/local/bin/fetch-oidc-token", "--aud", "vercel"));
  EXPECT_EQ(f.refresh_before, Duration{300'000});
  EXPECT_EQ(f.refresh_timeout, Duration{20'000});
  EXPECT_THAT(f.pass_env, ::testing::ElementsAre("HOME"));
  EXPECT_THAT(f.trusted_dirs, ::testing::ElementsAre("/usr/local/bin"));
}

TEST(ParseConfig, MapsOAuth) {
  Config c = MustParse(kFullConfig);
  const ProviderConfig* codex = c.FindProvider("codex");
  ASSERT_NE(codex, nullptr);
  ASSERT_TRUE(codex->oauth.has_value());
  EXPECT_EQ(codex->oauth->authorize_url, "https://auth.openai.com/oauth/authorize");
  EXPECT_EQ(codex->oauth->token_url, "https://auth.openai.com/oauth/token");
  EXPECT_EQ(codex->oauth->client_id, "app_123");
  EXPECT_THAT(codex->oauth->scopes,
              ::testing::ElementsAre("openid", "profile", "email", "offline_access"));
  EXPECT_EQ(codex->oauth->redirect_uri, "http://127.0.0.1:1455/auth/callback");
}

TEST(ParseConfig, KeepsProvidersInFileOrder) {
  Config c = MustParse(R"(
[providers.zeta]
base_url = "https://z.example"
[providers.alpha]
base_url = "https://a.example"
[providers.mid]
base_url = "https://m.example"
)");
  ASSERT_EQ(c.providers.size(), 3u);
  EXPECT_EQ(c.providers[0].id, "zeta");
  EXPECT_EQ(c.providers[1].id, "alpha");
  EXPECT_EQ(c.providers[2].id, "mid");
}

TEST(ParseConfig, EmptyTextGivesDocumentedDefaults) {
  Config c = MustParse("");
  EXPECT_EQ(c.gateway.bind, "127.0.0.1:8787");
  EXPECT_EQ(c.gateway.auth.mode, AuthMode::kToken);
  EXPECT_EQ(c.gateway.max_body_bytes, 32u << 20);
  EXPECT_FALSE(c.gateway.tls.has_value());
  EXPECT_TRUE(c.providers.empty());
  EXPECT_TRUE(c.reload.watch);
  EXPECT_EQ(c.gateway.auth.rate_limit.ipv6_prefix, 64);
}

TEST(ParseConfig, DefaultsApiToOpenAiAndEnvPrefixToId) {
  Config c = MustParse(R"(
[providers.my-prov]
base_url = "https://x.example"
[providers."eu.azure"]
base_url = "https://y.example"
)");
  ASSERT_EQ(c.providers.size(), 2u);
  EXPECT_EQ(c.providers[0].api, Api::kOpenAi);
  EXPECT_EQ(c.providers[0].env_prefix, "MY_PROV");
  EXPECT_EQ(c.providers[1].env_prefix, "EU_AZURE");
}

// ---- error reporting

TEST(ParseConfig, ParseErrorReportsFileLineAndColumn) {
  Error e = MustFail("[gateway]\nbind = \"127.0.0.1:1\"\nthreads = = 4\n");
  EXPECT_EQ(e.code, ErrorCode::kConfigInvalid);
  EXPECT_THAT(e.message, ::testing::StartsWith("/etc/warden/warden.toml:3:"));
  EXPECT_EQ(e.context, kOrigin);
}

TEST(ParseConfig, UnknownKeysNameFullPathAndSuggest) {
  struct Case {
    std::string_view toml;
    std::string_view expected;
  };
  const Case kCases[] = {
      {"[gateway]\nbnd = \"x\"", R"(unknown key "gateway.bnd" (did you mean "gateway.bind"?))"},
      {"[gatway]\n", R"(unknown key "gatway" (did you mean "gateway"?))"},
      {"[gateway.auth.rate_limit]\nmax_attempt = 3",
       R"(unknown key "gateway.auth.rate_limit.max_attempt" (did you mean "gateway.auth.rate_limit.max_attempts"?))"},
      {"[providers.p]\nbase_url = \"https://x\"\nkyes = []",
       R"(unknown key "providers.p.kyes" (did you mean "providers.p.keys"?))"},
      {"[providers.p]\nbase_url = \"https://x\"\n[providers.p.federated]\ntoken_fil = \"/t\"",
       R"(unknown key "providers.p.federated.token_fil" (did you mean "providers.p.federated.token_file"?))"},
      {"[reload]\nwatch = true\nfrobnicate = 1", R"(unknown key "reload.frobnicate")"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail(c.toml);
    EXPECT_THAT(e.message, HasSubstr(c.expected)) << c.toml;
  }
}

TEST(ParseConfig, UnknownKeyFarFromAnyKnownKeyHasNoSuggestion) {
  Error e = MustFail("[reload]\nfrobnicate = 1");
  EXPECT_THAT(e.message, Not(HasSubstr("did you mean")));
}

TEST(ParseConfig, UnknownKeyInSecretRefIsRefInvalid) {
  Error e = MustFail(WithProvider(
      R"([gateway.auth]
token = { source = "env", id = "T", idd = "x" })"));
  EXPECT_EQ(e.code, ErrorCode::kSecretRefInvalid);
  EXPECT_THAT(e.message, HasSubstr(R"(unknown key "gateway.auth.token.idd")"));
}

TEST(ParseConfig, WrongTypesNameTheExpectedType) {
  struct Case {
    std::string_view toml;
    std::string_view expected;
  };
  const Case kCases[] = {
      {"[gateway]\nthreads = \"4\"", "gateway.threads: expected an integer, got a string"},
      {"[gateway]\nbind = 8787", "gateway.bind: expected a string, got an integer"},
      {"[gateway]\nheader_timeout = 5", "gateway.header_timeout: expected a duration string"},
      {"[reload]\nwatch = \"yes\"", "reload.watch: expected a boolean"},
      {"gateway = 1", "gateway: expected a table, got an integer"},
      {"[providers.p]\nbase_url = \"https://x\"\nkeys = \"k\"",
       "providers.p.keys: expected an array"},
      {"[providers.p]\nbase_url = \"https://x\"\nkeys = [1]",
       "providers.p.keys[0]: expected a string or a SecretRef table"},
      {"[gateway.auth.trusted_proxy]\nproxies = [\"127.0.0.1\", 2]",
       "gateway.auth.trusted_proxy.proxies[1]: expected a string, got an integer"},
      {"[gateway]\nmax_body_bytes = -1", "gateway.max_body_bytes: must be between 0 and"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail(c.toml);
    EXPECT_THAT(e.message, HasSubstr(c.expected)) << c.toml;
  }
}

TEST(ParseConfig, CollectsAllProblemsIntoOneError) {
  Error e = MustFail(R"(
[gateway]
bnd = "x"
threads = -1
idle_timeout = "soon"
[providers.p]
base_url = "ftp://x.example"
)");
  EXPECT_EQ(e.code, ErrorCode::kConfigInvalid);
  EXPECT_EQ(e.context, kOrigin);
  EXPECT_THAT(e.message, HasSubstr(R"(unknown key "gateway.bnd")"));
  EXPECT_THAT(e.message, HasSubstr("gateway.threads: must be between 0"));
  EXPECT_THAT(e.message, HasSubstr("gateway.idle_timeout: invalid duration \"soon\""));
  EXPECT_THAT(e.message, HasSubstr("providers.p.base_url: must be an http:// or https:// URL"));
  EXPECT_EQ(std::count(e.message.begin(), e.message.end(), ';'), 3) << e.message;
}

TEST(ParseConfig, OneMistakeGivesOneMessage) {
  // A wrongly typed base_url must not also be reported as missing.
  Error e = MustFail("[providers.p]\nbase_url = 1");
  EXPECT_EQ(e.message, "providers.p.base_url: expected a string, got an integer");
}

TEST(ParseConfig, LoneSecretProblemKeepsItsCode) {
  Error e = MustFail(R"([gateway.auth]
token = { source = "env", id = "lower" })");
  EXPECT_EQ(e.code, ErrorCode::kSecretRefInvalid);
}

TEST(ParseConfig, MixedProblemsUseConfigInvalid) {
  Error e = MustFail(R"([gateway]
threads = -1
[gateway.auth]
token = { source = "env", id = "lower" })");
  EXPECT_EQ(e.code, ErrorCode::kConfigInvalid);
}

// ---- gateway

TEST(ParseConfig, RefusesModeNoneOnNonLoopbackBind) {
  for (std::string_view bind : {"0.0.0.0:8787", "[::]:8787", "192.168.1.5:80", "example.com:80"}) {
    Error e = MustFail("[gateway]\nbind = \"" + std::string(bind) +
                       "\"\n[gateway.auth]\nmode = \"none\"");
    EXPECT_THAT(e.message, HasSubstr("gateway.auth.mode = \"none\"")) << bind;
  }
}

TEST(ParseConfig, AllowsModeNoneOnLoopbackBind) {
  for (std::string_view bind :
       {"127.0.0.1:8787", "127.8.9.10:1", "[::1]:8787", "localhost:0", "[::ffff:127.0.0.1]:80"}) {
    Config c = MustParse("[gateway]\nbind = \"" + std::string(bind) +
                         "\"\n[gateway.auth]\nmode = \"none\"");
    EXPECT_EQ(c.gateway.auth.mode, AuthMode::kNone) << bind;
  }
}

TEST(ParseConfig, AllowsNonLoopbackBindWithTokenAuth) {
  Config c = MustParse("[gateway]\nbind = \"0.0.0.0:8787\"");
  EXPECT_EQ(c.gateway.bind, "0.0.0.0:8787");
}

TEST(ParseConfig, RefusesMalformedBind) {
  for (std::string_view bind : {"8787", "host:", "host:70000", "[::1", "[::1]8787", "::1:80", ":80",
                                "[nothost]:80", "host:-1", "a b:80"}) {
    Error e = MustFail("[gateway]\nbind = \"" + std::string(bind) + "\"");
    EXPECT_THAT(e.message, HasSubstr("gateway.bind: invalid bind")) << bind;
  }
}

TEST(ParseConfig, RefusesUnknownAuthMode) {
  Error e = MustFail("[gateway.auth]\nmode = \"open\"");
  EXPECT_THAT(e.message, HasSubstr("expected one of none, token, trusted-proxy, jwt"));
}

TEST(ParseConfig, RefusesOutOfRangeGatewayValues) {
  struct Case {
    std::string_view toml;
    std::string_view path;
  };
  const Case kCases[] = {
      {"[gateway]\nthreads = -1", "gateway.threads"},
      {"[gateway]\nmax_body_bytes = 0", "gateway.max_body_bytes"},
      {"[gateway]\nmax_header_bytes = 0", "gateway.max_header_bytes"},
      {"[gateway]\nmax_header_bytes = 4294967297", "gateway.max_header_bytes"},
      {"[gateway]\nmax_connections_per_client = 0", "gateway.max_connections_per_client"},
      {"[gateway]\nheader_timeout = \"0s\"", "gateway.header_timeout"},
      {"[gateway]\nshutdown_grace = \"-1s\"", "gateway.shutdown_grace"},
      {"[gateway.upstream]\nconnect_timeout = \"0ms\"", "gateway.upstream.connect_timeout"},
      {"[gateway.upstream]\nmax_connections_per_origin = 0",
       "gateway.upstream.max_connections_per_origin"},
      {"[gateway.websockets]\nidle_timeout = \"0s\"", "gateway.websockets.idle_timeout"},
      {"[gateway.websockets]\nmax_message_bytes = 10", "gateway.websockets.max_message_bytes"},
      {"[gateway.websockets]\nmax_message_bytes = 2147483648",
       "gateway.websockets.max_message_bytes"},
      {"[gateway.auth.rate_limit]\nmax_attempts = 0", "gateway.auth.rate_limit.max_attempts"},
      {"[gateway.auth.rate_limit]\nlockout = \"0s\"", "gateway.auth.rate_limit.lockout"},
      {"[gateway.auth.rate_limit]\nmax_attempts = 101", "gateway.auth.rate_limit.max_attempts"},
      {"[gateway.auth.rate_limit]\nipv6_prefix = 31", "gateway.auth.rate_limit.ipv6_prefix"},
      {"[gateway.auth.rate_limit]\nipv6_prefix = 129", "gateway.auth.rate_limit.ipv6_prefix"},
      {"[gateway.auth.rate_limit]\nipv6_prefix = -64", "gateway.auth.rate_limit.ipv6_prefix"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail(c.toml);
    EXPECT_THAT(e.message, ::testing::StartsWith(std::string(c.path) + ":")) << c.toml;
  }
}

TEST(ParseConfig, AcceptsTheIpv6PrefixRangeEnds) {
  EXPECT_EQ(
      MustParse("[gateway.auth.rate_limit]\nipv6_prefix = 32").gateway.auth.rate_limit.ipv6_prefix,
      32);
  EXPECT_EQ(
      MustParse("[gateway.auth.rate_limit]\nipv6_prefix = 128").gateway.auth.rate_limit.ipv6_prefix,
      128);
  Error e = MustFail("[gateway.auth.rate_limit]\nipv6_prefix = 16");
  EXPECT_THAT(e.message, HasSubstr("must be between 32 and 128"));
  Error t = MustFail("[gateway.auth.rate_limit]\nipv6_prefix = \"64\"");
  EXPECT_THAT(t.message, HasSubstr("gateway.auth.rate_limit.ipv6_prefix"));
}

TEST(ParseConfig, RefusesTlsCertWithoutKey) {
  Error e = MustFail("[gateway.tls]\ncert = \"/c.pem\"");
  EXPECT_THAT(e.message, HasSubstr("must be set together"));
}

TEST(ParseConfig, TreatsEmptyTlsTableAsNoTls) {
  Config c = MustParse("[gateway.tls]\n");
  EXPECT_FALSE(c.gateway.tls.has_value());
}

TEST(ParseConfig, TrustedProxyModeNeedsValidProxies) {
  Error missing = MustFail("[gateway.auth]\nmode = \"trusted-proxy\"");
  EXPECT_THAT(missing.message, HasSubstr("gateway.auth.trusted_proxy.proxies: required"));
  Error bad = MustFail("[gateway.auth.trusted_proxy]\nproxies = [\"10.0.0.0/33\"]");
  EXPECT_THAT(bad.message, HasSubstr("gateway.auth.trusted_proxy.proxies[0]: \"10.0.0.0/33\": "
                                     "prefix length must be 0..32"));
  Error host_bits = MustFail("[gateway.auth.trusted_proxy]\nproxies = [\"10.0.0.1/8\"]");
  EXPECT_THAT(host_bits.message, HasSubstr("did you mean \"10.0.0.0/8\" or \"10.0.0.1\"?"));
  Error name = MustFail("[gateway.auth.trusted_proxy]\nproxies = [\"::1\", \"proxy.local\"]");
  EXPECT_THAT(name.message,
              HasSubstr("gateway.auth.trusted_proxy.proxies[1]: \"proxy.local\": not an IP"));
}

TEST(ParseConfig, TrustedProxyRefusesCredentialHeaderAndBlankUsers) {
  Error e = MustFail(
      "[gateway.auth.trusted_proxy]\nproxies = [\"10.0.0.1\"]\nuser_header = \"Authorization\"\n"
      "allow_users = [\"nick\", \" \", \"a\\u0001b\"]");
  EXPECT_THAT(e.message, HasSubstr("gateway.auth.trusted_proxy.user_header: \"Authorization\" "
                                   "carries caller credentials"));
  EXPECT_THAT(e.message,
              HasSubstr("gateway.auth.trusted_proxy.allow_users[1]: must be a non-empty"));
  EXPECT_THAT(e.message,
              HasSubstr("gateway.auth.trusted_proxy.allow_users[2]: contains a control character"));
}

TEST(ParseConfig, TrustedProxyModeAllowsNonLoopbackBind) {
  Config c = MustParse(
      "[gateway]\nbind = \"0.0.0.0:8787\"\n[gateway.auth]\nmode = \"trusted-proxy\"\n"
      "[gateway.auth.trusted_proxy]\nproxies = [\"10.0.0.5\", \"::ffff:10.0.0.6\"]");
  EXPECT_EQ(c.gateway.auth.mode, AuthMode::kTrustedProxy);
}

TEST(ParseConfig, JwtModeNeedsIssuerAndAudience) {
  Error e = MustFail("[gateway.auth]\nmode = \"jwt\"");
  EXPECT_THAT(e.message, HasSubstr("gateway.auth.jwt.issuer: required"));
  EXPECT_THAT(e.message, HasSubstr("gateway.auth.jwt.audience: required"));
}

TEST(ParseConfig, JwtModeDefaultsToDiscoveryAndSixtySecondsLeeway) {
  Config c = MustParse(
      "[gateway.auth]\nmode = \"jwt\"\n[gateway.auth.jwt]\nissuer = "
      "\"https://token.actions.githubusercontent.com\"\naudience = \"warden\"");
  EXPECT_TRUE(c.gateway.auth.jwt.jwks_url.empty());
  EXPECT_TRUE(c.gateway.auth.jwt.jwks_file.empty());
  EXPECT_EQ(c.gateway.auth.jwt.leeway, Duration{60'000});
  // http is fine for a loopback issuer (tests, a local IdP).
  MustParse(
      "[gateway.auth]\nmode = \"jwt\"\n[gateway.auth.jwt]\nissuer = \"http://127.0.0.1:9\"\n"
      "audience = \"warden\"");
}

TEST(ParseConfig, JwtKeySourcesMustBeHttpsExceptOnLoopback) {
  struct Case {
    std::string_view jwt;
    std::string_view message_part;
  };
  const Case kCases[] = {
      {"issuer = \"http://issuer.example\"\naudience = \"a\"",
       "gateway.auth.jwt.issuer: must be an https:// URL (http:// only for a loopback host)"},
      {"issuer = \"https://i\"\naudience = \"a\"\njwks_url = \"http://10.0.0.1/jwks\"",
       "gateway.auth.jwt.jwks_url: must be an https:// URL"},
      {"issuer = \"https://i\"\naudience = \"a\"\njwks_url = \"ftp://i/jwks\"",
       "gateway.auth.jwt.jwks_url: must be an http:// or https:// URL"},
      {"issuer = \"https://i\"\naudience = \"a\"\njwks_url = \"https://i/k\"\njwks_file = "
       "\"/k.json\"",
       "gateway.auth.jwt.jwks_file: set jwks_url or jwks_file, not both"},
      {"issuer = \"https://i\"\naudience = \"a\"\nleeway = \"10m\"",
       "gateway.auth.jwt.leeway: must be between 0s and 5m"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail("[gateway.auth]\nmode = \"jwt\"\n[gateway.auth.jwt]\n" + std::string(c.jwt));
    EXPECT_THAT(e.message, HasSubstr(c.message_part)) << c.jwt;
  }
}

TEST(ParseConfig, MapsJwtCallers) {
  Config c = MustParse(
      "[gateway.auth]\nmode = \"jwt\"\n[gateway.auth.jwt]\nissuer = \"https://i\"\naudience = "
      "\"a\"\n[callers.deploy]\njwt_subject = \"repo:acme/*\"\njwt_claims = { workflow = "
      "\"deploy*\", repository = \"acme/app\" }\n[callers.any]\njwt_claims = { ref = "
      "\"refs/heads/main\" }");
  ASSERT_EQ(c.callers.size(), 2u);
  EXPECT_EQ(c.callers[0].jwt_subject, "repo:acme/*");
  ASSERT_EQ(c.callers[0].jwt_claims.size(), 2u);
  EXPECT_EQ(c.callers[0].jwt_claims[0],
            (std::pair<std::string, std::string>{"workflow", "deploy*"}));
  EXPECT_EQ(c.callers[0].jwt_claims[1].first, "repository");
  EXPECT_FALSE(c.callers[1].jwt_subject);
  EXPECT_EQ(c.callers[1].jwt_claims.size(), 1u);
}

// ---- secret inputs

TEST(ParseConfig, AcceptsLiteralGatewayToken) {
  Config c = MustParse("[gateway.auth]\ntoken = \"hunter2-long-token\"");
  ASSERT_TRUE(c.gateway.auth.token.has_value());
  EXPECT_TRUE(c.gateway.auth.token->IsLiteral());
  EXPECT_EQ(c.gateway.auth.token->literal.Reveal(), "hunter2-long-token");
}

TEST(ParseConfig, RefusesMalformedRefs) {
  struct Case {
    std::string_view ref;
    std::string_view expected;
  };
  const Case kCases[] = {
      {R"({ source = "vault", id = "X" })", "token.source: must be env, file or exec"},
      {R"({ id = "X" })", "token.source: missing"},
      {R"({ source = "env" })", "token.id: missing"},
      {R"({ source = "env", id = "lower_case" })", "token.id: env ids"},
      {R"({ source = "env", id = "1ABC" })", "token.id: env ids"},
      {R"({ source = "env", provider = "Vault", id = "X" })", "token.provider: alias must match"},
      {R"({ source = "env", id = 5 })", "token.id: expected a string"},
      {R"({ source = "file", provider = "f", id = "no/slash" })", "token.id: must be an RFC 6901"},
      {R"({ source = "file", provider = "f", id = "/a~2b" })", "token.id: must be an RFC 6901"},
      {R"({ source = "exec", provider = "x", id = "a/../b" })", "token.id: exec ids"},
      {R"({ source = "exec", provider = "x", id = "./a" })", "token.id: exec ids"},
      {R"({ source = "exec", provider = "x", id = "-a" })", "token.id: exec ids"},
      {R"({ source = "exec", provider = "x", id = "a b" })", "token.id: exec ids"},
  };
  const std::string providers = R"(
[secrets.providers.f]
source = "file"
path = "/s.json"
[secrets.providers.x]
source = "exec"
command = "/bin/resolver"
)";
  for (const Case& c : kCases) {
    Error e = MustFail("[gateway.auth]\ntoken = " + std::string(c.ref) + providers);
    EXPECT_EQ(e.code, ErrorCode::kSecretRefInvalid) << c.ref << " → " << e.ToString();
    EXPECT_THAT(e.message, HasSubstr("gateway.auth." + std::string(c.expected))) << c.ref;
  }
}

TEST(ParseConfig, AcceptsWellFormedRefs) {
  Config c = MustParse(R"(
[secrets.providers.f]
source = "file"
path = "/s.json"
[secrets.providers.one]
source = "file"
path = "/token"
mode = "single_value"
[secrets.providers.x]
source = "exec"
command = "/bin/resolver"
[providers.p]
base_url = "https://x.example"
keys = [
  { source = "env", id = "_A1" },
  { source = "file", provider = "f", id = "/a~0b/c~1d/0" },
  { source = "file", provider = "one", id = "value" },
  { source = "exec", provider = "x", id = "op://vault/item#field" },
  { source = "exec", provider = "x", id = "a.b/c..d" },
]
)");
  ASSERT_EQ(c.providers[0].keys->size(), 5u);
}

TEST(ParseConfig, SingleValueFileProviderNeedsIdValue) {
  Error e = MustFail(R"(
[secrets.providers.one]
source = "file"
path = "/token"
mode = "single_value"
[gateway.auth]
token = { source = "file", provider = "one", id = "/a" }
)");
  EXPECT_EQ(e.code, ErrorCode::kSecretRefInvalid);
  EXPECT_THAT(e.message, HasSubstr("must be \"value\""));
}

TEST(ParseConfig, UnconfiguredProviderListsConfiguredAliases) {
  Error e = MustFail(R"(
[secrets.providers.filemain]
source = "file"
path = "/s.json"
[secrets.providers.other]
source = "exec"
command = "/bin/r"
[providers.cf]
base_url = "https://x.example"
keys = [ { source = "exec", provider = "vault", id = "anthropic/key" } ]
)");
  EXPECT_EQ(e.code, ErrorCode::kSecretProviderNotConfigured);
  EXPECT_THAT(e.message, HasSubstr("providers.cf.keys[0].provider: secret provider \"vault\""));
  EXPECT_THAT(e.message, HasSubstr("configured: filemain, other"));
}

TEST(ParseConfig, ProviderWithOtherSourceIsNotConfigured) {
  Error e = MustFail(R"(
[secrets.providers.vault]
source = "file"
path = "/s.json"
[gateway.auth]
token = { source = "exec", provider = "vault", id = "k" }
)");
  EXPECT_EQ(e.code, ErrorCode::kSecretProviderNotConfigured);
  EXPECT_THAT(e.message, HasSubstr("has source = \"file\""));
}

TEST(ParseConfig, DefaultAliasNeedsAnEntryForFileAndExecOnly) {
  MustParse(R"([gateway.auth]
token = { source = "env", provider = "default", id = "TOKEN" })");
  for (std::string_view ref :
       {R"({ source = "file", id = "/k" })", R"({ source = "exec", id = "k" })"}) {
    Error e = MustFail("[gateway.auth]\ntoken = " + std::string(ref));
    EXPECT_EQ(e.code, ErrorCode::kSecretProviderNotConfigured) << ref << ": " << e.ToString();
  }
  Config c = MustParse(R"(
[secrets.providers.default]
source = "file"
path = "~/secrets.json"
[gateway.auth]
token = { source = "file", id = "/gateway" })");
  EXPECT_EQ(c.gateway.auth.token->ref->Describe(), "file:default:/gateway");
}

TEST(ParseConfig, EnvProviderAllowlistIsEnforced) {
  Error e = MustFail(R"(
[secrets.providers.envonly]
source = "env"
allowlist = ["ALLOWED"]
[gateway.auth]
token = { source = "env", provider = "envonly", id = "OTHER" }
)");
  EXPECT_EQ(e.code, ErrorCode::kSecretRefInvalid);
  EXPECT_THAT(e.message, HasSubstr("not in the allowlist"));
}

// ---- never print a secret

constexpr std::string_view kPlanted = "sk-planted-XYZ";

TEST(ParseConfig, NeverPrintsALiteralSecret) {
  const std::string kCases[] = {
      // A literal key in an otherwise invalid config.
      "[gateway]\nbnd = 1\n[providers.p]\nbase_url = \"ftp://x\"\nkeys = [\"sk-planted-XYZ\"]",
      // A literal header value with a control character.
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.headers]\nx-k = \"sk-planted-XYZ\\n\"",
      // A value pasted where an id belongs.
      "[gateway.auth]\ntoken = { source = \"env\", id = \"sk-planted-XYZ\" }",
      "[gateway.auth]\ntoken = { source = \"exec\", provider = \"v\", id = \"sk-planted-XYZ \" }",
      // A value under a misspelled key, or with the wrong type around it.
      "[providers.p]\nbase_url = \"https://x\"\nkyes = [\"sk-planted-XYZ\"]",
      "[providers.p]\nbase_url = \"https://x\"\nkeys = \"sk-planted-XYZ\"",
      "[gateway.auth]\ntoken = { source = \"env\", id = \"T\", value = \"sk-planted-XYZ\" }",
      // A key in a base_url.
      "[providers.p]\nbase_url = \"https://u:sk-planted-XYZ@x.example\"",
      "[providers.p]\nbase_url = \"https://x.example/?key=sk-planted-XYZ\"",
      // A parse error next to it.
      "[providers.p]\nkeys = [\"sk-planted-XYZ\" \"b\"]",
      "[providers.p]\nkeys = [\"sk-planted-XYZ",
  };
  for (const std::string& toml : kCases) {
    Error e = MustFail(toml);
    EXPECT_THAT(e.ToString(), Not(HasSubstr(kPlanted))) << toml;
    EXPECT_THAT(e.ToString(), Not(HasSubstr("planted"))) << toml;
  }
}

TEST(ParseConfig, LiteralHeaderValueWithControlCharIsValueInvalid) {
  Error e = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.headers]\nx-k = \"a\\u0007b\"");
  EXPECT_EQ(e.code, ErrorCode::kSecretValueInvalid);
  EXPECT_THAT(e.message, HasSubstr("providers.p.headers.x-k: literal value contains a control"));
}

// ---- providers

TEST(ParseConfig, RefusesBadProviderIds) {
  for (std::string_view id : {"Upper", "-lead", "a/b", "a@b", "a b"}) {
    Error e = MustFail("[providers.\"" + std::string(id) + "\"]\nbase_url = \"https://x\"");
    EXPECT_THAT(e.message, HasSubstr("provider id must match")) << id;
  }
}

TEST(ParseConfig, RefusesBadBaseUrls) {
  struct Case {
    std::string_view url;
    std::string_view expected;
  };
  const Case kCases[] = {
      {"", "required"},
      {"api.openai.com/v1", "not an absolute URL"},
      {"ftp://x.example", "http:// or https://"},
      {"https://", "no host"},
      {"https://u:p@x.example", "user:password"},
      {"https://x.example/v1?x=1", "?query"},
      {"https://x.example/v1#f", "#fragment"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail("[providers.p]\nbase_url = \"" + std::string(c.url) + "\"");
    EXPECT_THAT(e.message, HasSubstr("providers.p.base_url: ")) << c.url;
    EXPECT_THAT(e.message, HasSubstr(c.expected)) << c.url;
  }
}

TEST(ParseConfig, MissingBaseUrlIsRequired) {
  Error e = MustFail("[providers.p]\napi = \"openai\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.base_url: required"));
}

TEST(ParseConfig, RefusesUnknownApi) {
  Error e = MustFail("[providers.p]\nbase_url = \"https://x\"\napi = \"gemini\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.api: unknown api \"gemini\""));
}

TEST(ParseConfig, RefusesBadEnvPrefix) {
  Error e = MustFail("[providers.p]\nbase_url = \"https://x\"\nenv_prefix = \"my-prefix\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.env_prefix"));
}

TEST(ParseConfig, RefusesReservedAndInvalidHeaderNames) {
  for (std::string_view name :
       {"Host", "content-length", "Transfer-Encoding", "connection", "keep-alive", "upgrade", "te",
        "trailer", "proxy-authorization", "\"bad name\"", "\"x:y\""}) {
    Error e = MustFail("[providers.p]\nbase_url = \"https://x\"\n[providers.p.headers]\n" +
                       std::string(name) + " = \"v\"");
    EXPECT_THAT(e.message, HasSubstr("providers.p.headers.")) << name;
    EXPECT_THAT(e.message, ::testing::AnyOf(HasSubstr("managed by the proxy"),
                                            HasSubstr("not a valid HTTP header name")))
        << name;
  }
}

TEST(ParseConfig, RefusesDuplicateHeaderNamesIgnoringCase) {
  Error e = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.headers]\nX-A = \"1\"\nx-a = \"2\"");
  EXPECT_THAT(e.message, HasSubstr("duplicate header"));
}

TEST(ParseConfig, FederatedNeedsTokenOrTokenFile) {
  Error e = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.federated]\nrefresh_before = \"5m\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.federated: set token"));
}

TEST(ParseConfig, FederatedRefreshCommandMustBeAbsoluteArgv) {
  Error relative = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.federated]\ntoken_file = \"/t\"\n"
      "refresh_command = [\"fetch-token\"]");
  EXPECT_THAT(relative.message, HasSubstr("providers.p.federated.refresh_command[0]: must be an "
                                          "absolute path"));
  Error empty = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.federated]\ntoken_file = \"/t\"\n"
      "refresh_command = []");
  EXPECT_THAT(empty.message, HasSubstr("providers.p.federated.refresh_command: must not be empty"));
  Error untrusted = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.federated]\ntoken_file = \"/t\"\n"
      "refresh_command = [\"/tmp/evil\"]\ntrusted_dirs = [\"/usr/local/bin\"]");
  EXPECT_THAT(untrusted.message, HasSubstr("is not inside any of trusted_dirs"));
}

TEST(ParseConfig, FederatedTokenFileMustBeAbsolute) {
  Error e = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.federated]\ntoken_file = \"t.jwt\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.federated.token_file: must be an absolute path"));
}

TEST(ParseConfig, OAuthNeedsEndpointsAndClientId) {
  Error e = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.oauth]\nauthorize_url = \"nope\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.oauth.authorize_url: not an absolute URL"));
  EXPECT_THAT(e.message, HasSubstr("providers.p.oauth.token_url: required"));
  EXPECT_THAT(e.message, HasSubstr("providers.p.oauth.client_id: required"));
}

TEST(ParseConfig, OAuthEndpointsAreHttpsExceptOnLoopback) {
  Error e = MustFail(
      "[providers.p]\nbase_url = \"https://x\"\n[providers.p.oauth]\n"
      "authorize_url = \"http://auth.example/authorize\"\n"
      "token_url = \"http://127.0.0.1:9/token\"\nclient_id = \"c\"\n"
      "redirect_uri = \"http://cb.example/cb\"");
  EXPECT_THAT(e.message, HasSubstr("providers.p.oauth.authorize_url: must be https://"));
  EXPECT_THAT(e.message, HasSubstr("providers.p.oauth.redirect_uri: must be https://"));
  EXPECT_THAT(e.message, Not(HasSubstr("providers.p.oauth.token_url")));
}

// ---- secret providers

TEST(ParseConfig, RefusesBadSecretProviders) {
  struct Case {
    std::string_view body;
    std::string_view expected;
  };
  const Case kCases[] = {
      {"source = \"vault\"", "secrets.providers.s.source: must be env, file or exec"},
      {"command = \"/bin/x\"", "secrets.providers.s.source: required"},
      {"source = \"exec\"", "secrets.providers.s.command: required"},
      {"source = \"exec\"\ncommand = \"resolver\"",
       "secrets.providers.s.command: must be an absolute"},
      {"source = \"exec\"\ncommand = \"/opt/r\"\ntrusted_dirs = [\"/usr/bin\"]",
       "secrets.providers.s.command: is not inside any of trusted_dirs"},
      {"source = \"exec\"\ncommand = \"/usr/bin/../../tmp/r\"\ntrusted_dirs = [\"/usr/bin\"]",
       "secrets.providers.s.command: is not inside any of trusted_dirs"},
      {"source = \"exec\"\ncommand = \"/bin/r\"\ntrusted_dirs = [\"bin\"]",
       "secrets.providers.s.trusted_dirs[0]: must be an absolute"},
      {"source = \"exec\"\ncommand = \"/bin/r\"\ntimeout = \"0s\"", "secrets.providers.s.timeout"},
      {"source = \"exec\"\ncommand = \"/bin/r\"\nmax_output_bytes = 0",
       "secrets.providers.s.max_output_bytes"},
      {"source = \"exec\"\ncommand = \"/bin/r\"\npass_env = [\"lower\"]",
       "secrets.providers.s.pass_env[0]"},
      {"source = \"exec\"\ncommand = \"/bin/r\"\npath = \"/x\"",
       "secrets.providers.s.path: only valid with source = \"file\""},
      {"source = \"file\"", "secrets.providers.s.path: required"},
      {"source = \"file\"\npath = \"secrets.json\"",
       "secrets.providers.s.path: must be an absolute"},
      {"source = \"file\"\npath = \"/s.json\"\nmode = \"yaml\"", "secrets.providers.s.mode"},
      {"source = \"file\"\npath = \"/s.json\"\ncommand = \"/bin/x\"",
       "secrets.providers.s.command: only valid with source = \"exec\""},
      {"source = \"env\"\nallowlist = [\"ok\"]", "secrets.providers.s.allowlist[0]"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail("[secrets.providers.s]\n" + std::string(c.body));
    EXPECT_THAT(e.message, HasSubstr(c.expected)) << c.body;
  }
}

TEST(ParseConfig, TrustedDirsAreJudgedWithSymlinksResolved) {
  test_util::TempDir dir;
  const std::string trusted = dir.MakeDir("trusted");
  const std::string elsewhere = dir.MakeDir("elsewhere");
  ASSERT_EQ(::symlink(elsewhere.c_str(), (trusted + "/escape").c_str()), 0);
  ASSERT_EQ(::symlink(trusted.c_str(), dir.Join("alias").c_str()), 0);
  auto exec = [&](const std::string& command, const std::string& trusted_dir) {
    return "[secrets.providers.s]\nsource = \"exec\"\ncommand = \"" + command +
           "\"\ntrusted_dirs = [\"" + trusted_dir + "\"]\n";
  };
  // A symlinked directory inside trusted_dirs that points elsewhere, and ".." through it.
  for (const std::string& command : {trusted + "/escape/r", trusted + "/escape/../r"}) {
    Error e = MustFail(exec(command, trusted));
    EXPECT_THAT(e.message, HasSubstr("secrets.providers.s.command: is not inside any of "
                                     "trusted_dirs"))
        << command;
  }
  // A trusted directory reached through a symlink is still that directory.
  MustParse(exec(trusted + "/r", dir.Join("alias")));
  MustParse(exec(dir.Join("alias/r"), trusted));
}

TEST(ParseConfig, RefusesBadSecretProviderAlias) {
  Error e = MustFail("[secrets.providers.Vault]\nsource = \"env\"");
  EXPECT_THAT(e.message, HasSubstr("secrets.providers.Vault: alias must match"));
}

TEST(ParseConfig, ExpandsHomeInExecPaths) {
  Config c = MustParse(
      "[secrets.providers.s]\nsource = \"exec\"\ncommand = \"~/bin/r\"\ntrusted_dirs = "
      "[\"~/bin\"]");
  EXPECT_EQ(c.secret_providers.at("s").command, "/home/u/bin/r");
  EXPECT_THAT(c.secret_providers.at("s").trusted_dirs, ::testing::ElementsAre("/home/u/bin"));
}

// ---- ExpandHome

TEST(ExpandHome, ExpandsOnlyALeadingTilde) {
  struct Case {
    std::string_view home;
    std::string_view in;
    std::string_view out;
  };
  const Case kCases[] = {
      {"/home/u", "~", "/home/u"},
      {"/home/u", "~/", "/home/u/"},
      {"/home/u", "~/.warden/x", "/home/u/.warden/x"},
      {"/home/u/", "~/x", "/home/u/x"},
      {"/home/u", "~other/x", "~other/x"},
      {"/home/u", "/abs/~/x", "/abs/~/x"},
      {"/home/u", "rel/x", "rel/x"},
      {"/home/u", "", ""},
      {"", "~/x", "~/x"},
  };
  for (const Case& c : kCases) {
    MapEnvironment env;
    if (!c.home.empty()) env.Set("HOME", std::string(c.home));
    EXPECT_EQ(ExpandHome(c.in, env), c.out) << c.home << " " << c.in;
  }
}

TEST(ExpandHome, LeavesPathWhenHomeUnset) {
  MapEnvironment env;
  EXPECT_EQ(ExpandHome("~/x", env), "~/x");
}

// ---- LoadConfigFile

class LoadConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden_loader_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::remove((dir_ + "/warden.toml").c_str());
    ::rmdir(dir_.c_str());
  }
  // Mode 0644 whatever the umask: readable by others is fine for a config, writable is not.
  std::string Write(std::string_view text, mode_t mode = 0644) {
    std::string path = dir_ + "/warden.toml";
    FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string dir_;
};

TEST_F(LoadConfigFileTest, ReadsFileAndRecordsOrigin) {
  std::string path = Write("[gateway]\nbind = \"127.0.0.1:9999\"\n");
  Result<Config> c = LoadConfigFile(path, TestEnv());
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->gateway.bind, "127.0.0.1:9999");
  EXPECT_EQ(c->origin, path);
}

TEST_F(LoadConfigFileTest, MissingFileIsIoError) {
  Result<Config> c = LoadConfigFile(dir_ + "/absent.toml", TestEnv());
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kIoError);
  EXPECT_THAT(c.error().message, HasSubstr("absent.toml"));
}

TEST_F(LoadConfigFileTest, RefusesAConfigGroupOrOthersCanWrite) {
  for (mode_t mode : {0664, 0666, 0620, 0602}) {
    std::string path = Write("[gateway]\nbind = \"127.0.0.1:9999\"\n", mode);
    Result<Config> c = LoadConfigFile(path, TestEnv());
    ASSERT_FALSE(c.has_value()) << std::oct << mode;
    EXPECT_EQ(c.error().code, ErrorCode::kFileInsecure);
    EXPECT_THAT(c.error().message, HasSubstr("config file " + path));
    EXPECT_THAT(c.error().message, HasSubstr("chmod go-w " + path));
    EXPECT_EQ(c.error().context, path);
  }
}

TEST_F(LoadConfigFileTest, RefusesAConfigOwnedByAnotherUser) {
  std::string path = Write("[gateway]\nbind = \"127.0.0.1:9999\"\n");
  if (geteuid() != 0 || ::chown(path.c_str(), 65534, -1) != 0) {
    GTEST_SKIP() << "needs root to create a file owned by another user";
  }
  Result<Config> c = LoadConfigFile(path, TestEnv());
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kFileInsecure);
  EXPECT_THAT(c.error().message, HasSubstr("owned by uid 65534"));
}

TEST_F(LoadConfigFileTest, ParseErrorNamesTheFile) {
  std::string path = Write("[gateway\n");
  Result<Config> c = LoadConfigFile(path, TestEnv());
  ASSERT_FALSE(c.has_value());
  EXPECT_THAT(c.error().message, ::testing::StartsWith(path + ":1:"));
  EXPECT_EQ(c.error().context, path);
}

// ---- the enum spellings

TEST(SecretSourceNames, RoundTripAndRefuseOtherSpellings) {
  for (SecretSource source : {SecretSource::kEnv, SecretSource::kFile, SecretSource::kExec}) {
    EXPECT_EQ(ParseSecretSource(SecretSourceName(source)), source);
  }
  EXPECT_EQ(SecretSourceName(SecretSource::kExec), "exec");
  for (std::string_view name : {"", "store", "vault", "ENV", "env "}) {
    EXPECT_FALSE(ParseSecretSource(name).has_value()) << name;
  }
}

TEST(FileModeNames, RoundTripAndRefuseOtherSpellings) {
  for (FileMode mode : {FileMode::kJson, FileMode::kSingleValue}) {
    EXPECT_EQ(ParseFileMode(FileModeName(mode)), mode);
  }
  EXPECT_EQ(FileModeName(FileMode::kSingleValue), "single_value");
  for (std::string_view name : {"", "yaml", "JSON", "single-value"}) {
    EXPECT_FALSE(ParseFileMode(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace warden::config

// ---- [callers]

namespace warden::config {
namespace {

constexpr std::string_view kDigestA =
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

TEST(ParseConfig, MapsCallersInFileOrder) {
  Config c = MustParse(WithProvider(R"(
[callers.zeta]
tokens = [ { source = "env", id = "ZETA_TOKEN" }, "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" ]
providers = ["p"]
models = ["p/gpt-4o*"]
[callers.alpha]
tokens = [ { source = "env", id = "ALPHA_TOKEN" } ]
proxy_users = ["*@example.com"]
)"));
  ASSERT_EQ(c.callers.size(), 2u);
  EXPECT_EQ(c.callers[0].name, "zeta");
  ASSERT_EQ(c.callers[0].tokens.size(), 2u);
  EXPECT_FALSE(c.callers[0].tokens[0].IsLiteral());
  EXPECT_EQ(c.callers[0].tokens[1].literal.Reveal(), kDigestA);
  EXPECT_EQ(c.callers[0].tokens[1].key_path, "callers.zeta.tokens[1]");
  EXPECT_EQ(c.callers[0].providers, std::vector<std::string>{"p"});
  ASSERT_TRUE(c.callers[0].models);
  EXPECT_EQ(*c.callers[0].models, std::vector<std::string>{"p/gpt-4o*"});
  EXPECT_EQ(c.callers[1].name, "alpha");
  EXPECT_FALSE(c.callers[1].models);
  EXPECT_EQ(c.callers[1].proxy_users, std::vector<std::string>{"*@example.com"});
}

TEST(ParseConfig, RefusesBadCallers) {
  struct Case {
    std::string_view what;
    std::string_view toml;
    std::string_view message_part;
  };
  const Case kCases[] = {
      {"plaintext token", "[callers.ci]\ntokens = [\"wdn_plaintext_secret\"]",
       "callers.ci.tokens[0]: a plaintext token is not accepted here (value not shown)"},
      {"short digest", "[callers.ci]\ntokens = [\"sha256:abcd\"]",
       "callers.ci.tokens[0]: a digest must be \"sha256:\" followed by 64 lower-case hex"},
      {"same digest twice",
       "[callers.a]\ntokens = "
       "[\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]\n"
       "[callers.b]\ntokens = "
       "[\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]",
       "callers.b.tokens[0]: the same token digest is already used by callers.a.tokens[0]"},
      {"unknown provider",
       "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\nproviders = [\"p\", \"nope\"]",
       "callers.ci.providers[1]: unknown provider \"nope\" (configured: p)"},
      {"no tokens in token mode", "[callers.ci]\nproviders = [\"p\"]",
       "callers.ci.tokens: required in token mode"},
      {"bad name", "[callers.CI]\ntokens = [{ source = \"env\", id = \"T\" }]",
       "callers.CI: caller name must match ^[a-z0-9_-]{1,64}$"},
      {"reserved name", "[callers.gateway]\ntokens = [{ source = \"env\", id = \"T\" }]",
       "callers.gateway: \"gateway\" is reserved"},
      {"no recognition in jwt mode",
       "[gateway.auth]\nmode = \"jwt\"\n[gateway.auth.jwt]\nissuer = \"https://i\"\naudience = "
       "\"a\"\n[callers.ci]\nproviders = [\"p\"]",
       "callers.ci.jwt_subject: required in jwt mode (or jwt_claims)"},
      {"empty jwt_claims",
       "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\njwt_claims = {}",
       "callers.ci.jwt_claims: must list at least one claim"},
      {"non-string jwt claim",
       "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\njwt_claims = { run = 7 }",
       "callers.ci.jwt_claims.run: expected a string"},
      {"empty jwt_subject",
       "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\njwt_subject = \"\"",
       "callers.ci.jwt_subject: must be a non-empty pattern"},
      {"profiles", "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\nprofiles = [\"x\"]",
       "callers.ci.profiles[0]: must be a glob on profile ids \"provider:name\""},
      {"empty model glob",
       "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\nmodels = [\"\"]",
       "callers.ci.models[0]: must be a non-empty glob"},
      {"unknown key", "[callers.ci]\ntokens = [{ source = \"env\", id = \"T\" }]\nmodel = [\"x\"]",
       "unknown key \"callers.ci.model\""},
      {"mode none", "[gateway.auth]\nmode = \"none\"\n[callers.ci]\nproxy_users = [\"x\"]",
       "callers: named callers need gateway.auth.mode = \"token\", \"trusted-proxy\" or \"jwt\""},
      {"trusted-proxy without proxy_users",
       "[gateway.auth]\nmode = \"trusted-proxy\"\n[gateway.auth.trusted_proxy]\n"
       "proxies = [\"127.0.0.2\"]\n[callers.ci]\ntokens = [\"sha256:"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]",
       "callers.ci.proxy_users: required in trusted-proxy mode"},
  };
  for (const Case& c : kCases) {
    Error e = MustFail(WithProvider(c.toml));
    EXPECT_THAT(e.message, HasSubstr(c.message_part)) << c.what;
    EXPECT_THAT(e.message, Not(HasSubstr("wdn_plaintext_secret"))) << c.what;
  }
}

// ---- [models]

TEST(ParseConfig, MapsModelRulesInFileOrderAndAliases) {
  Config c = MustParse(R"(
[providers.p]
base_url = "https://x.example/v1"
[providers.a]
api = "anthropic"
base_url = "https://y.example/v1"
[models]
"z-*" = "p"
"claude-*" = "a"
"*" = "p"
[models.aliases]
fast = "a/claude-haiku-4-5"
"v-1" = "p/org/model@20240101"
)");
  ASSERT_EQ(c.models.rules.size(), 3u);
  EXPECT_EQ(c.models.rules[0].pattern, "z-*");  // file order, not key order
  EXPECT_EQ(c.models.rules[0].provider, "p");
  EXPECT_EQ(c.models.rules[1].pattern, "claude-*");
  EXPECT_EQ(c.models.rules[2].pattern, "*");
  ASSERT_EQ(c.models.aliases.size(), 2u);
  EXPECT_EQ(c.models.aliases[0].name, "fast");
  EXPECT_EQ(c.models.aliases[0].target, "a/claude-haiku-4-5");
  EXPECT_EQ(c.models.aliases[1].target, "p/org/model@20240101");
}

TEST(ParseConfig, RefusesBadModels) {
  struct Case {
    std::string_view what;
    std::string_view toml;
    std::string_view message_part;
  };
  const Case kCases[] = {
      {"unknown provider", "[models]\n\"gpt-*\" = \"nope\"",
       "models.\"gpt-*\": unknown provider \"nope\" (configured: p)"},
      {"not a string", "[models]\n\"gpt-*\" = 3",
       "models.\"gpt-*\": expected a provider id (a string such as \"openai\"), got an integer"},
      {"a table", "[models.gpt]\nx = \"p\"",
       "models.gpt: expected a provider id (a string such as \"openai\"), got a table (only "
       "[models.aliases] is a table)"},
      {"empty pattern", "[models]\n\"\" = \"p\"", "a pattern must be 1 to 256 characters"},
      {"pattern with a slash", "[models]\n\"p/*\" = \"p\"",
       "models.\"p/*\": a pattern with \"/\" never matches"},
      {"aliases not a table", "[models]\naliases = \"p\"",
       "models.aliases: expected a table of NAME = \"provider/model\", got a string"},
      {"alias not a string", "[models.aliases]\nfast = [\"p/x\"]",
       "models.aliases.fast: expected a string \"provider/model\", got an array"},
      {"alias without provider", "[models.aliases]\nfast = \"gpt-4o\"",
       "models.aliases.fast: must be \"provider/model\""},
      {"alias to an unknown provider", "[models.aliases]\nfast = \"nope/x\"",
       "models.aliases.fast: unknown provider \"nope\" (configured: p)"},
      {"alias name with a slash", "[models.aliases]\n\"a/b\" = \"p/x\"",
       "an alias name must be 1 to 256 characters without \"/\""},
  };
  for (const Case& c : kCases) {
    Error e = MustFail(WithProvider(c.toml));
    EXPECT_THAT(e.message, HasSubstr(c.message_part)) << c.what << ": " << e.message;
  }
}

TEST(EmbeddedDefault, RoutesAgentModelNamesAndKeepsAggregatorsExplicit) {
  Config c = *ParseConfig(EmbeddedDefaultToml(), std::string(kEmbeddedDefaultOrigin), TestEnv());
  auto provider_of = [&](std::string_view pattern) {
    for (const ModelRule& r : c.models.rules) {
      if (r.pattern == pattern) return r.provider;
    }
    return std::string("<none>");
  };
  EXPECT_EQ(provider_of("claude-*"), "anthropic");
  for (std::string_view p :
       {"gpt-*", "o1*", "o3*", "o4*", "codex-*", "chatgpt-*", "text-embedding-*"}) {
    EXPECT_EQ(provider_of(p), "openai") << p;
  }
  for (const ModelRule& r : c.models.rules) {
    EXPECT_NE(r.provider, "openrouter") << r.pattern;
    EXPECT_NE(r.provider, "vercel") << r.pattern;
  }
}

}  // namespace
}  // namespace warden::config
