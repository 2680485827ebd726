#include "secrets/secret_resolver.hpp"

#include <map>
#include <optional>
#include <utility>

#include "secrets/env_resolver.hpp"
#include "secrets/exec_resolver.hpp"
#include "secrets/file_resolver.hpp"

namespace warden::secrets {
namespace {

constexpr char kDefaultAlias[] = "default";

std::string Quoted(config::SecretSource source) {
  return "\"" + std::string(config::SecretSourceName(source)) + "\"";
}

std::string ConfiguredAliases(
    const std::map<std::string, config::SecretProviderConfig>& providers) {
  if (providers.empty()) return "none are configured";
  std::string out = "configured: [";
  bool first = true;
  for (const auto& [alias, cfg] : providers) {
    if (!first) out += ", ";
    first = false;
    out += alias + " (" + std::string(config::SecretSourceName(cfg.source)) + ")";
  }
  return out + "]";
}

// "" in a hand-built ref means the default alias, as the config loader's default does.
config::SecretRef Normalized(const config::SecretRef& ref) {
  config::SecretRef out = ref;
  if (out.provider.empty()) out.provider = kDefaultAlias;
  return out;
}

}  // namespace

SecretResolver::SecretResolver(const std::map<std::string, config::SecretProviderConfig>& providers,
                               const Environment& env)
    : providers_(providers), env_(env) {}

Result<const config::SecretProviderConfig*> SecretResolver::Lookup(
    const config::SecretRef& ref) const {
  const std::string context = ref.Describe();
  auto it = providers_.find(ref.provider);
  if (it == providers_.end()) {
    if (ref.source == config::SecretSource::kEnv && ref.provider == kDefaultAlias) {
      return static_cast<const config::SecretProviderConfig*>(nullptr);
    }
    return Error::Make(ErrorCode::kSecretProviderNotConfigured,
                       "secret provider \"" + ref.provider + "\" is not configured (" +
                           ConfiguredAliases(providers_) + "); add [secrets.providers." +
                           ref.provider + "] with source = " + Quoted(ref.source),
                       context);
  }
  const config::SecretProviderConfig& provider = it->second;
  if (provider.source != ref.source) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "SecretRef source " + Quoted(ref.source) +
                           " does not match secret provider \"" + ref.provider +
                           "\", whose source is " + Quoted(provider.source),
                       context);
  }
  return &provider;
}

std::vector<Result<Secret>> SecretResolver::ResolveAll(
    const std::vector<config::SecretRef>& input_refs) {
  std::vector<std::optional<Result<Secret>>> slots(input_refs.size());
  // Per file/exec alias: the refs to resolve together and where their results go.
  struct Batch {
    const config::SecretProviderConfig* provider = nullptr;
    std::vector<config::SecretRef> refs;
    std::vector<std::size_t> slots;
  };
  std::map<std::string, Batch> file_batches;
  std::map<std::string, Batch> exec_batches;

  for (std::size_t i = 0; i < input_refs.size(); ++i) {
    config::SecretRef ref = Normalized(input_refs[i]);
    auto provider = Lookup(ref);
    if (!provider) {
      slots[i].emplace(provider.error());
      continue;
    }
    if (ref.source == config::SecretSource::kEnv) {
      slots[i].emplace(ResolveEnvRef(ref, *provider, env_));
      continue;
    }
    Batch& batch =
        (ref.source == config::SecretSource::kFile ? file_batches : exec_batches)[ref.provider];
    batch.provider = *provider;
    batch.slots.push_back(i);
    batch.refs.push_back(std::move(ref));
  }

  for (auto& [alias, batch] : file_batches) {
    auto results = ResolveFileRefs(alias, *batch.provider, batch.refs);
    for (std::size_t j = 0; j < results.size(); ++j) {
      slots[batch.slots[j]].emplace(std::move(results[j]));
    }
  }
  for (auto& [alias, batch] : exec_batches) {
    auto results = ResolveExecRefs(alias, *batch.provider, batch.refs, env_);
    for (std::size_t j = 0; j < results.size(); ++j) {
      slots[batch.slots[j]].emplace(std::move(results[j]));
    }
  }

  std::vector<Result<Secret>> out;
  out.reserve(slots.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

Result<Secret> SecretResolver::Resolve(const config::SecretRef& ref) {
  auto results = ResolveAll({ref});
  return std::move(results.front());
}

Result<Secret> SecretResolver::Resolve(const config::SecretInput& input) {
  if (input.IsLiteral()) {
    if (input.prefix.empty()) return input.literal;
    return Secret(input.prefix + std::string(input.literal.Reveal()));
  }
  auto resolved = Resolve(*input.ref);
  if (!resolved || input.prefix.empty()) return resolved;
  return Secret(input.prefix + std::string(resolved->Reveal()));
}

}  // namespace warden::secrets
