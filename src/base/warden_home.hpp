// The warden home ($WARDEN_HOME, default ~/.warden): the one directory that holds warden.toml,
// .env, the gateway token and the profile store, shared by `serve` and every CLI verb (README,
// "Files").
//
// Where it is: $WARDEN_HOME when set and non-empty; else $HOME/.warden; else, when HOME is unset
// or empty (cron, systemd units, `env -i`), <home of the effective user's passwd entry>/.warden.
// There is never a shared fallback such as /tmp: with none of the three, HOME_UNSET asks for
// WARDEN_HOME or HOME.
// Whether to trust it: CheckedWardenHome applies the trusted-directory check
// (base/private_file.hpp: owned by the current user, not writable by group or others) when the
// home exists. A home that does not exist yet, or cannot be reached, passes (nothing can be read
// from it); whoever creates it uses EnsurePrivateDir (0700).
// Ownership: borrows the Environment for the call only; returns values.
// Thread safety: reentrant (getpwuid_r); reads the filesystem only in CheckedWardenHome.
#pragma once

#include <optional>
#include <string>

#include "base/environment.hpp"
#include "base/result.hpp"

namespace warden {

// The home directory of the effective user's passwd entry (getpwuid_r(geteuid())); nullopt
// when there is no entry or its directory is not an absolute path.
std::optional<std::string> PasswdHome();

[[nodiscard]] Result<std::string> WardenHome(const Environment& env);
// The same with the passwd lookup's answer given, for tests.
[[nodiscard]] Result<std::string> WardenHome(const Environment& env,
                                             const std::optional<std::string>& passwd_home);

// WardenHome, refused (FILE_INSECURE) when it exists but is not a trusted directory.
[[nodiscard]] Result<std::string> CheckedWardenHome(const Environment& env);

}  // namespace warden
