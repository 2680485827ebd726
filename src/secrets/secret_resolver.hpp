// SecretResolver: the one entry point the control plane and the CLI use to turn SecretRefs and
// SecretInputs into Secrets (README, "SecretRefs").
//
// It looks up each ref's alias in [secrets.providers] (the env alias "default" needs no entry),
// checks that the ref's source matches the alias's, and dispatches to the env, file or exec
// resolver. ResolveAll batches: one file read per file alias and ONE helper process per exec
// alias per call, carrying all of that alias's ids. Results come back in input order.
// Errors carry the ref's Describe() ("exec:vault:anthropic/key") as context; no error message
// ever contains a resolved value or a helper's output. Codes: SECRET_PROVIDER_NOT_CONFIGURED
// (unknown alias; lists the configured ones), SECRET_REF_INVALID (source mismatch, bad id),
// SECRET_REF_NOT_FOUND, SECRET_PROVIDER_ERROR, SECRET_FILE_INSECURE.
// Header safety (control characters) is the caller's check: see header_value.hpp.
//
// Ownership: borrows `providers` and `env`; both must outlive the resolver.
// Thread safety: no mutable state; concurrent calls are safe if `env` is. Calls block on file
// reads and child processes (up to each exec alias's timeout), so keep them off event loops.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "observe/secret.hpp"

namespace warden::secrets {

class SecretResolver {
 public:
  SecretResolver(const std::map<std::string, config::SecretProviderConfig>& providers,
                 const Environment& env);

  // Resolves many refs at once; see the batching note above. Results in input order.
  [[nodiscard]] std::vector<Result<Secret>> ResolveAll(const std::vector<config::SecretRef>& refs);
  [[nodiscard]] Result<Secret> Resolve(const config::SecretRef& ref);
  // Literal → the literal; ref → the resolved value. Then `input.prefix` is prepended.
  [[nodiscard]] Result<Secret> Resolve(const config::SecretInput& input);

 private:
  // The alias's config for `ref`, or nullptr for the implicit env "default" alias.
  Result<const config::SecretProviderConfig*> Lookup(const config::SecretRef& ref) const;

  const std::map<std::string, config::SecretProviderConfig>& providers_;
  const Environment& env_;
};

}  // namespace warden::secrets
