// Which config a verb uses, and the dotenv step every verb shares with `serve`.
// Precedence: --config FILE > $WARDEN_CONFIG > $WARDEN_HOME/warden.toml (if present) > the
// embedded default. Thread safety: call from main's thread (it may setenv via the dotenv).
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

// Loads $WARDEN_HOME/.env (never overriding the environment). Returns variables set.
Result<int> LoadHomeDotenv(const Environment& env);

Result<EffectiveConfig> LoadEffectiveConfig(const std::optional<std::string>& flag_path,
                                            const Environment& env);

// Reloads from the same place (path or embedded).
Result<std::shared_ptr<const config::Config>> ReloadConfig(const EffectiveConfig& current,
                                                           const Environment& env);

}  // namespace warden::control
