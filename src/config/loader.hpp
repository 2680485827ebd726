// The config loader: TOML text → Config, in three steps kept apart on purpose:
//   1. decode  — walk the TOML tree into the plain structs of config/config.hpp, refusing unknown
//                keys and wrong types (each named by its full key path);
//   2. Normalize — the one place that rewrites values ("~" expansion, base_url's trailing "/",
//                default env_prefix, relative TLS/JWKS paths against the config's directory);
//   3. Validate — semantic checks on the normalised structs (bind, refs, URLs, headers, ...).
// Every problem from every step is collected and returned as one Error (code CONFIG_INVALID or,
// when all problems share it, a more specific SECRET_* code), with context = the origin.
// No message ever contains a literal secret value, nor a value that failed a secret-shape check.
// Nothing here resolves a secret: refs stay refs until the control plane builds a Snapshot.
// Ownership: returns the Config by value; borrows the Environment for the call only.
// Thread safety: all functions are reentrant; they read only their arguments.
#pragma once

#include <string>
#include <string_view>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "config/config.hpp"

namespace warden::config {

// Parses and validates `toml_text`. `origin` names where the text came from (a file path, or
// kEmbeddedDefaultOrigin): it becomes Config::origin, the prefix of parse errors
// ("origin:line:col: ..."), and the context of the returned Error. When origin is a path, a
// relative gateway.tls.cert/key or gateway.auth.jwt.jwks_file is taken relative to its directory.
[[nodiscard]] Result<Config> ParseConfig(std::string_view toml_text, std::string origin,
                                         const Environment& env);

// Reads `path` and calls ParseConfig with origin = path. The file must be trusted
// (base/private_file.hpp ReadTrustedFile: owned by the current user or root, not writable by
// group or others), else FILE_INSECURE naming the chmod/chown fix; it may be readable by others.
// An unreadable file is IO_ERROR (Error::Posix); a file over 4 MiB is CONFIG_INVALID (a config is
// never that large).
[[nodiscard]] Result<Config> LoadConfigFile(const std::string& path, const Environment& env);

}  // namespace warden::config
