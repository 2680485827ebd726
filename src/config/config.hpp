// Plain configuration structs: what `warden.toml` (or the embedded default) says, validated and
// normalised by the loader (config/loader.hpp), before any secret is resolved.
//
// Defaults are documented at the field. Secrets never live here as usable values: a secret in
// the config is either a SecretRef (resolved later by the control plane into the Snapshot) or a
// literal held in a Secret (flagged by `warden secrets audit`).
// Ownership: plain values; literal secrets are owned by their Secret fields.
// Thread safety: plain values; a Config is built once per load and then only read.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "observe/secret.hpp"

namespace warden::config {

using Duration = std::chrono::milliseconds;

// Where a SecretRef's value comes from: `source = "env" | "file" | "exec"`.
enum class SecretSource { kEnv, kFile, kExec };
// "env", "file", "exec" — the config spelling, used in messages, Describe() and reports.
std::string_view SecretSourceName(SecretSource source);
// The inverse; nullopt for anything else (the loader reports it with the key path).
std::optional<SecretSource> ParseSecretSource(std::string_view name);

// How a file secret provider reads its file: `mode = "json" | "single_value"`.
enum class FileMode { kJson, kSingleValue };
std::string_view FileModeName(FileMode mode);
std::optional<FileMode> ParseFileMode(std::string_view name);

// { source = "env"|"file"|"exec", provider = "default", id = "...", prefix = "Bearer " }
struct SecretRef {
  SecretSource source = SecretSource::kEnv;
  std::string provider = "default";  // alias in [secrets.providers]; "default" env needs no entry
  std::string id;                    // env var name, RFC 6901 pointer, or exec id

  std::string Describe() const;  // "env:default:OPENAI_API_KEY" — safe to log (no value)
};

// A config value that holds a secret: either a literal string or a SecretRef.
struct SecretInput {
  std::optional<SecretRef> ref;  // set → resolve via secret providers
  Secret literal;                // used when !ref
  std::string prefix;            // prepended to the resolved value (headers: "Bearer ")
  std::string key_path;          // where it was declared, e.g. "providers.cf.headers.x"

  bool IsLiteral() const { return !ref.has_value(); }
};

// [secrets.providers.ALIAS]
struct SecretProviderConfig {
  std::string alias;
  SecretSource source = SecretSource::kEnv;  // required in the file (the loader checks)
  // env
  std::vector<std::string> allowlist;  // empty = any variable
  // file
  std::string path;  // "~" expanded by the loader; must be absolute
  FileMode mode = FileMode::kJson;
  // exec
  std::string command;  // absolute path
  std::vector<std::string> args;
  std::vector<std::string> pass_env;  // the child's whole environment
  std::vector<std::string> trusted_dirs;
  Duration timeout{5000};  // kills the whole process tree
  bool json_only = true;
  std::size_t max_output_bytes = 1 << 20;  // 1 MiB
};

enum class Api { kOpenAi, kAnthropic };

// [providers.ID.federated] — a short-lived workload (OIDC) token used when no static key resolves.
struct FederatedConfig {
  std::optional<SecretInput> token;          // usually { source="env", id="VERCEL_OIDC_TOKEN" }
  std::string token_file;                    // fallback; "~" expanded; written 0600 by refresh
  std::vector<std::string> refresh_command;  // argv, no shell; prints a fresh token on stdout
  Duration refresh_before{10 * 60 * 1000};   // run refresh this long before exp (default 10m)
  Duration refresh_timeout{30 * 1000};       // default 30s; kills the process tree
  std::vector<std::string> pass_env;         // environment of refresh_command (default: none)
  std::vector<std::string> trusted_dirs;     // refresh_command must live inside one, when set
};

// [providers.ID.oauth] — parsed and validated only: no verb uses it yet (`warden auth login`
// is not implemented).
struct OAuthConfig {
  std::string authorize_url;
  std::string token_url;
  std::string client_id;
  std::vector<std::string> scopes;
  std::string redirect_uri;
};

// [providers.ID]
struct ProviderConfig {
  std::string id;               // what callers write before the "/": "openai/gpt-4o"
  Api api = Api::kOpenAi;       // wire format and default auth header
  std::string base_url;         // e.g. "https://api.openai.com/v1" (http or https)
  std::optional<bool> enabled;  // unset = enabled when a credential resolves
  std::optional<std::vector<SecretInput>> keys;  // unset = the env chain for env_prefix
  std::string env_prefix;  // env chain base; default id upper-cased, '-' → '_'
  std::vector<std::pair<std::string, SecretInput>> headers;  // extra headers, this provider only
  // Caller headers withheld by default because they select another account's scope and a
  // refusal they cause would mark a shared key failing: "openai-organization",
  // "openai-project". Listed here, they are forwarded to this provider.
  std::vector<std::string> forward_caller_headers;
  // Whether `GET /v1/responses` with `Upgrade: websocket` may be relayed to this provider
  // (OpenAI-wire providers only; the embedded default sets it for `openai`).
  bool websockets = false;
  std::optional<FederatedConfig> federated;
  std::optional<OAuthConfig> oauth;
};

enum class AuthMode { kNone, kToken, kTrustedProxy, kJwt };

// "none", "token", "trusted-proxy", "jwt": the config spelling.
std::string_view AuthModeName(AuthMode mode);

struct RateLimitConfig {
  int max_attempts = 10;            // wrong credentials per window per client (1..100)
  Duration window{60 * 1000};       // 60s
  Duration lockout{5 * 60 * 1000};  // 5m → 429 + Retry-After
  bool exempt_loopback = true;
  // IPv6 callers are counted per prefix of this many bits (32..128): one host usually owns a
  // whole /64, so counting per address would give it unlimited guesses. IPv4 (and IPv4-mapped
  // IPv6) callers are counted per address.
  int ipv6_prefix = 64;
};

struct TrustedProxyConfig {
  std::vector<std::string> proxies;  // CIDRs
  std::string user_header = "x-forwarded-user";
  std::vector<std::string> required_headers;
  std::vector<std::string> allow_users;
};

// [gateway.auth.jwt] — callers present a JWT from an OIDC issuer (access/jwt_auth.hpp).
struct JwtAuthConfig {
  std::string issuer;     // tokens must carry exactly this iss
  std::string audience;   // and this aud (a string, or an array containing it)
  std::string jwks_url;   // the issuer's key set; https (http only for loopback hosts)
  std::string jwks_file;  // or a local JWKS file ("~" expanded, relative to the config file)
  // Neither set: OIDC discovery, {issuer}/.well-known/openid-configuration → jwks_uri.
  std::string subject;         // optional glob on sub
  Duration leeway{60 * 1000};  // clock skew allowed on exp, nbf and iat (0 to 5m)
};

struct AuthConfig {
  AuthMode mode = AuthMode::kToken;
  std::optional<SecretInput> token;  // gateway.auth.token (literal or ref)
  RateLimitConfig rate_limit;
  TrustedProxyConfig trusted_proxy;
  JwtAuthConfig jwt;
};

struct TlsConfig {
  std::string cert;  // PEM paths; set both to serve HTTPS only
  std::string key;
  std::string hsts;  // Strict-Transport-Security value; empty = not sent
};

struct UpstreamConfig {
  Duration connect_timeout{5 * 1000};       // TCP + TLS handshake
  Duration first_byte_timeout{300 * 1000};  // request sent → response header (LLMs are slow)
  Duration idle_timeout{120 * 1000};        // between two reads of a response body/stream
  int max_connections_per_origin = 256;     // per event loop; excess requests wait (then 503)
  Duration pool_idle_timeout{60 * 1000};    // idle this long: closed at the next release
};

// [gateway.websockets] — the WebSocket relay of `GET /v1/responses` (Codex's transport).
struct WebSocketConfig {
  bool enabled = true;                        // false: every upgrade is answered 426 (use HTTP)
  Duration idle_timeout{5 * 60 * 1000};       // no frame either way for this long → both closed
  std::size_t max_message_bytes = 16u << 20;  // a message (all its frames) over this → 1009
};

struct GatewayConfig {
  std::string bind = "127.0.0.1:8787";       // host:port; [::1]:port for IPv6
  int threads = 0;                           // event loops; 0 = one per core
  std::size_t max_body_bytes = 32u << 20;    // 32 MiB → 413
  std::size_t max_header_bytes = 64u << 10;  // 64 KiB → 431
  Duration header_timeout{10 * 1000};        // a request's header must arrive within this
  Duration body_timeout{60 * 1000};          // and its body within this
  Duration idle_timeout{75 * 1000};          // keep-alive idle between requests
  Duration shutdown_grace{10 * 1000};        // in-flight requests may finish within this on SIGTERM
  // Caller connections open at once, in all; 0 = derived from the descriptor limit (half of
  // RLIMIT_NOFILE less a reserve, at most 16384): each proxied request may also hold an
  // upstream connection. Near the cap, idle keep-alive connections are closed first.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_client = 512;  // per client address (IPv6: per /64)
  bool access_log = true;                        // a line per request on stderr; reloadable
  AuthConfig auth;
  std::optional<TlsConfig> tls;
  UpstreamConfig upstream;
  WebSocketConfig websockets;
};

// [callers.NAME] — a named caller: how it is recognised and what it may use (DESIGN §3).
// With any [callers] table, token and trusted-proxy modes admit only a recognised caller (plus
// the gateway token, as the unrestricted caller "gateway", in token mode).
struct CallerConfig {
  std::string name;  // [a-z0-9_-]{1,64}; "gateway" is reserved for the gateway token
  // token mode: SecretRefs, or literals "sha256:<64 lower-case hex>" (the token's digest).
  // A plaintext literal is refused by Validate.
  std::vector<SecretInput> tokens;
  std::vector<std::string> proxy_users;  // trusted-proxy mode: names or '*' patterns
  // jwt mode: a glob on the token's sub, and claim name → glob (all must match).
  std::optional<std::string> jwt_subject;
  std::vector<std::pair<std::string, std::string>> jwt_claims;  // in file order
  bool has_jwt_claims = false;  // the key was present (an empty table is refused)
  // Policy. Unset or empty = every provider; unset = every model; unset = every profile.
  std::vector<std::string> providers;
  std::optional<std::vector<std::string>> models;    // globs on "provider/model" as written
  std::optional<std::vector<std::string>> profiles;  // globs on profile ids: "openai:work"
};

// [models] — routing for bare model names (no "provider/" prefix), as agent CLIs send them.
// A name with a "/" is always the explicit "provider/model" form and never looks here.
struct ModelRule {
  std::string pattern;   // a GlobMatches pattern on the bare name: "claude-*"; never contains "/"
  std::string provider;  // a configured provider id
};

// [models.aliases]: NAME = "provider/model" — a short name for one explicit model.
struct ModelAlias {
  std::string name;    // no "/"; looked up before the rules
  std::string target;  // "provider/model", checked at load (known provider, no "@profile")
};

struct ModelsConfig {
  std::vector<ModelRule> rules;     // file order: the first matching rule wins
  std::vector<ModelAlias> aliases;  // file order
};

struct ReloadConfig {
  bool watch = true;  // reload when the config file or a watched secret/token file is replaced
};

struct Config {
  GatewayConfig gateway;
  std::map<std::string, SecretProviderConfig> secret_providers;  // by alias
  std::vector<ProviderConfig> providers;                         // in file order
  std::vector<CallerConfig> callers;                             // in file order
  ModelsConfig models;                                           // [models]
  ReloadConfig reload;
  std::string origin;  // file path, or "<embedded default>"

  const ProviderConfig* FindProvider(std::string_view id) const;
};

// "OPENAI" for "openai", "MY_PROV" for "my-prov" and "my.prov".
std::string EnvPrefixFor(std::string_view provider_id);

}  // namespace warden::config
