#include "control/effective_config.hpp"

#include <sys/stat.h>

#include "base/warden_home.hpp"
#include "config/default_config.hpp"
#include "config/dotenv.hpp"
#include "config/loader.hpp"

namespace warden::control {

Result<int> LoadHomeDotenv(const Environment& env) {
  auto home = CheckedWardenHome(env);
  if (!home) return home.error();
  return config::LoadDotenvInto(*home + "/.env");
}

Result<EffectiveConfig> LoadEffectiveConfig(const std::optional<std::string>& flag_path,
                                            const Environment& env) {
  EffectiveConfig out;
  if (flag_path && !flag_path->empty()) {
    out.path = *flag_path;
  } else if (auto p = env.Get("WARDEN_CONFIG"); p && !p->empty()) {
    out.path = *p;
  } else {
    auto home = CheckedWardenHome(env);
    if (!home) return home.error();
    std::string home_config = *home + "/warden.toml";
    struct stat st {};
    if (::stat(home_config.c_str(), &st) == 0) out.path = home_config;
  }
  auto cfg = out.path.empty()
                 ? config::ParseConfig(config::EmbeddedDefaultToml(), "<embedded default>", env)
                 : config::LoadConfigFile(out.path, env);
  if (!cfg) return cfg.error();
  out.config = std::make_shared<const config::Config>(std::move(*cfg));
  return out;
}

Result<std::shared_ptr<const config::Config>> ReloadConfig(const EffectiveConfig& current,
                                                           const Environment& env) {
  auto cfg = current.path.empty()
                 ? config::ParseConfig(config::EmbeddedDefaultToml(), "<embedded default>", env)
                 : config::LoadConfigFile(current.path, env);
  if (!cfg) return cfg.error();
  return std::make_shared<const config::Config>(std::move(*cfg));
}

}  // namespace warden::control
