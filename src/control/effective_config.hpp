// Which config a verb uses, and the dotenv step every verb shares with `serve`.
// Precedence: --config FILE > $WARDEN_CONFIG > $WARDEN_HOME/warden.toml (if present) > the
// embedded default. The home, a config file and the .env must be trusted (base/private_file.hpp:
// the current user's, or root's for a file, and not writable by group or others), else
// FILE_INSECURE; the embedded default needs no check. A missing home is HOME_UNSET
// (base/warden_home.hpp). Thread safety: call from main's thread (it may setenv via the dotenv).
// Ownership: the EffectiveConfig shares its Config (shared_ptr<const>) with every snapshot.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "config/config.hpp"

namespace warden::control {

struct EffectiveConfig {
  std::shared_ptr<const config::Config> config;
  std::string path;  // empty for the embedded default
};

// Checks the home and loads $WARDEN_HOME/.env (never overriding the environment). Returns
// variables set.
Result<int> LoadHomeDotenv(const Environment& env);

Result<EffectiveConfig> LoadEffectiveConfig(const std::optional<std::string>& flag_path,
                                            const Environment& env);

// Reloads from the same place (path or embedded).
Result<std::shared_ptr<const config::Config>> ReloadConfig(const EffectiveConfig& current,
                                                           const Environment& env);

}  // namespace warden::control
