#include "snapshot/snapshot_builder.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "access/gateway_token.hpp"
#include "access/trusted_proxy.hpp"
#include "base/private_file.hpp"
#include "base/strings.hpp"
#include "config/model_ref.hpp"
#include "config/problems.hpp"
#include "creds/env_key_chain.hpp"
#include "crypto/jwt.hpp"
#include "http/origin.hpp"
#include "secrets/header_value.hpp"
#include "secrets/secret_resolver.hpp"

namespace warden::snapshot {

std::shared_ptr<creds::FederatedToken> FederatedTokenRegistry::Get(const std::string& provider) {
  std::lock_guard lock(mu_);
  auto& slot = tokens_[provider];
  if (!slot) slot = std::make_shared<creds::FederatedToken>(provider);
  return slot;
}

FederatedLoad LoadFederatedToken(const config::FederatedConfig& fed, const config::Config& cfg,
                                 const Environment& env, std::int64_t now_ms) {
  FederatedLoad out;
  std::vector<std::string> tried;
  // A token some source held: usable when it is a JWT whose exp is still ahead.
  auto consider = [&](std::string token, const std::string& where, std::string source) {
    auto claims = crypto::DecodeJwtClaims(token);
    if (!claims) {
      out.found_unusable = true;
      tried.push_back(where + ": " + claims.error().message);
    } else if (claims->exp * 1000 <= now_ms) {
      out.found_unusable = true;
      tried.push_back(where + ": token expired");
    } else if (auto ok = secrets::CheckHeaderValue(token, where); !ok) {
      // Only the payload is decoded: CR/LF after it would otherwise reach the Authorization line.
      out.found_unusable = true;
      tried.push_back(ok.error().message);
    } else {
      out.token = creds::FederatedTokenValue{Secret(std::move(token)), claims->exp * 1000,
                                             std::move(source)};
    }
  };
  if (fed.token) {
    secrets::SecretResolver resolver(cfg.secret_providers, env);
    auto value = resolver.Resolve(*fed.token);
    const config::SecretInput& in = *fed.token;
    std::string where = in.ref ? in.ref->Describe() : in.key_path;
    if (value) {
      consider(std::string(TrimWhitespace(value->Reveal())), where,
               in.ref ? std::string(config::SecretSourceName(in.ref->source)) + ":" + in.ref->id
                      : "config");
      if (out.token) return out;
    } else {
      tried.push_back(where + ": " + std::string(value.error().CodeName()));
    }
  }
  if (!fed.token_file.empty()) {
    const std::string where = "token_file " + fed.token_file;
    auto content = warden::ReadSecureFile(fed.token_file, 64 * 1024);
    if (!content) {
      tried.push_back(where + ": " + content.error().message);
    } else {
      consider(std::string(TrimWhitespace(*content)), where, "file:" + fed.token_file);
      if (out.token) return out;
    }
  }
  for (const std::string& t : tried) out.why += (out.why.empty() ? "" : "; ") + t;
  return out;
}

namespace {

// Every SecretInput of one build, resolved with a single secrets::SecretResolver::ResolveAll call
// so that each exec alias runs once with all its ids (batched) and each file alias is read once.
class PreResolved {
 public:
  PreResolved(secrets::SecretResolver& resolver,
              const std::vector<const config::SecretInput*>& inputs) {
    std::vector<config::SecretRef> refs;
    std::vector<const config::SecretInput*> owners;
    for (const auto* in : inputs) {
      if (in->ref) {
        refs.push_back(*in->ref);
        owners.push_back(in);
      }
    }
    auto results = resolver.ResolveAll(refs);
    for (std::size_t i = 0; i < owners.size(); ++i)
      results_.emplace(owners[i], std::move(results[i]));
  }

  // Literal or resolved value, with the input's prefix applied.
  Result<Secret> Get(const config::SecretInput& in) const {
    if (!in.ref) return Secret(in.prefix + std::string(in.literal.Reveal()));
    auto it = results_.find(&in);
    if (it == results_.end())
      return Error::Make(ErrorCode::kSecretRefInvalid, "ref was not resolved", in.ref->Describe());
    if (!it->second) return it->second.error();
    if (in.prefix.empty()) return *it->second;
    return Secret(in.prefix + std::string(it->second->Reveal()));
  }

 private:
  std::map<const config::SecretInput*, Result<Secret>> results_;
};

struct ProviderBuild {
  ProviderRuntime runtime;
  std::vector<std::string> diagnostics;
};

// One provider's runtime. Errors are failures of an active surface (fail start, reject reload).
Result<ProviderBuild> BuildProvider(const config::ProviderConfig& pc, const config::Config& cfg,
                                    const Environment& env, const PreResolved& resolved,
                                    creds::CredentialStateRegistry& key_states,
                                    FederatedTokenRegistry& federated,
                                    const BuildOptions& options) {
  ProviderBuild out;
  ProviderRuntime& p = out.runtime;
  p.id = pc.id;
  p.api = pc.api;
  p.websockets = pc.websockets;
  for (const auto& name : pc.forward_caller_headers) {
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    p.forward_caller_headers.push_back(std::move(lower));
  }
  auto url = http::ParseBaseUrl(pc.base_url);
  if (!url) return url.error().WithContext("providers." + pc.id + ".base_url");
  p.origin = url->origin;
  p.base_path = url->path;
  p.how_to_enable = creds::EnvKeyChainNames(pc.env_prefix);
  if (pc.federated && pc.federated->token && pc.federated->token->ref &&
      pc.federated->token->ref->source == config::SecretSource::kEnv)
    p.how_to_enable.push_back(pc.federated->token->ref->id + " (federated token)");
  if (pc.enabled && !*pc.enabled) {
    p.disabled_reason = "enabled = false in the config";
    p.how_to_enable = {"providers." + pc.id + ".enabled = true"};
    p.source_kind = "none";
    out.diagnostics.push_back("provider " + pc.id + " skipped: enabled = false");
    return out;
  }
  auto at = [&pc](const Error& e, const std::string& where) {
    return e.Wrap("providers." + pc.id + "." + where);
  };

  // Static keys: config `keys`, else the env chain.
  std::vector<creds::PooledKey> keys;
  if (pc.keys) {
    for (std::size_t i = 0; i < pc.keys->size(); ++i) {
      const auto& input = (*pc.keys)[i];
      std::string where = "keys[" + std::to_string(i) + "]";
      auto v = resolved.Get(input);
      if (!v) return at(v.error(), where);
      if (auto ok = secrets::CheckHeaderValue(v->Reveal(), "providers." + pc.id + "." + where); !ok)
        return at(ok.error(), where);
      std::string fp = v->Fingerprint();
      std::string source = "providers." + pc.id + "." + where +
                           (input.ref ? " (" + input.ref->Describe() + ")" : " (literal)");
      keys.push_back(
          creds::PooledKey{std::move(*v), fp, std::move(source), key_states.Get(pc.id, fp)});
    }
    p.source_kind = "config";
  } else {
    for (auto& k : creds::EnvKeyChain(pc.env_prefix, env)) {
      if (auto ok = secrets::CheckHeaderValue(k.value.Reveal(), k.variable); !ok)
        return at(ok.error(), k.variable);
      std::string fp = k.value.Fingerprint();
      keys.push_back(
          creds::PooledKey{std::move(k.value), fp, k.variable, key_states.Get(pc.id, fp)});
    }
    p.source_kind = "env";
  }

  // Extra headers, sent only to this provider.
  for (const auto& [name, input] : pc.headers) {
    std::string where = "headers." + name;
    auto v = resolved.Get(input);
    if (!v) return at(v.error(), where);
    if (auto ok = secrets::CheckHeaderValue(v->Reveal(), "providers." + pc.id + "." + where); !ok)
      return at(ok.error(), where);
    p.headers.emplace_back(name, std::move(*v));
  }

  // Federated token (used when no static key resolves).
  bool federated_possible = false;
  if (pc.federated) {
    p.federated = federated.Get(pc.id);
    FederatedLoad loaded = LoadFederatedToken(*pc.federated, cfg, env, options.now_ms);
    auto current = p.federated->Current();
    if (loaded.token && (!current || loaded.token->exp_ms >= current->exp_ms)) {
      p.federated->Publish(std::make_shared<creds::FederatedTokenValue>(std::move(*loaded.token)));
    }
    current = p.federated->Current();
    federated_possible =
        (current && current->exp_ms > options.now_ms) || !pc.federated->refresh_command.empty();
    if (!current || current->exp_ms <= options.now_ms) {
      // A token that was found but is expired or malformed is a problem to report (status exits
      // 1); an absent one just means this source is not in use.
      if (loaded.found_unusable) p.federated_problem = loaded.why;
      if (!loaded.why.empty()) {
        out.diagnostics.push_back("provider " + pc.id + " federated token: " + loaded.why);
      }
    }
  }

  p.keys = creds::KeyPool(std::move(keys));
  if (options.profiles)
    p.profiles = creds::BuildProfilePool(*options.profiles, pc.id, key_states, out.diagnostics);
  if (!p.keys.empty() || federated_possible || !p.profiles.empty()) {
    p.enabled = true;
    if (p.keys.empty()) p.source_kind = federated_possible ? "federated" : "profiles";
    return out;
  }
  p.disabled_reason = p.federated_problem.empty()
                          ? "no credential resolved"
                          : "federated token unusable: " + p.federated_problem;
  if (pc.enabled.value_or(false)) {
    return Error::Make(
        ErrorCode::kProviderNoCredential,
        "provider '" + pc.id + "' is enabled but has no credential; set " + p.HowToEnable(),
        "providers." + pc.id);
  }
  out.diagnostics.push_back("provider " + pc.id + " disabled: " + p.disabled_reason + " (set " +
                            p.HowToEnable() + ")");
  p.source_kind = "none";
  return out;
}

// "sha256:<64 lower-case hex>" (checked by config validation) → the digest.
crypto::Sha256Digest DigestFromConfig(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  text.remove_prefix(std::min(kPrefix.size(), text.size()));
  crypto::Sha256Digest digest{};
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i < digest.size() && 2 * i + 1 < text.size(); ++i) {
    digest[i] = static_cast<std::uint8_t>(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  }
  return digest;
}

// [callers] → the access layer's policies. Token SecretRefs are hashed as soon as they resolve,
// so the snapshot holds digests only; a token shared by two callers is refused.
Result<std::vector<access::CallerPolicy>> BuildCallers(const config::Config& cfg,
                                                       const PreResolved& resolved) {
  std::vector<access::CallerPolicy> out;
  std::map<crypto::Sha256Digest, std::string> owner;  // digest → key path
  for (const config::CallerConfig& cc : cfg.callers) {
    access::CallerPolicy policy;
    policy.name = cc.name;
    policy.proxy_users = cc.proxy_users;
    policy.providers = cc.providers;
    policy.models = cc.models;
    policy.jwt_subject = cc.jwt_subject;
    policy.jwt_claims = cc.jwt_claims;
    policy.profiles = cc.profiles;
    if (cfg.gateway.auth.mode == config::AuthMode::kToken) {
      for (const config::SecretInput& in : cc.tokens) {
        crypto::Sha256Digest digest;
        if (in.IsLiteral()) {
          digest = DigestFromConfig(in.literal.Reveal());
        } else {
          auto value = resolved.Get(in);
          if (!value) return value.error().Wrap(in.key_path);
          if (value->empty()) {
            return Error::Make(ErrorCode::kSecretValueInvalid, "the caller token is empty",
                               in.key_path);
          }
          digest = crypto::Sha256(value->Reveal());
        }
        auto [it, inserted] = owner.emplace(digest, in.key_path);
        if (!inserted) {
          return Error::Make(ErrorCode::kConfigInvalid,
                             "the same token is already used by " + it->second, in.key_path);
        }
        policy.token_digests.push_back(digest);
      }
    }
    out.push_back(std::move(policy));
  }
  return out;
}

// [models] → ModelRoutes over the built providers (one per configured provider, in config order;
// Validate checked every id, so a missing one is a bug, reported rather than dereferenced).
Result<ModelRoutes> BuildModelRoutes(const config::ModelsConfig& cfg,
                                     const std::vector<ProviderRuntime>& providers) {
  auto index_of = [&](std::string_view id) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < providers.size(); ++i) {
      if (providers[i].id == id) return i;
    }
    return std::nullopt;
  };
  ModelRoutes out;
  for (const config::ModelRule& rule : cfg.rules) {
    const std::string path = config::JoinKey("models", rule.pattern);
    const std::optional<std::size_t> i = index_of(rule.provider);
    if (!i) return Error::InvalidConfig(path, "unknown provider \"" + rule.provider + "\"");
    out.rules.push_back(ModelRoutes::Rule{rule.pattern, *i, path});
  }
  for (const config::ModelAlias& alias : cfg.aliases) {
    const std::string path = config::JoinKey("models.aliases", alias.name);
    const std::optional<config::ModelRef> ref = config::ParseModelRef(alias.target);
    const std::optional<std::size_t> i =
        ref ? index_of(ref->provider) : std::optional<std::size_t>();
    if (!i) return Error::InvalidConfig(path, "not a \"provider/model\" of a known provider");
    out.aliases.push_back(ModelRoutes::Alias{alias.name, *i, alias.target, std::string(ref->model),
                                             path, std::string(ref->profile)});
  }
  return out;
}

}  // namespace

Result<BuildResult> BuildSnapshot(std::shared_ptr<const config::Config> cfg, const Environment& env,
                                  creds::CredentialStateRegistry& key_states,
                                  FederatedTokenRegistry& federated, const BuildOptions& options,
                                  std::uint64_t generation) {
  BuildResult out;
  auto snap = std::make_shared<Snapshot>();
  snap->generation = generation;
  snap->config = cfg;
  secrets::SecretResolver resolver(cfg->secret_providers, env);

  // Every active ref, resolved in one batch (one process per exec alias).
  const auto& auth = cfg->gateway.auth;
  std::vector<const config::SecretInput*> inputs;
  if (auth.mode == config::AuthMode::kToken && auth.token) inputs.push_back(&*auth.token);
  for (const auto& pc : cfg->providers) {
    if (pc.enabled && !*pc.enabled) continue;  // inactive surface: never resolved
    if (pc.keys)
      for (const auto& k : *pc.keys) inputs.push_back(&k);
    for (const auto& [name, in] : pc.headers) inputs.push_back(&in);
  }
  if (auth.mode == config::AuthMode::kToken) {
    for (const auto& caller : cfg->callers)
      for (const auto& t : caller.tokens) inputs.push_back(&t);
  }
  PreResolved resolved(resolver, inputs);

  // Gateway access.
  snap->access.mode = auth.mode;
  if (auth.mode == config::AuthMode::kJwt) {
    access::JwtPolicy& jwt = snap->access.jwt;
    jwt.rules = crypto::JwtRules{auth.jwt.issuer, auth.jwt.audience, auth.jwt.subject,
                                 auth.jwt.leeway.count() / 1000};
    jwt.keys = options.jwks;
    jwt.id = access::NewJwtPolicyId();
  }
  if (auth.mode == config::AuthMode::kTrustedProxy) {
    auto policy = access::BuildTrustedProxyPolicy(auth.trusted_proxy);
    if (!policy) return policy.error();
    snap->access.trusted_proxy = std::move(*policy);
  }
  if (auth.mode == config::AuthMode::kToken) {
    std::optional<Secret> config_token;
    if (auth.token) {
      auto v = resolved.Get(*auth.token);
      if (!v) {
        // Env-first: an unresolvable config token only matters when nothing outranks it.
        bool outranked = (options.flag_token && !options.flag_token->empty()) ||
                         env.Get("WARDEN_GATEWAY_TOKEN").value_or("") != "";
        if (!outranked) return v.error().Wrap("gateway.auth.token");
      } else {
        config_token = std::move(*v);
      }
    }
    auto token =
        access::ResolveGatewayToken(options.flag_token, env, config_token, options.generate_token);
    if (!token && !options.require_token) {
      out.diagnostics.push_back(token.error().ToString());
      token = access::GatewayToken{};
    }
    if (!token) return token.error();
    snap->access.token = token->token;
    snap->access.token_source = token->source;
    out.token_generated = token->generated;
    for (auto& w : token->warnings) out.diagnostics.push_back(std::move(w));
  }

  auto callers = BuildCallers(*cfg, resolved);
  if (!callers) return callers.error();
  snap->access.callers = std::move(*callers);

  // Providers.
  for (const auto& pc : cfg->providers) {
    auto built = BuildProvider(pc, *cfg, env, resolved, key_states, federated, options);
    if (!built) {
      if (!options.report) return built.error();
      // Reports (status) show the broken provider instead of stopping at it.
      ProviderRuntime broken;
      broken.id = pc.id;
      broken.api = pc.api;
      broken.source_kind = "none";
      broken.disabled_reason = built.error().ToString();
      broken.broken = true;
      out.diagnostics.push_back(built.error().ToString());
      snap->providers.push_back(std::move(broken));
      continue;
    }
    for (auto& d : built->diagnostics) out.diagnostics.push_back(std::move(d));
    if (built->runtime.enabled)
      snap->enabled_names += (snap->enabled_names.empty() ? "" : ", ") + built->runtime.id;
    snap->providers.push_back(std::move(built->runtime));
  }
  auto models = BuildModelRoutes(cfg->models, snap->providers);
  if (!models) return models.error();
  snap->models = std::move(*models);
  out.snapshot = std::move(snap);
  return out;
}

}  // namespace warden::snapshot
