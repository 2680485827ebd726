// Resolution of `source = "env"` SecretRefs: the value of an environment variable.
//
// The implicit alias "default" needs no [secrets.providers] entry and allows any variable; an
// explicit env alias may carry an allowlist (empty = any variable). Errors, with the ref's
// Describe() as context and never a value:
//   SECRET_REF_INVALID   empty/malformed variable name, or not in the alias's allowlist;
//   SECRET_REF_NOT_FOUND the variable is unset or empty (the message names it).
// Ownership: borrows the ref, provider config and Environment for the call only.
// Thread safety: stateless; as thread-safe as the Environment passed in.
#pragma once

#include "base/environment.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "observe/secret.hpp"

namespace warden::secrets {

// `provider` is the alias's config, or nullptr for the implicit "default" alias. The caller
// (SecretResolver) has already checked that the alias exists and is an env alias.
[[nodiscard]] Result<Secret> ResolveEnvRef(const config::SecretRef& ref,
                                           const config::SecretProviderConfig* provider,
                                           const Environment& env);

}  // namespace warden::secrets
