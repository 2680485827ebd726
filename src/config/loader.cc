// Over ~400 lines on purpose: one reader per config table, mapping TOML to the structs of
// config.hpp key by key, so the whole accepted key set (and every "unknown key" refusal) can be
// read top to bottom against DESIGN's config block. Validation of values is in validate.cc.
#include "config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "base/private_file.hpp"
#include "config/duration.hpp"
#include "config/problems.hpp"
#include "config/validate.hpp"

namespace warden::config {
namespace {

constexpr std::size_t kMaxConfigBytes = 4u << 20;

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// The entries of a table in file order. toml::table is sorted by key, but providers are kept in
// the order the user wrote them (config.hpp promises it, and "first match" rules may rely on it).
std::vector<std::pair<std::string, const toml::node*>> InFileOrder(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (const auto& [key, node] : table) out.emplace_back(std::string(key.str()), &node);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& x = a.second->source().begin;
    const auto& y = b.second->source().begin;
    return std::pair(x.line, x.column) < std::pair(y.line, y.column);
  });
  return out;
}

// Reads one TOML table into struct fields. Every key asked for becomes "known"; Finish() reports
// the keys present but never asked for as unknown, with a suggestion among the known ones. Type
// errors name the expected type and what was found, never the value (it might be a secret).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Problems& problems,
              ErrorCode code = ErrorCode::kConfigInvalid)
      : table_(table), path_(std::move(path)), problems_(problems), code_(code) {}
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return JoinKey(path_, key); }
  bool Has(std::string_view key) const { return table_.contains(key); }

  // Marks `key` known and returns its node, or nullptr when absent.
  const toml::node* Get(std::string_view key) {
    known_.emplace_back(key);
    return table_.get(key);
  }

  void WrongType(std::string_view key, std::string_view expected, const toml::node& found) {
    problems_.Add(PathOf(key),
                  "expected " + std::string(expected) + ", got " + std::string(TypeName(found)),
                  code_);
  }

  // Returns true when the key was present (even if refused).
  bool String(std::string_view key, std::string& out) {
    const toml::node* node = Get(key);
    if (node == nullptr) return false;
    if (const auto* v = node->as_string()) {
      out = v->get();
    } else {
      WrongType(key, "a string", *node);
    }
    return true;
  }

  void Bool(std::string_view key, bool& out) {
    std::optional<bool> value;
    Bool(key, value);
    if (value) out = *value;
  }

  void Bool(std::string_view key, std::optional<bool>& out) {
    const toml::node* node = Get(key);
    if (node == nullptr) return;
    if (const auto* v = node->as_boolean()) {
      out = v->get();
    } else {
      WrongType(key, "a boolean (true or false)", *node);
    }
  }

  void Int(std::string_view key, int& out) {
    std::int64_t value = out;
    if (Integer(key, value, std::numeric_limits<int>::min(), std::numeric_limits<int>::max())) {
      out = static_cast<int>(value);
    }
  }

  // Byte counts and other sizes: a non-negative integer (0 is refused later where it matters).
  void Size(std::string_view key, std::size_t& out) {
    std::int64_t value = 0;
    if (Integer(key, value, 0, std::numeric_limits<std::int64_t>::max())) {
      out = static_cast<std::size_t>(value);
    }
  }

  void Dur(std::string_view key, Duration& out) {
    const toml::node* node = Get(key);
    if (node == nullptr) return;
    const auto* v = node->as_string();
    if (v == nullptr) {
      WrongType(key, "a duration string such as \"30s\", \"5m\" or \"250ms\"", *node);
      return;
    }
    Result<Duration> parsed = ParseDuration(v->get());
    if (parsed) {
      out = *parsed;
    } else {
      problems_.Add(PathOf(key), parsed.error().message, code_);
    }
  }

  void Strings(std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = Get(key);
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
      WrongType(key, "an array of strings", *node);
      return;
    }
    out.clear();
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (const auto* v = (*array)[i].as_string()) {
        out.push_back(v->get());
      } else {
        problems_.Add(JoinIndex(PathOf(key), i),
                      "expected a string, got " + std::string(TypeName((*array)[i])), code_);
      }
    }
  }

  const toml::table* Table(std::string_view key) {
    const toml::node* node = Get(key);
    if (node == nullptr) return nullptr;
    if (const auto* t = node->as_table()) return t;
    WrongType(key, "a table", *node);
    return nullptr;
  }

  void Finish() {
    for (const auto& [key, node] : table_) {
      if (std::find(known_.begin(), known_.end(), key.str()) == known_.end()) {
        problems_.AddUnknownKey(path_, key.str(), known_, code_);
      }
    }
  }

 private:
  bool Integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
    const toml::node* node = Get(key);
    if (node == nullptr) return false;
    const auto* v = node->as_integer();
    if (v == nullptr) {
      WrongType(key, "an integer", *node);
      return false;
    }
    if (v->get() < min || v->get() > max) {
      problems_.Add(PathOf(key),
                    "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                        ", got " + std::to_string(v->get()),
                    code_);
      return false;
    }
    out = v->get();
    return true;
  }

  const toml::table& table_;
  std::string path_;
  Problems& problems_;
  ErrorCode code_;
  std::vector<std::string> known_;
};

// A secret-holding value: a literal string, or a SecretRef table { source, provider?, id, prefix?
// }. Shape problems of a ref are SECRET_REF_INVALID; what the fields mean is checked in Validate.
std::optional<SecretInput> DecodeSecretInput(const toml::node& node, std::string path,
                                             Problems& problems) {
  SecretInput input;
  input.key_path = std::move(path);
  if (const auto* literal = node.as_string()) {
    input.literal = Secret(literal->get());
    return input;
  }
  const auto* table = node.as_table();
  if (table == nullptr) {
    problems.Add(input.key_path,
                 "expected a string or a SecretRef table { source, provider?, id }, got " +
                     std::string(TypeName(node)));
    return std::nullopt;
  }
  TableReader r(*table, input.key_path, problems, ErrorCode::kSecretRefInvalid);
  SecretRef ref;
  std::string source;
  bool has_source = r.String("source", source);
  r.String("provider", ref.provider);
  bool has_id = r.String("id", ref.id);
  r.String("prefix", input.prefix);
  r.Finish();
  if (!has_source) {
    problems.Add(r.PathOf("source"), "missing (a SecretRef needs source = env, file or exec)",
                 ErrorCode::kSecretRefInvalid);
  } else if (!problems.Touches(r.PathOf("source"))) {
    if (std::optional<SecretSource> parsed = ParseSecretSource(source)) {
      ref.source = *parsed;
    } else {
      problems.Add(r.PathOf("source"), "must be env, file or exec", ErrorCode::kSecretRefInvalid);
    }
  }
  if (!has_id) {
    problems.Add(r.PathOf("id"), "missing (a SecretRef needs an id)", ErrorCode::kSecretRefInvalid);
  }
  input.ref = std::move(ref);
  return input;
}

void DecodeRateLimit(TableReader& r, RateLimitConfig& out) {
  r.Int("max_attempts", out.max_attempts);
  r.Dur("window", out.window);
  r.Dur("lockout", out.lockout);
  r.Bool("exempt_loopback", out.exempt_loopback);
  r.Int("ipv6_prefix", out.ipv6_prefix);
}

void DecodeTrustedProxy(TableReader& r, TrustedProxyConfig& out) {
  r.Strings("proxies", out.proxies);
  r.String("user_header", out.user_header);
  r.Strings("required_headers", out.required_headers);
  r.Strings("allow_users", out.allow_users);
}

void DecodeJwt(TableReader& r, JwtAuthConfig& out) {
  r.String("issuer", out.issuer);
  r.String("audience", out.audience);
  r.String("jwks_url", out.jwks_url);
  r.String("jwks_file", out.jwks_file);
  r.String("subject", out.subject);
  r.Dur("leeway", out.leeway);
}

void DecodeAuth(TableReader& r, AuthConfig& out, Problems& problems) {
  std::string mode;
  if (r.String("mode", mode) && !problems.Touches(r.PathOf("mode"))) {
    // The names are AuthModeName's: one table for parsing and printing.
    bool known = false;
    for (AuthMode m :
         {AuthMode::kNone, AuthMode::kToken, AuthMode::kTrustedProxy, AuthMode::kJwt}) {
      if (mode == AuthModeName(m)) {
        out.mode = m;
        known = true;
      }
    }
    if (!known) {
      problems.Add(r.PathOf("mode"), "unknown mode \"" + mode +
                                         "\", expected one of none, token, trusted-proxy, jwt");
    }
  }
  if (const toml::node* token = r.Get("token")) {
    out.token = DecodeSecretInput(*token, r.PathOf("token"), problems);
  }
  if (const toml::table* t = r.Table("rate_limit")) {
    TableReader sub(*t, r.PathOf("rate_limit"), problems);
    DecodeRateLimit(sub, out.rate_limit);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("trusted_proxy")) {
    TableReader sub(*t, r.PathOf("trusted_proxy"), problems);
    DecodeTrustedProxy(sub, out.trusted_proxy);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("jwt")) {
    TableReader sub(*t, r.PathOf("jwt"), problems);
    DecodeJwt(sub, out.jwt);
    sub.Finish();
  }
}

void DecodeUpstream(TableReader& r, UpstreamConfig& out) {
  r.Dur("connect_timeout", out.connect_timeout);
  r.Dur("first_byte_timeout", out.first_byte_timeout);
  r.Dur("idle_timeout", out.idle_timeout);
  r.Int("max_connections_per_origin", out.max_connections_per_origin);
  r.Dur("pool_idle_timeout", out.pool_idle_timeout);
}

void DecodeGateway(TableReader& r, GatewayConfig& out, Problems& problems) {
  r.String("bind", out.bind);
  r.Int("threads", out.threads);
  r.Size("max_body_bytes", out.max_body_bytes);
  r.Size("max_header_bytes", out.max_header_bytes);
  r.Dur("header_timeout", out.header_timeout);
  r.Dur("body_timeout", out.body_timeout);
  r.Dur("idle_timeout", out.idle_timeout);
  r.Dur("shutdown_grace", out.shutdown_grace);
  r.Size("max_connections", out.max_connections);
  r.Size("max_connections_per_client", out.max_connections_per_client);
  r.Bool("access_log", out.access_log);
  if (const toml::table* t = r.Table("auth")) {
    TableReader sub(*t, r.PathOf("auth"), problems);
    DecodeAuth(sub, out.auth, problems);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("tls")) {
    TableReader sub(*t, r.PathOf("tls"), problems);
    TlsConfig& tls = out.tls.emplace();
    sub.String("cert", tls.cert);
    sub.String("key", tls.key);
    sub.String("hsts", tls.hsts);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("upstream")) {
    TableReader sub(*t, r.PathOf("upstream"), problems);
    DecodeUpstream(sub, out.upstream);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("websockets")) {
    TableReader sub(*t, r.PathOf("websockets"), problems);
    sub.Bool("enabled", out.websockets.enabled);
    sub.Dur("idle_timeout", out.websockets.idle_timeout);
    sub.Size("max_message_bytes", out.websockets.max_message_bytes);
    sub.Finish();
  }
}

// The keys of [secrets.providers.X] that only make sense for one source; a key for another
// source is refused (a `path` on an exec provider is a mistake, not something to ignore).
struct SourceKey {
  std::string_view key;
  SecretSource source;
};
constexpr SourceKey kSourceKeys[] = {
    {"allowlist", SecretSource::kEnv},     {"path", SecretSource::kFile},
    {"mode", SecretSource::kFile},         {"command", SecretSource::kExec},
    {"args", SecretSource::kExec},         {"pass_env", SecretSource::kExec},
    {"trusted_dirs", SecretSource::kExec}, {"timeout", SecretSource::kExec},
    {"json_only", SecretSource::kExec},    {"max_output_bytes", SecretSource::kExec},
};

void DecodeSecretProvider(TableReader& r, SecretProviderConfig& out, Problems& problems) {
  std::string source;
  bool has_source = r.String("source", source);
  r.Strings("allowlist", out.allowlist);
  r.String("path", out.path);
  std::string mode;
  bool has_mode = r.String("mode", mode);
  r.String("command", out.command);
  r.Strings("args", out.args);
  r.Strings("pass_env", out.pass_env);
  r.Strings("trusted_dirs", out.trusted_dirs);
  r.Dur("timeout", out.timeout);
  r.Bool("json_only", out.json_only);
  r.Size("max_output_bytes", out.max_output_bytes);
  // A provider without a usable source is reported once, here; Validate then skips it.
  if (problems.Touches(r.PathOf("source"))) return;
  std::optional<SecretSource> parsed = ParseSecretSource(source);
  if (!parsed) {
    problems.Add(r.PathOf("source"), !has_source || source.empty() ? "required: env, file or exec"
                                                                   : "must be env, file or exec");
    return;
  }
  out.source = *parsed;
  for (const SourceKey& k : kSourceKeys) {
    if (r.Has(k.key) && k.source != out.source) {
      problems.Add(r.PathOf(k.key), "only valid with source = \"" +
                                        std::string(SecretSourceName(k.source)) +
                                        "\", this provider has source = \"" +
                                        std::string(SecretSourceName(out.source)) + "\"");
    }
  }
  if (out.source == SecretSource::kFile && has_mode && !problems.Touches(r.PathOf("mode"))) {
    if (std::optional<FileMode> parsed_mode = ParseFileMode(mode)) {
      out.mode = *parsed_mode;
    } else {
      problems.Add(r.PathOf("mode"), "must be \"json\" or \"single_value\"");
    }
  }
}

void DecodeSecrets(TableReader& r, Config& out, Problems& problems) {
  const toml::table* providers = r.Table("providers");
  if (providers == nullptr) return;
  for (const auto& [alias, node] : InFileOrder(*providers)) {
    std::string path = JoinKey(r.PathOf("providers"), alias);
    const auto* table = node->as_table();
    if (table == nullptr) {
      problems.Add(path, "expected a table, got " + std::string(TypeName(*node)));
      continue;
    }
    TableReader sub(*table, path, problems);
    SecretProviderConfig provider;
    provider.alias = alias;
    DecodeSecretProvider(sub, provider, problems);
    sub.Finish();
    out.secret_providers.emplace(alias, std::move(provider));
  }
}

void DecodeFederated(TableReader& r, FederatedConfig& out, Problems& problems) {
  if (const toml::node* token = r.Get("token")) {
    out.token = DecodeSecretInput(*token, r.PathOf("token"), problems);
  }
  r.String("token_file", out.token_file);
  r.Strings("refresh_command", out.refresh_command);
  if (r.Has("refresh_command") && out.refresh_command.empty() &&
      !problems.Touches(r.PathOf("refresh_command"))) {
    problems.Add(r.PathOf("refresh_command"),
                 "must not be empty (it is an argv: [\"/path\", ...])");
  }
  r.Dur("refresh_before", out.refresh_before);
  r.Dur("refresh_timeout", out.refresh_timeout);
  r.Strings("pass_env", out.pass_env);
  r.Strings("trusted_dirs", out.trusted_dirs);
}

void DecodeOAuth(TableReader& r, OAuthConfig& out) {
  r.String("authorize_url", out.authorize_url);
  r.String("token_url", out.token_url);
  r.String("client_id", out.client_id);
  r.Strings("scopes", out.scopes);
  r.String("redirect_uri", out.redirect_uri);
}

void DecodeProvider(TableReader& r, ProviderConfig& out, Problems& problems) {
  std::string api;
  if (r.String("api", api) && !problems.Touches(r.PathOf("api"))) {
    if (api == "openai") {
      out.api = Api::kOpenAi;
    } else if (api == "anthropic") {
      out.api = Api::kAnthropic;
    } else {
      problems.Add(r.PathOf("api"), "unknown api \"" + api + "\", expected openai or anthropic");
    }
  }
  r.String("base_url", out.base_url);
  r.Bool("enabled", out.enabled);
  if (const toml::node* keys = r.Get("keys")) {
    if (const auto* array = keys->as_array()) {
      std::vector<SecretInput>& list = out.keys.emplace();
      for (std::size_t i = 0; i < array->size(); ++i) {
        auto input = DecodeSecretInput((*array)[i], JoinIndex(r.PathOf("keys"), i), problems);
        if (input) list.push_back(std::move(*input));
      }
    } else {
      r.WrongType("keys", "an array of keys (strings or SecretRef tables)", *keys);
    }
  }
  r.String("env_prefix", out.env_prefix);
  r.Strings("forward_caller_headers", out.forward_caller_headers);
  r.Bool("websockets", out.websockets);
  if (const toml::table* headers = r.Table("headers")) {
    for (const auto& [name, node] : InFileOrder(*headers)) {
      auto input = DecodeSecretInput(*node, JoinKey(r.PathOf("headers"), name), problems);
      if (input) out.headers.emplace_back(name, std::move(*input));
    }
  }
  if (const toml::table* t = r.Table("federated")) {
    TableReader sub(*t, r.PathOf("federated"), problems);
    DecodeFederated(sub, out.federated.emplace(), problems);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("oauth")) {
    TableReader sub(*t, r.PathOf("oauth"), problems);
    DecodeOAuth(sub, out.oauth.emplace());
    sub.Finish();
  }
}

void DecodeProviders(const toml::table& providers, Config& out, Problems& problems) {
  for (const auto& [id, node] : InFileOrder(providers)) {
    std::string path = JoinKey("providers", id);
    const auto* table = node->as_table();
    if (table == nullptr) {
      problems.Add(path, "expected a table, got " + std::string(TypeName(*node)));
      continue;
    }
    TableReader sub(*table, path, problems);
    ProviderConfig provider;
    provider.id = id;
    DecodeProvider(sub, provider, problems);
    sub.Finish();
    out.providers.push_back(std::move(provider));
  }
}

void DecodeCaller(TableReader& r, CallerConfig& out, Problems& problems) {
  if (const toml::node* tokens = r.Get("tokens")) {
    if (const auto* array = tokens->as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        auto input = DecodeSecretInput((*array)[i], JoinIndex(r.PathOf("tokens"), i), problems);
        if (input) out.tokens.push_back(std::move(*input));
      }
    } else {
      r.WrongType("tokens", "an array of SecretRef tables or \"sha256:<hex>\" digests", *tokens);
    }
  }
  r.Strings("proxy_users", out.proxy_users);
  std::string subject;
  if (r.String("jwt_subject", subject)) out.jwt_subject = subject;
  if (const toml::table* claims = r.Table("jwt_claims")) {
    out.has_jwt_claims = true;
    for (const auto& [claim, node] : InFileOrder(*claims)) {
      if (const auto* v = node->as_string()) {
        out.jwt_claims.emplace_back(claim, v->get());
      } else {
        problems.Add(
            JoinKey(r.PathOf("jwt_claims"), claim),
            "expected a string (a value or a '*' pattern), got " + std::string(TypeName(*node)));
      }
    }
  } else if (r.Has("jwt_claims")) {
    out.has_jwt_claims = true;
  }
  if (r.Has("profiles")) r.Strings("profiles", out.profiles.emplace());
  r.Strings("providers", out.providers);
  if (r.Has("models")) r.Strings("models", out.models.emplace());
}

void DecodeCallers(const toml::table& callers, Config& out, Problems& problems) {
  for (const auto& [name, node] : InFileOrder(callers)) {
    std::string path = JoinKey("callers", name);
    const auto* table = node->as_table();
    if (table == nullptr) {
      problems.Add(path, "expected a table, got " + std::string(TypeName(*node)));
      continue;
    }
    TableReader sub(*table, path, problems);
    CallerConfig caller;
    caller.name = name;
    DecodeCaller(sub, caller, problems);
    sub.Finish();
    out.callers.push_back(std::move(caller));
  }
}

// [models.aliases]: NAME = "provider/model", in file order.
void DecodeModelAliases(const toml::table& aliases, std::string_view path, Config& out,
                        Problems& problems) {
  for (const auto& [name, node] : InFileOrder(aliases)) {
    if (const auto* v = node->as_string()) {
      out.models.aliases.push_back(ModelAlias{name, v->get()});
    } else {
      problems.Add(JoinKey(path, name),
                   "expected a string \"provider/model\", got " + std::string(TypeName(*node)));
    }
  }
}

// [models]: "pattern" = "provider" rules in file order (toml::table is sorted by key, and the
// first matching rule wins), plus the [models.aliases] subtable.
void DecodeModels(const toml::table& models, Config& out, Problems& problems) {
  for (const auto& [key, node] : InFileOrder(models)) {
    const std::string path = JoinKey("models", key);
    if (key == "aliases") {
      if (const auto* table = node->as_table()) {
        DecodeModelAliases(*table, path, out, problems);
      } else {
        problems.Add(path, "expected a table of NAME = \"provider/model\", got " +
                               std::string(TypeName(*node)));
      }
      continue;
    }
    if (const auto* v = node->as_string()) {
      out.models.rules.push_back(ModelRule{key, v->get()});
    } else {
      problems.Add(path, "expected a provider id (a string such as \"openai\"), got " +
                             std::string(TypeName(*node)) +
                             (node->is_table() ? " (only [models.aliases] is a table)" : ""));
    }
  }
}

// Step 1: the TOML tree → structs. Sections are decoded in dependency order (secret providers
// before the refs that name them), though cross-references are only checked in Validate.
void Decode(const toml::table& root, Config& out, Problems& problems) {
  TableReader r(root, "", problems);
  if (const toml::table* t = r.Table("gateway")) {
    TableReader sub(*t, "gateway", problems);
    DecodeGateway(sub, out.gateway, problems);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("secrets")) {
    TableReader sub(*t, "secrets", problems);
    DecodeSecrets(sub, out, problems);
    sub.Finish();
  }
  if (const toml::table* t = r.Table("providers")) DecodeProviders(*t, out, problems);
  if (const toml::table* t = r.Table("callers")) DecodeCallers(*t, out, problems);
  if (const toml::table* t = r.Table("models")) DecodeModels(*t, out, problems);
  if (const toml::table* t = r.Table("reload")) {
    TableReader sub(*t, "reload", problems);
    sub.Bool("watch", out.reload.watch);
    sub.Finish();
  }
  r.Finish();
}

}  // namespace

Result<Config> ParseConfig(std::string_view toml_text, std::string origin, const Environment& env) {
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(origin));
  } catch (const toml::parse_error& e) {
    // toml++ descriptions name the construct, not the surrounding text, so no value leaks here.
    const toml::source_position& at = e.source().begin;
    return Error::Make(ErrorCode::kConfigInvalid,
                       origin + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                           ": " + std::string(e.description()),
                       origin);
  }

  Problems problems;
  Config config;
  config.origin = origin;
  Decode(root, config, problems);
  Normalize(config, env);
  Validate(config, problems);
  if (!problems.empty()) return problems.ToError(std::move(origin));
  return config;
}

Result<Config> LoadConfigFile(const std::string& path, const Environment& env) {
  // Whoever can write the config decides where keys go and what runs: it must be the user's
  // (or root's) and not writable by group or others. Checked on the descriptor that is read.
  auto text = ReadTrustedFile(path, kMaxConfigBytes, "config file", TrustedOwner::kUserOrRoot);
  if (!text) {
    if (text.error().code == ErrorCode::kFileTooLarge)
      return Error::InvalidConfig(path,
                                  "config file is larger than 4 MiB (is this the right file?)");
    return text.error();
  }
  return ParseConfig(*text, path, env);
}

}  // namespace warden::config
