#include "secrets/env_resolver.hpp"

#include <algorithm>
#include <string>

namespace warden::secrets {

Result<Secret> ResolveEnvRef(const config::SecretRef& ref,
                             const config::SecretProviderConfig* provider, const Environment& env) {
  const std::string context = ref.Describe();
  if (ref.id.empty() || ref.id.find('=') != std::string::npos ||
      ref.id.find('\0') != std::string::npos) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "env SecretRef id must be an environment variable name (non-empty, no "
                       "\"=\")",
                       context);
  }
  if (provider != nullptr && !provider->allowlist.empty() &&
      std::find(provider->allowlist.begin(), provider->allowlist.end(), ref.id) ==
          provider->allowlist.end()) {
    return Error::Make(ErrorCode::kSecretRefInvalid,
                       "variable " + ref.id + " is not in allowlist of env provider \"" +
                           ref.provider + "\"; add it to secrets.providers." + ref.provider +
                           ".allowlist",
                       context);
  }
  auto value = env.Get(ref.id);
  if (!value) {
    return Error::Make(ErrorCode::kSecretRefNotFound,
                       "environment variable " + ref.id + " is not set", context);
  }
  if (value->empty()) {
    return Error::Make(ErrorCode::kSecretRefNotFound,
                       "environment variable " + ref.id + " is empty", context);
  }
  return Secret(std::move(*value));
}

}  // namespace warden::secrets
