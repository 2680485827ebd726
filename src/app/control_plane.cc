#include "app/control_plane.hpp"

#include <spdlog/spdlog.h>

namespace warden::app {

ControlPlane::ControlPlane(EffectiveConfig config, const Environment& env, proxy::GatewayState& gw,
                           std::optional<std::string> flag_token)
    : config_(std::move(config)), env_(env), gw_(gw), flag_token_(std::move(flag_token)) {}

Result<secrets::BuildResult> ControlPlane::Initial() {
  secrets::BuildOptions opts;
  opts.flag_token = flag_token_;
  opts.generate_token = true;
  opts.now_ms = gw_.NowMs();
  auto built = secrets::BuildSnapshot(config_.config, env_, key_states_, federated_, opts, ++generation_);
  if (!built) return built.error();
  gw_.snapshots.Store(built->snapshot);
  return built;
}

bool ControlPlane::Reload(const std::string& reason) {
  status_.last_attempt_ms = gw_.NowMs();
  auto fail = [&](const Error& e) {
    ++status_.reloads_failed;
    status_.last_error = e.ToString();
    gw_.SetReloadStatus(status_);
    gw_.metrics.CountReload(false);
    spdlog::error("reload ({}) failed; keeping the last good config (generation {}): {}", reason,
                  generation_, e.ToString());
    return false;
  };
  auto cfg = ReloadConfig(config_, env_);
  if (!cfg) return fail(cfg.error());
  if ((*cfg)->gateway.bind != config_.config->gateway.bind ||
      (*cfg)->gateway.threads != config_.config->gateway.threads) {
    spdlog::warn("reload: gateway.bind/threads changed; that takes effect on restart");
  }
  secrets::BuildOptions opts;
  opts.flag_token = flag_token_;
  opts.generate_token = false;
  opts.now_ms = gw_.NowMs();
  auto built = secrets::BuildSnapshot(*cfg, env_, key_states_, federated_, opts, generation_ + 1);
  if (!built) return fail(built.error());
  ++generation_;
  config_.config = *cfg;
  gw_.snapshots.Store(built->snapshot);
  ++status_.reloads_ok;
  status_.last_error.clear();
  gw_.SetReloadStatus(status_);
  gw_.metrics.CountReload(true);
  for (const auto& d : built->diagnostics) spdlog::warn("{}", d);
  spdlog::info("reloaded ({}): generation {}, providers enabled: {}", reason, generation_,
               built->snapshot->enabled_names.empty() ? "none" : built->snapshot->enabled_names);
  return true;
}

}  // namespace warden::app
