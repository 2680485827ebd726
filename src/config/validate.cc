// Over ~400 lines on purpose: every rule a loaded config must satisfy, each reported with its key
// path, in one file, so "what does warden accept" has one answer. One function per table keeps
// each piece short.
#include "config/validate.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include <boost/url.hpp>

#include "base/environment.hpp"
#include "base/ip_network.hpp"
#include "base/paths.hpp"
#include "base/strings.hpp"
#include "config/bind_address.hpp"
#include "config/model_ref.hpp"

namespace warden::config {
namespace {

constexpr ErrorCode kSecretRefInvalid = ErrorCode::kSecretRefInvalid;
constexpr ErrorCode kSecretProviderNotConfigured = ErrorCode::kSecretProviderNotConfigured;
constexpr ErrorCode kSecretValueInvalid = ErrorCode::kSecretValueInvalid;
constexpr std::size_t kMaxExecOutputBytes = 64u << 20;
constexpr int kMaxThreads = 1024;
constexpr std::size_t kMaxHeaderBytes = 1u << 20;  // Beast keeps the header limit in 32 bits
constexpr std::size_t kMaxWebSocketMessageBytes = 1u << 30;
constexpr int kMaxFailedAuthAttempts = 100;
constexpr int kMinIpv6Prefix = 32;

// ---- character classes (hand-written: std::regex is slow to build and easy to get subtly wrong)

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool HasControl(std::string_view s) { return std::any_of(s.begin(), s.end(), IsControl); }

template <typename First, typename Rest>
bool Matches(std::string_view s, std::size_t max_len, First first, Rest rest) {
  return !s.empty() && s.size() <= max_len && first(s.front()) &&
         std::all_of(s.begin() + 1, s.end(), rest);
}

// ^[A-Z_][A-Z0-9_]{0,127}$
bool IsEnvName(std::string_view s) {
  return Matches(
      s, 128, [](char c) { return IsUpper(c) || c == '_'; },
      [](char c) { return IsUpper(c) || IsDigit(c) || c == '_'; });
}

// ^[a-z][a-z0-9_-]{0,63}$
bool IsAlias(std::string_view s) {
  return Matches(s, 64, IsLower,
                 [](char c) { return IsLower(c) || IsDigit(c) || c == '_' || c == '-'; });
}

// ^[a-z0-9_-]{1,64}$
bool IsCallerName(std::string_view s) {
  auto ok = [](char c) { return IsLower(c) || IsDigit(c) || c == '_' || c == '-'; };
  return Matches(s, 64, ok, ok);
}

}  // namespace

// ^[a-z0-9][a-z0-9_.-]{0,63}$
bool IsProviderId(std::string_view s) {
  return Matches(
      s, 64, [](char c) { return IsLower(c) || IsDigit(c); },
      [](char c) { return IsLower(c) || IsDigit(c) || c == '_' || c == '.' || c == '-'; });
}

namespace {

// ^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$ with no "." or ".." path segment, so an exec resolver
// that maps ids to paths can never be walked out of its tree.
bool IsExecId(std::string_view s) {
  auto alnum = [](char c) { return IsLower(c) || IsUpper(c) || IsDigit(c); };
  if (!Matches(s, 256, alnum, [&](char c) {
        return alnum(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '#' || c == '-';
      })) {
    return false;
  }
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view segment = s.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

// RFC 6901: "" or "/"-prefixed reference tokens, where "~" only appears as "~0" or "~1". The
// whole document ("") is refused: a secret is a string, not the file's object.
bool IsJsonPointer(std::string_view s) {
  if (s.empty() || s.front() != '/' || s.size() > 1024) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
    if (IsControl(s[i])) return false;
  }
  return true;
}

// RFC 9110 token: the grammar of a header field name.
bool IsHttpToken(std::string_view s) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return IsLower(c) || IsUpper(c) || IsDigit(c) || kExtra.find(c) != std::string_view::npos;
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Headers the proxy owns: hop-by-hop ones (RFC 9110 §7.6.1) and framing/routing ones. Letting a
// config set them would corrupt the connection or the request framing.
bool IsReservedHeader(std::string_view name) {
  static const std::set<std::string, std::less<>> kReserved = {"connection",
                                                               "content-length",
                                                               "host",
                                                               "keep-alive",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "proxy-connection",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade"};
  return kReserved.count(Lower(name)) > 0;
}

// Headers where callers put a gateway token: never an identity asserted by a proxy.
bool IsCallerCredentialHeader(std::string_view name) {
  const std::string lower = Lower(name);
  return lower == "authorization" || lower == "x-api-key" || lower == "proxy-authorization" ||
         lower == "cookie";
}

bool IsAbsolute(std::string_view path) { return !path.empty() && path.front() == '/'; }

std::string JoinNames(const std::map<std::string, SecretProviderConfig>& providers) {
  if (providers.empty()) return "none";
  std::string out;
  for (const auto& [alias, p] : providers) {
    if (!out.empty()) out += ", ";
    out += alias;
  }
  return out;
}

// Checks one config against the schema's semantic rules. Each check names its key path; a path
// that already has a (decode) problem is skipped so one mistake yields one message.
class Validator {
 public:
  Validator(const Config& config, Problems& problems) : config_(config), problems_(problems) {}

  void Run() {
    Gateway();
    for (const auto& [alias, provider] : config_.secret_providers) SecretProvider(provider);
    for (const ProviderConfig& provider : config_.providers) Provider(provider);
    Callers();
    Models();
  }

 private:
  void Fail(const std::string& path, std::string why, ErrorCode code = ErrorCode::kConfigInvalid) {
    if (!problems_.Touches(path)) problems_.Add(path, std::move(why), code);
  }

  void Positive(const std::string& path, Duration d) {
    if (d.count() <= 0) Fail(path, "must be a positive duration, e.g. \"30s\"");
  }

  // `url` is never echoed: a URL can carry a key in its userinfo or query.
  void Url(const std::string& path, std::string_view url, bool is_base_url) {
    if (problems_.Touches(path)) return;
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
      Fail(path, "not an absolute URL (expected e.g. \"https://api.example.com/v1\")");
      return;
    }
    const boost::urls::url_view& u = *parsed;
    if (u.scheme_id() != boost::urls::scheme::http && u.scheme_id() != boost::urls::scheme::https) {
      Fail(path, "must be an http:// or https:// URL");
    } else if (!u.has_authority() || u.encoded_host().empty()) {
      Fail(path, "URL has no host");
    } else if (u.has_userinfo()) {
      Fail(path, "must not contain user:password@ (put credentials in keys or headers)");
    } else if (u.has_fragment()) {
      Fail(path, "must not contain a #fragment");
    } else if (is_base_url && u.has_query()) {
      Fail(path, "must not contain a ?query (request paths are appended to it)");
    }
  }

  void EnvNames(const std::string& path, const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!IsEnvName(names[i])) {
        Fail(JoinIndex(path, i), "not an environment variable name (^[A-Z_][A-Z0-9_]{0,127}$)");
      }
    }
  }

  void AbsoluteDirs(const std::string& path, const std::vector<std::string>& dirs) {
    for (std::size_t i = 0; i < dirs.size(); ++i) {
      if (!IsAbsolute(dirs[i])) {
        Fail(JoinIndex(path, i), "must be an absolute directory (\"~/\" is expanded)");
      }
    }
  }

  // The same containment the exec runner applies (base/paths.hpp IsInsideResolved: directories
  // resolved with realpath, so a symlinked directory inside a trusted one does not pass), so a
  // command the config accepts is not refused at run time for being outside trusted_dirs, and
  // vice versa. Paths that do not exist yet are judged as written; the runner refuses them.
  void InsideTrusted(const std::string& path, const std::string& command,
                     const std::vector<std::string>& trusted_dirs) {
    if (trusted_dirs.empty() || !IsAbsolute(command)) return;
    if (!IsInsideResolved(command, trusted_dirs)) Fail(path, "is not inside any of trusted_dirs");
  }

  void Gateway() {
    const GatewayConfig& g = config_.gateway;
    if (!problems_.Touches("gateway.bind")) {
      Result<BindAddress> bind = ParseBindAddress(g.bind);
      if (!bind) {
        Fail("gateway.bind", bind.error().message);
      } else if (g.auth.mode == AuthMode::kNone && !bind->IsLoopback() &&
                 !problems_.Touches("gateway.auth.mode")) {
        // Anyone who can reach the port would spend the operator's provider keys.
        Fail("gateway.bind",
             "refusing non-loopback bind \"" + g.bind +
                 "\" with gateway.auth.mode = \"none\" (set gateway.auth.mode to token, "
                 "trusted-proxy or jwt, or bind to 127.0.0.1)");
      }
    }
    if (g.threads < 0 || g.threads > kMaxThreads) {
      Fail("gateway.threads", "must be between 0 (one per core) and " +
                                  std::to_string(kMaxThreads) + ", got " +
                                  std::to_string(g.threads));
    }
    if (g.max_body_bytes == 0) Fail("gateway.max_body_bytes", "must be greater than 0");
    if (g.max_header_bytes == 0 || g.max_header_bytes > kMaxHeaderBytes) {
      Fail("gateway.max_header_bytes",
           "must be between 1 and " + std::to_string(kMaxHeaderBytes) + " (1 MiB)");
    }
    if (g.max_connections_per_client == 0) {
      Fail("gateway.max_connections_per_client", "must be greater than 0");
    }
    Positive("gateway.header_timeout", g.header_timeout);
    Positive("gateway.body_timeout", g.body_timeout);
    Positive("gateway.idle_timeout", g.idle_timeout);
    Positive("gateway.shutdown_grace", g.shutdown_grace);
    Auth(g.auth);
    if (g.tls) {
      if (g.tls->cert.empty() != g.tls->key.empty()) {
        Fail(g.tls->cert.empty() ? "gateway.tls.cert" : "gateway.tls.key",
             "gateway.tls.cert and gateway.tls.key must be set together");
      }
      if (HasControl(g.tls->hsts)) Fail("gateway.tls.hsts", "contains a control character");
    }
    const UpstreamConfig& u = g.upstream;
    Positive("gateway.upstream.connect_timeout", u.connect_timeout);
    Positive("gateway.upstream.first_byte_timeout", u.first_byte_timeout);
    Positive("gateway.upstream.idle_timeout", u.idle_timeout);
    Positive("gateway.upstream.pool_idle_timeout", u.pool_idle_timeout);
    if (u.max_connections_per_origin <= 0) {
      Fail("gateway.upstream.max_connections_per_origin", "must be greater than 0");
    }
    Positive("gateway.websockets.idle_timeout", g.websockets.idle_timeout);
    if (g.websockets.max_message_bytes < 1024 ||
        g.websockets.max_message_bytes > kMaxWebSocketMessageBytes) {
      Fail("gateway.websockets.max_message_bytes",
           "must be between 1024 and " + std::to_string(kMaxWebSocketMessageBytes) + " (1 GiB)");
    }
  }

  void Auth(const AuthConfig& a) {
    if (a.token) SecretInputCheck(*a.token);
    // Each tracked client keeps up to max_attempts failure times: the cap bounds the limiter's
    // memory (10,000 clients).
    if (a.rate_limit.max_attempts <= 0 || a.rate_limit.max_attempts > kMaxFailedAuthAttempts) {
      Fail("gateway.auth.rate_limit.max_attempts",
           "must be between 1 and " + std::to_string(kMaxFailedAuthAttempts) + ", got " +
               std::to_string(a.rate_limit.max_attempts));
    }
    // Shorter than /32 would lump together unrelated networks; 128 counts each address.
    if (a.rate_limit.ipv6_prefix < kMinIpv6Prefix || a.rate_limit.ipv6_prefix > 128) {
      Fail("gateway.auth.rate_limit.ipv6_prefix",
           "must be between " + std::to_string(kMinIpv6Prefix) +
               " and 128 (bits of an IPv6 address counted as one client; default 64), got " +
               std::to_string(a.rate_limit.ipv6_prefix));
    }
    Positive("gateway.auth.rate_limit.window", a.rate_limit.window);
    Positive("gateway.auth.rate_limit.lockout", a.rate_limit.lockout);

    const TrustedProxyConfig& tp = a.trusted_proxy;
    const std::string tp_path = "gateway.auth.trusted_proxy";
    if (a.mode == AuthMode::kTrustedProxy && tp.proxies.empty()) {
      Fail(tp_path + ".proxies",
           "required with gateway.auth.mode = \"trusted-proxy\" (addresses or CIDRs of the proxy)");
    }
    for (std::size_t i = 0; i < tp.proxies.size(); ++i) {
      IpNetworkParse parsed = ParseIpNetwork(tp.proxies[i]);
      if (!parsed.network) {
        Fail(JoinIndex(tp_path + ".proxies", i),
             "\"" + tp.proxies[i] + "\": " + parsed.error +
                 " (expected an address or CIDR, e.g. \"127.0.0.1/32\" or \"::1\")");
      }
    }
    if (!IsHttpToken(tp.user_header)) {
      Fail(tp_path + ".user_header", "not a valid header name");
    } else if (IsCallerCredentialHeader(tp.user_header)) {
      Fail(tp_path + ".user_header", "\"" + tp.user_header +
                                         "\" carries caller credentials; name the header the proxy "
                                         "sets, e.g. \"x-forwarded-user\"");
    }
    for (std::size_t i = 0; i < tp.required_headers.size(); ++i) {
      if (!IsHttpToken(tp.required_headers[i])) {
        Fail(JoinIndex(tp_path + ".required_headers", i), "not a valid header name");
      }
    }
    for (std::size_t i = 0; i < tp.allow_users.size(); ++i) {
      const std::string& user = tp.allow_users[i];
      if (TrimWhitespace(user).empty() || TrimWhitespace(user).size() != user.size()) {
        Fail(JoinIndex(tp_path + ".allow_users", i),
             "must be a non-empty name without surrounding whitespace");
      } else if (HasControl(user)) {
        Fail(JoinIndex(tp_path + ".allow_users", i), "contains a control character");
      }
    }

    const JwtAuthConfig& jwt = a.jwt;
    const std::string jwt_path = "gateway.auth.jwt";
    if (a.mode == AuthMode::kJwt) {
      if (jwt.issuer.empty())
        Fail(jwt_path + ".issuer", "required with gateway.auth.mode = \"jwt\"");
      if (jwt.audience.empty()) {
        Fail(jwt_path + ".audience", "required with gateway.auth.mode = \"jwt\"");
      }
      // Without jwks_url or jwks_file the keys come from the issuer's OIDC discovery document.
      if (jwt.jwks_url.empty() && jwt.jwks_file.empty() && !jwt.issuer.empty()) {
        KeyUrl(jwt_path + ".issuer", jwt.issuer);
      }
      if (jwt.leeway < Duration(0) || jwt.leeway > Duration(5 * 60 * 1000)) {
        Fail(jwt_path + ".leeway", "must be between 0s and 5m");
      }
    }
    if (!jwt.jwks_url.empty() && !jwt.jwks_file.empty()) {
      Fail(jwt_path + ".jwks_file", "set jwks_url or jwks_file, not both");
    }
    if (!jwt.jwks_url.empty()) KeyUrl(jwt_path + ".jwks_url", jwt.jwks_url);
    if (!jwt.subject.empty() && HasControl(jwt.subject)) {
      Fail(jwt_path + ".subject", "contains a control character");
    }
  }

  // Where signing keys are fetched from: https, or http to a loopback host (tests, a local
  // issuer). Keys fetched over plain http from elsewhere could be swapped by anyone on the path.
  void KeyUrl(const std::string& path, std::string_view url) {
    Url(path, url, false);
    if (problems_.Touches(path)) return;
    auto parsed = boost::urls::parse_uri(url);
    if (parsed->scheme_id() == boost::urls::scheme::https) return;
    const std::string host(parsed->host_address());
    const bool loopback = host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
    if (!loopback) Fail(path, "must be an https:// URL (http:// only for a loopback host)");
  }

  void SecretProvider(const SecretProviderConfig& p) {
    const std::string path = JoinKey("secrets.providers", p.alias);
    if (!IsAlias(p.alias)) {
      Fail(path, "alias must match ^[a-z][a-z0-9_-]{0,63}$");
    }
    // A missing or unknown source (and a bad file mode) was reported while decoding.
    if (problems_.Touches(path + ".source")) return;
    switch (p.source) {
      case SecretSource::kEnv:
        EnvNames(path + ".allowlist", p.allowlist);
        break;
      case SecretSource::kFile:
        if (p.path.empty()) {
          Fail(path + ".path", "required with source = \"file\"");
        } else if (!IsAbsolute(p.path)) {
          Fail(path + ".path", "must be an absolute path (\"~/\" is expanded)");
        }
        break;
      case SecretSource::kExec:
        ExecProvider(path, p);
        break;
    }
  }

  void ExecProvider(const std::string& path, const SecretProviderConfig& p) {
    if (p.command.empty()) {
      Fail(path + ".command", "required with source = \"exec\"");
    } else if (!IsAbsolute(p.command)) {
      Fail(path + ".command", "must be an absolute path (no shell, no PATH lookup)");
    }
    EnvNames(path + ".pass_env", p.pass_env);
    AbsoluteDirs(path + ".trusted_dirs", p.trusted_dirs);
    InsideTrusted(path + ".command", p.command, p.trusted_dirs);
    Positive(path + ".timeout", p.timeout);
    if (p.max_output_bytes == 0 || p.max_output_bytes > kMaxExecOutputBytes) {
      Fail(path + ".max_output_bytes",
           "must be between 1 and " + std::to_string(kMaxExecOutputBytes));
    }
  }

  // jwt_subject and jwt_claims: non-empty patterns without control characters.
  void JwtRecognition(const std::string& path, const CallerConfig& caller) {
    if (caller.jwt_subject && (caller.jwt_subject->empty() || HasControl(*caller.jwt_subject))) {
      Fail(path + ".jwt_subject", "must be a non-empty pattern without control characters");
    }
    if (caller.has_jwt_claims && caller.jwt_claims.empty() &&
        !problems_.Touches(path + ".jwt_claims")) {
      Fail(path + ".jwt_claims", "must list at least one claim (claim = \"value or pattern\")");
    }
    for (const auto& [claim, glob] : caller.jwt_claims) {
      if (claim.empty() || glob.empty() || HasControl(claim) || HasControl(glob)) {
        Fail(JoinKey(path + ".jwt_claims", claim),
             "claim name and pattern must be non-empty, without control characters");
      }
    }
  }

  // [callers.NAME]: names, recognition for the auth mode in force, policy. A token is a SecretRef
  // or the "sha256:" digest of one; a plaintext literal is refused (the config would hold a
  // usable credential). The same digest on two callers is refused (which caller would it be?);
  // the same resolved SecretRef is caught by the snapshot builder.
  void Callers() {
    if (config_.callers.empty()) return;
    const AuthMode mode = config_.gateway.auth.mode;
    if (mode == AuthMode::kNone) {
      Fail("callers",
           "named callers need gateway.auth.mode = \"token\", \"trusted-proxy\" or \"jwt\" (is "
           "\"none\")");
    }
    std::map<std::string, std::string> digest_owner;  // digest → key path
    for (const CallerConfig& caller : config_.callers) {
      const std::string path = JoinKey("callers", caller.name);
      if (!IsCallerName(caller.name)) {
        Fail(path, "caller name must match ^[a-z0-9_-]{1,64}$");
      } else if (caller.name == "gateway") {
        Fail(path, "\"gateway\" is reserved for the gateway token's implicit caller");
      }
      for (const SecretInput& token : caller.tokens) CallerToken(token, digest_owner);
      for (std::size_t i = 0; i < caller.proxy_users.size(); ++i) {
        const std::string& user = caller.proxy_users[i];
        if (TrimWhitespace(user).empty() || TrimWhitespace(user).size() != user.size()) {
          Fail(JoinIndex(path + ".proxy_users", i),
               "must be a non-empty name or pattern without surrounding whitespace");
        } else if (HasControl(user)) {
          Fail(JoinIndex(path + ".proxy_users", i), "contains a control character");
        }
      }
      JwtRecognition(path, caller);
      if (mode == AuthMode::kToken && caller.tokens.empty() &&
          !problems_.Touches(path + ".tokens")) {
        Fail(path + ".tokens",
             "required in token mode: the caller could never be recognised (add a SecretRef or a "
             "\"sha256:<hex>\" digest from `warden token generate`)");
      }
      if (mode == AuthMode::kJwt && !caller.jwt_subject && caller.jwt_claims.empty() &&
          !caller.has_jwt_claims) {
        Fail(path + ".jwt_subject",
             "required in jwt mode (or jwt_claims): the caller could never be recognised");
      }
      if (mode == AuthMode::kTrustedProxy && caller.proxy_users.empty() &&
          !problems_.Touches(path + ".proxy_users")) {
        Fail(path + ".proxy_users",
             "required in trusted-proxy mode: the caller could never be recognised");
      }
      for (std::size_t i = 0; i < caller.providers.size(); ++i) {
        const std::string& id = caller.providers[i];
        if (config_.FindProvider(id) == nullptr) {
          Fail(JoinIndex(path + ".providers", i), "unknown provider \"" +
                                                      (IsProviderId(id) ? id : std::string("?")) +
                                                      "\" (configured: " + ProviderNames() + ")");
        }
      }
      if (caller.models) {
        for (std::size_t i = 0; i < caller.models->size(); ++i) {
          const std::string& glob = (*caller.models)[i];
          if (glob.empty() || HasControl(glob) || glob.size() > 256) {
            Fail(JoinIndex(path + ".models", i),
                 "must be a non-empty glob of at most 256 characters, e.g. \"openai/gpt-4o*\"");
          }
        }
      }
      if (caller.profiles) {
        for (std::size_t i = 0; i < caller.profiles->size(); ++i) {
          const std::string& glob = (*caller.profiles)[i];
          if (glob.empty() || HasControl(glob) || glob.size() > 256 ||
              glob.find(':') == std::string::npos) {
            Fail(JoinIndex(path + ".profiles", i),
                 "must be a glob on profile ids \"provider:name\" of at most 256 characters, "
                 "e.g. \"openai:work\" or \"anthropic:*\"");
          }
        }
      }
    }
  }

  // [models]: each rule names a configured provider and a pattern that can match a bare name;
  // each alias is a bare name whose target is an explicit "provider/model" of a known provider.
  void Models() {
    for (const ModelRule& rule : config_.models.rules) {
      const std::string path = JoinKey("models", rule.pattern);
      if (rule.pattern.empty() || rule.pattern.size() > 256 || HasControl(rule.pattern)) {
        Fail(path,
             "a pattern must be 1 to 256 characters without control characters, e.g. "
             "\"claude-*\"");
      } else if (rule.pattern.find('/') != std::string::npos) {
        Fail(path,
             "a pattern with \"/\" never matches: a model with \"/\" is always "
             "\"provider/model\" and skips [models]; drop the \"provider/\" part");
      } else if (config_.FindProvider(rule.provider) == nullptr) {
        Fail(path, UnknownProvider(rule.provider));
      }
    }
    for (const ModelAlias& alias : config_.models.aliases) {
      const std::string path = JoinKey("models.aliases", alias.name);
      if (alias.name.empty() || alias.name.size() > 256 || HasControl(alias.name) ||
          alias.name.find('/') != std::string::npos) {
        Fail(path,
             "an alias name must be 1 to 256 characters without \"/\" or control "
             "characters, e.g. \"fast\"");
        continue;
      }
      const std::optional<ModelRef> ref = ParseModelRef(alias.target);
      if (!ref || HasControl(alias.target)) {
        Fail(path, "must be \"provider/model\", e.g. \"anthropic/claude-haiku-4-5\"");
      } else if (config_.FindProvider(ref->provider) == nullptr) {
        Fail(path, UnknownProvider(ref->provider));
      }
    }
  }

  std::string UnknownProvider(std::string_view id) const {
    return "unknown provider \"" + (IsProviderId(id) ? std::string(id) : std::string("?")) +
           "\" (configured: " + ProviderNames() + ")";
  }

  void CallerToken(const SecretInput& token, std::map<std::string, std::string>& digest_owner) {
    const std::string& path = token.key_path;
    if (problems_.Touches(path)) return;
    if (!token.IsLiteral()) {
      SecretInputCheck(token);
      return;
    }
    constexpr std::string_view kDigestPrefix = "sha256:";
    const std::string_view value = token.literal.Reveal();
    if (value.substr(0, kDigestPrefix.size()) != kDigestPrefix) {
      Fail(path,
           "a plaintext token is not accepted here (value not shown): use a SecretRef or its "
           "digest \"sha256:<64 hex>\" (`warden token generate` prints both)",
           kSecretValueInvalid);
      return;
    }
    const std::string_view hex = value.substr(kDigestPrefix.size());
    if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
          return IsDigit(c) || (c >= 'a' && c <= 'f');
        })) {
      Fail(path, "a digest must be \"sha256:\" followed by 64 lower-case hex digits");
      return;
    }
    auto [it, inserted] = digest_owner.emplace(std::string(hex), path);
    if (!inserted) Fail(path, "the same token digest is already used by " + it->second);
  }

  std::string ProviderNames() const {
    std::string out;
    for (const ProviderConfig& p : config_.providers) {
      if (!out.empty()) out += ", ";
      out += p.id;
    }
    return out.empty() ? std::string("none") : out;
  }

  // A literal or a ref. Messages never contain the literal, nor a ref id that failed its shape
  // check: a malformed id is often a value pasted into the wrong field.
  void SecretInputCheck(const SecretInput& input) {
    const std::string& path = input.key_path;
    if (problems_.Touches(path)) return;
    if (input.IsLiteral()) {
      if (input.literal.empty()) {
        Fail(path, "must not be empty");
      } else if (HasControl(input.literal.Reveal())) {
        Fail(path, "literal value contains a control character (value not shown)",
             kSecretValueInvalid);
      }
      return;
    }
    const SecretRef& ref = *input.ref;
    if (HasControl(input.prefix)) Fail(path + ".prefix", "contains a control character");
    if (!IsAlias(ref.provider)) {
      Fail(path + ".provider", "alias must match ^[a-z][a-z0-9_-]{0,63}$", kSecretRefInvalid);
      return;
    }
    const SecretProviderConfig* provider = nullptr;
    if (auto it = config_.secret_providers.find(ref.provider);
        it != config_.secret_providers.end()) {
      provider = &it->second;
    }
    IdCheck(path + ".id", ref, provider);
    const std::string source(SecretSourceName(ref.source));
    if (provider == nullptr) {
      if (ref.provider == "default" && ref.source == SecretSource::kEnv) return;  // the process env
      Fail(path + ".provider",
           "secret provider \"" + ref.provider + "\" (source = \"" + source +
               "\") is not configured (configured: " + JoinNames(config_.secret_providers) +
               "): add [secrets.providers." + ref.provider + "]",
           kSecretProviderNotConfigured);
    } else if (!Decoded(*provider, "source")) {
      // The provider itself is broken (already reported); whether it matches is unknown.
    } else if (provider->source != ref.source) {
      Fail(path + ".provider",
           "secret provider \"" + ref.provider + "\" has source = \"" +
               std::string(SecretSourceName(provider->source)) + "\" but this ref has source = \"" +
               source + "\" (configured: " + JoinNames(config_.secret_providers) + ")",
           kSecretProviderNotConfigured);
    }
  }

  // False when decoding [secrets.providers.ALIAS].KEY failed, so the field holds its default
  // rather than what the file says.
  bool Decoded(const SecretProviderConfig& provider, std::string_view key) const {
    return !problems_.Touches(JoinKey("secrets.providers", provider.alias) + "." +
                              std::string(key));
  }

  void IdCheck(const std::string& path, const SecretRef& ref,
               const SecretProviderConfig* provider) {
    if (ref.source == SecretSource::kEnv) {
      if (!IsEnvName(ref.id)) {
        Fail(path, "env ids are variable names matching ^[A-Z_][A-Z0-9_]{0,127}$",
             kSecretRefInvalid);
      } else if (provider != nullptr && !provider->allowlist.empty() &&
                 std::find(provider->allowlist.begin(), provider->allowlist.end(), ref.id) ==
                     provider->allowlist.end()) {
        Fail(path,
             "\"" + ref.id + "\" is not in the allowlist of secrets.providers." + ref.provider,
             kSecretRefInvalid);
      }
    } else if (ref.source == SecretSource::kFile) {
      // Without a (well-decoded) provider the mode is unknown: accept what either mode takes.
      bool mode_known = provider != nullptr && Decoded(*provider, "mode");
      bool single_value = mode_known && provider->mode == FileMode::kSingleValue;
      bool json = mode_known && provider->mode == FileMode::kJson;
      if (single_value && ref.id != "value") {
        Fail(path, "must be \"value\" for a single_value file provider", kSecretRefInvalid);
      } else if (json && !IsJsonPointer(ref.id)) {
        Fail(path, "must be an RFC 6901 JSON pointer such as \"/providers/openai/key\"",
             kSecretRefInvalid);
      } else if (!single_value && !json && ref.id != "value" && !IsJsonPointer(ref.id)) {
        Fail(path, "must be an RFC 6901 JSON pointer (\"/a/b\") or \"value\"", kSecretRefInvalid);
      }
    } else if (!IsExecId(ref.id)) {
      Fail(path,
           "exec ids match ^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,255}$ with no \".\" or \"..\" segment",
           kSecretRefInvalid);
    }
  }

  void Provider(const ProviderConfig& p) {
    const std::string path = JoinKey("providers", p.id);
    if (!IsProviderId(p.id)) Fail(path, "provider id must match ^[a-z0-9][a-z0-9_.-]{0,63}$");
    if (p.base_url.empty()) {
      Fail(path + ".base_url", "required, e.g. \"https://api.openai.com/v1\"");
    } else {
      Url(path + ".base_url", p.base_url, true);
    }
    if (!IsEnvName(p.env_prefix)) {
      Fail(path + ".env_prefix", "must match ^[A-Z_][A-Z0-9_]{0,127}$ (it names variables)");
    }
    if (p.keys) {
      for (const SecretInput& key : *p.keys) SecretInputCheck(key);
    }
    for (std::size_t i = 0; i < p.forward_caller_headers.size(); ++i) {
      const std::string name = Lower(p.forward_caller_headers[i]);
      if (name != "openai-organization" && name != "openai-project") {
        Fail(JoinIndex(path + ".forward_caller_headers", i),
             "\"" + p.forward_caller_headers[i] +
                 "\" cannot be opted in; valid: openai-organization, openai-project");
      }
    }
    if (p.websockets && p.api != Api::kOpenAi) {
      Fail(path + ".websockets", "only OpenAI-wire providers (api = \"openai\") relay WebSockets");
    }
    std::set<std::string> seen;
    for (const auto& [name, value] : p.headers) {
      const std::string header_path = JoinKey(path + ".headers", name);
      if (!IsHttpToken(name)) {
        Fail(header_path, "not a valid HTTP header name");
      } else if (IsReservedHeader(name)) {
        Fail(header_path, "is managed by the proxy and cannot be set");
      } else if (!seen.insert(Lower(name)).second) {
        Fail(header_path, "duplicate header (names are case-insensitive)");
      }
      SecretInputCheck(value);
    }
    if (p.federated) Federated(path + ".federated", *p.federated);
    if (p.oauth) OAuth(path + ".oauth", *p.oauth);
  }

  void Federated(const std::string& path, const FederatedConfig& f) {
    if (f.token) SecretInputCheck(*f.token);
    if (!f.token && f.token_file.empty() && !problems_.Touches(path + ".token") &&
        !problems_.Touches(path + ".token_file")) {
      Fail(path, "set token (a SecretRef) and/or token_file");
    }
    if (!f.token_file.empty() && !IsAbsolute(f.token_file)) {
      Fail(path + ".token_file", "must be an absolute path (\"~/\" is expanded)");
    }
    if (!f.refresh_command.empty()) {
      if (!IsAbsolute(f.refresh_command.front())) {
        Fail(JoinIndex(path + ".refresh_command", 0),
             "must be an absolute path (no shell, no PATH lookup)");
      }
      InsideTrusted(JoinIndex(path + ".refresh_command", 0), f.refresh_command.front(),
                    f.trusted_dirs);
    }
    Positive(path + ".refresh_before", f.refresh_before);
    Positive(path + ".refresh_timeout", f.refresh_timeout);
    EnvNames(path + ".pass_env", f.pass_env);
    AbsoluteDirs(path + ".trusted_dirs", f.trusted_dirs);
  }

  // OAuth endpoints carry codes and tokens: https, except to this machine (a loopback host,
  // where the redirect listener and test servers live).
  void SecureOrLoopback(const std::string& path, std::string_view url) {
    if (problems_.Touches(path)) return;
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme_id() != boost::urls::scheme::http) return;
    BindAddress host{std::string(parsed->host_address()), 0};
    if (!host.IsLoopback()) {
      Fail(path, "must be https:// (http:// only for a loopback host such as 127.0.0.1)");
    }
  }

  void OAuth(const std::string& path, const OAuthConfig& o) {
    for (const auto& [key, url, required] :
         {std::tuple<const char*, const std::string&, bool>{"authorize_url", o.authorize_url, true},
          {"token_url", o.token_url, true},
          {"redirect_uri", o.redirect_uri, false}}) {
      if (url.empty()) {
        if (required) Fail(path + "." + key, "required");
      } else {
        Url(path + "." + key, url, false);
        SecureOrLoopback(path + "." + key, url);
      }
    }
    if (o.client_id.empty()) Fail(path + ".client_id", "required");
    for (std::size_t i = 0; i < o.scopes.size(); ++i) {
      const std::string& scope = o.scopes[i];
      if (scope.empty() || std::any_of(scope.begin(), scope.end(), [](char c) {
            return c == ' ' || c == '"' || c == '\\' || IsControl(c);
          })) {
        Fail(JoinIndex(path + ".scopes", i), "not a valid OAuth scope (one word per element)");
      }
    }
  }

  const Config& config_;
  Problems& problems_;
};

}  // namespace

void Normalize(Config& config, const Environment& env) {
  auto expand = [&](std::string& path) { path = ExpandHome(path, env); };
  // Relative TLS and JWKS paths follow the config file, like nginx's relative includes do for
  // their prefix: the same file then works from any working directory.
  std::filesystem::path base_dir;
  if (!config.origin.empty() && config.origin.front() != '<') {
    base_dir = std::filesystem::path(config.origin).parent_path();
  }
  auto relative_to_config = [&](std::string& path) {
    expand(path);
    if (!path.empty() && !IsAbsolute(path) && !base_dir.empty()) {
      path = (base_dir / path).lexically_normal().string();
    }
  };

  GatewayConfig& g = config.gateway;
  if (g.tls && g.tls->cert.empty() && g.tls->key.empty() && g.tls->hsts.empty()) g.tls.reset();
  if (g.tls) {
    relative_to_config(g.tls->cert);
    relative_to_config(g.tls->key);
  }
  relative_to_config(g.auth.jwt.jwks_file);

  for (auto& [alias, p] : config.secret_providers) {
    expand(p.path);
    expand(p.command);
    for (std::string& dir : p.trusted_dirs) expand(dir);
  }

  for (ProviderConfig& p : config.providers) {
    while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
    if (p.env_prefix.empty()) {
      p.env_prefix = EnvPrefixFor(p.id);
    }
    if (p.federated) {
      expand(p.federated->token_file);
      if (!p.federated->refresh_command.empty()) expand(p.federated->refresh_command.front());
      for (std::string& dir : p.federated->trusted_dirs) expand(dir);
    }
  }
}

void Validate(const Config& config, Problems& problems) { Validator(config, problems).Run(); }

}  // namespace warden::config
