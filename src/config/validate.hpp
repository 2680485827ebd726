// Steps 2 and 3 of the config loader (see config/loader.hpp): Normalize rewrites values in one
// place, Validate checks the normalised structs and records every problem with its key path.
// Internal to src/config; other code calls ParseConfig/LoadConfigFile.
// Ownership: borrows the Config and Problems for the call only.
// Thread safety: reentrant; each call works only on its arguments.
#pragma once

#include <string_view>

#include "base/environment.hpp"
#include "config/config.hpp"
#include "config/problems.hpp"

namespace warden::config {

// "~" expansion of every filesystem path, trailing "/" of base_url, default env_prefix,
// relative TLS/JWKS paths against the directory of config.origin, an empty [gateway.tls] → unset.
void Normalize(Config& config, const Environment& env);

// Semantic checks. Stays silent about any field `problems` already holds a problem for (decode
// errors), so one mistake produces one message. Never puts a literal secret into a message.
void Validate(const Config& config, Problems& problems);

// ^[a-z0-9][a-z0-9_.-]{0,63}$: what a provider id (the key of [providers.X]) may be. Also the
// provider half of a profile id (creds/profile_document.hpp).
bool IsProviderId(std::string_view s);

}  // namespace warden::config
