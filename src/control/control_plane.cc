#include "control/control_plane.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "base/paths.hpp"
#include "base/warden_home.hpp"
#include "control/reload_guard.hpp"
#include "creds/profile_store.hpp"

namespace warden::control {

ControlPlane::ControlPlane(net::asio::any_io_executor executor, EffectiveConfig config,
                           const Environment& env, proxy::GatewayState& gw,
                           std::optional<std::string> flag_token, std::string listen_bind)
    : executor_(executor),
      config_(std::move(config)),
      env_(env),
      gw_(gw),
      flag_token_(std::move(flag_token)),
      listen_bind_(std::move(listen_bind)),
      refresher_(executor, env, gw.metrics, gw.clock()),
      profile_refresher_(executor, gw.metrics, gw.clock()),
      watch_(executor),
      jwks_(executor, gw.clock()) {
  if (auto home = WardenHome(env)) profile_store_path_ = creds::ProfileStore::InHome(*home).path();
}

Result<void> ControlPlane::ReadProfileStore(bool initial) {
  if (profile_store_path_.empty()) return {};
  const creds::ProfileStore store(profile_store_path_);
  // No store (or no home at all: a read-only container) is no profiles, never a start failure.
  if (!store.Exists()) {
    profile_store_error_.clear();
    profiles_ = std::make_shared<const creds::ProfileDocument>();
    return {};
  }
  auto document = store.Load();
  if (document) {
    if (!profile_store_error_.empty())
      spdlog::info("profile store {} is readable again", profile_store_path_);
    profile_store_error_.clear();
    profiles_ = std::make_shared<const creds::ProfileDocument>(std::move(*document));
    return {};
  }
  if (initial) return document.error();
  profile_store_error_ = document.error().ToString();
  spdlog::error("profile store refused; keeping the last good profiles ({}): {}",
                profiles_ ? profiles_->profiles.size() : 0, profile_store_error_);
  return {};
}

ControlPlane::~ControlPlane() { Stop(); }

void ControlPlane::Start() {
  gw_.SetRefresher(&refresher_);
  // The store's directory (the warden home) must exist to be watched, so that the first
  // `warden auth paste-token` after start is noticed. Created as `warden auth` would (0700).
  if (!profile_store_path_.empty()) {
    const std::string dir = DirectoryOf(profile_store_path_);
    if (::mkdir(dir.c_str(), 0700) == 0) spdlog::info("created the warden home {}", dir);
  }
  // A background refresh changes the store: the watch sees the rename; without it, reload here.
  profile_refresher_.SetOnChange([this] {
    if (!watching_ && !stopped_) Reload("profile refreshed");
  });
  ApplyBackground(*gw_.snapshots.Load());
  if (config_.config->reload.watch && watch_.ok()) {
    watching_ = true;
    net::asio::co_spawn(executor_, WatchLoop(), [](std::exception_ptr e) {
      if (e) spdlog::error("file watch stopped by an exception");
    });
  }
}

void ControlPlane::Stop() {
  if (stopped_) return;
  stopped_ = true;
  refresher_.Stop();
  profile_refresher_.Stop();
  watch_.Cancel();
  jwks_.Stop();
}

void ControlPlane::ApplyBackground(const snapshot::Snapshot& snap) {
  std::map<std::string, std::pair<config::FederatedConfig, std::shared_ptr<creds::FederatedToken>>>
      fed;
  for (const auto& pc : snap.config->providers) {
    const auto* rt = snap.FindProvider(pc.id);
    if (pc.federated && rt != nullptr && rt->enabled && rt->federated)
      fed[pc.id] = {*pc.federated, rt->federated};
  }
  refresher_.Configure(fed);
  profile_refresher_.Configure(profile_store_path_, ProfileRefreshTargets(snap));
  watch_.SetFiles(WatchedFiles());
}

std::vector<creds::ProfileRefreshTarget> ControlPlane::ProfileRefreshTargets(
    const snapshot::Snapshot& snap) {
  std::vector<creds::ProfileRefreshTarget> targets;
  if (profile_store_path_.empty() || !profiles_) return targets;
  for (const auto& pc : snap.config->providers) {
    const auto* rt = snap.FindProvider(pc.id);
    if (rt == nullptr || !rt->enabled || rt->profiles.empty()) continue;
    std::optional<creds::OAuthSettings> settings;
    for (const auto& [id, profile] : profiles_->profiles) {
      if (profile.provider != pc.id || !profile.Refreshable()) continue;
      if (!settings) {
        auto resolved = creds::ResolveOAuthSettings(pc.id, pc.oauth);
        if (!resolved) {
          spdlog::warn("OAuth profiles of {} are not refreshed in the background: {}", pc.id,
                       resolved.error().ToString());
          break;
        }
        settings = std::move(*resolved);
      }
      targets.push_back(creds::ProfileRefreshTarget{profile, *settings});
    }
  }
  return targets;
}

std::vector<std::string> ControlPlane::WatchedFiles() const {
  std::vector<std::string> files;
  if (!config_.path.empty()) {
    std::string p = config_.path;
    if (!p.empty() && p.front() != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd) != nullptr) p = std::string(cwd) + "/" + p;
    }
    files.push_back(p);
  }
  if (!profile_store_path_.empty()) files.push_back(profile_store_path_);
  for (const auto& [alias, sp] : config_.config->secret_providers) {
    if (sp.source == config::SecretSource::kFile && !sp.path.empty()) files.push_back(sp.path);
  }
  for (const auto& pc : config_.config->providers) {
    if (pc.federated && !pc.federated->token_file.empty())
      files.push_back(pc.federated->token_file);
  }
  if (config_.config->gateway.auth.mode == config::AuthMode::kJwt && !jwks_.file().empty()) {
    files.push_back(jwks_.file());
  }
  if (tls_slot_ && config_.config->gateway.tls) {
    files.push_back(config_.config->gateway.tls->cert);
    files.push_back(config_.config->gateway.tls->key);
  }
  return files;
}

namespace {

bool IsTokenFile(const config::Config& cfg, const std::string& path) {
  for (const auto& pc : cfg.providers) {
    if (pc.federated && pc.federated->token_file == path) return true;
  }
  return false;
}

}  // namespace

net::Task<void> ControlPlane::WatchLoop() {
  while (!stopped_) {
    auto changed = co_await watch_.Next();
    if (stopped_) co_return;
    if (changed.empty()) continue;
    // Writers often produce several events (write, then rename); let them settle, then act once.
    net::asio::steady_timer settle(executor_, std::chrono::milliseconds(100));
    co_await settle.async_wait(net::kUseTuple);
    bool full = false;
    bool jwks = false;
    for (const auto& path : changed) {
      const bool is_jwks = !jwks_.file().empty() && path == jwks_.file();
      jwks = jwks || is_jwks;
      full = full || (!is_jwks && !IsTokenFile(*config_.config, path));
    }
    if (full) {
      Reload("file changed: " + changed.front());
    } else {
      ReloadTokenFiles();
    }
    // A full reload keeps the key source when it is unchanged, so the file is read here too.
    if (jwks) jwks_.ReloadFile();
  }
}

void ControlPlane::ReloadTokenFiles() {
  auto snap = gw_.snapshots.Load();
  for (const auto& pc : snap->config->providers) {
    const auto* rt = snap->FindProvider(pc.id);
    if (!pc.federated || rt == nullptr || !rt->federated) continue;
    auto loaded = snapshot::LoadFederatedToken(*pc.federated, *snap->config, env_, gw_.NowMs());
    auto cur = rt->federated->Current();
    if (loaded.token && (!cur || loaded.token->exp_ms > cur->exp_ms)) {
      spdlog::info("picked up a newer federated token for {} from {}", pc.id, loaded.token->source);
      rt->federated->Publish(
          std::make_shared<creds::FederatedTokenValue>(std::move(*loaded.token)));
    }
  }
}

void ControlPlane::ApplyJwt(const config::Config& cfg) {
  if (cfg.gateway.auth.mode != config::AuthMode::kJwt) return;
  if (auto ok = jwks_.Configure(cfg.gateway.auth.jwt); !ok) {
    jwks_.store()->SetError(ok.error().ToString());
    spdlog::error("reload: cannot load the new JWT key source: {}", ok.error().ToString());
  }
}

Result<snapshot::BuildResult> ControlPlane::Initial() {
  if (config_.config->gateway.auth.mode == config::AuthMode::kJwt) {
    if (auto ok = jwks_.Configure(config_.config->gateway.auth.jwt); !ok) return ok.error();
  }
  snapshot::BuildOptions opts;
  opts.jwks = jwks_.store();
  opts.flag_token = flag_token_;
  opts.generate_token = true;
  opts.now_ms = gw_.NowMs();
  if (auto read = ReadProfileStore(true); !read) return read.error();
  opts.profiles = profiles_;
  auto built =
      snapshot::BuildSnapshot(config_.config, env_, key_states_, federated_, opts, ++generation_);
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
  if (auto ok = CheckReloadable(*config_.config, **cfg, listen_bind_); !ok) return fail(ok.error());
  if ((*cfg)->gateway.threads != config_.config->gateway.threads) {
    spdlog::warn("reload: gateway.threads changed; that takes effect on restart");
  }
  snapshot::BuildOptions opts;
  opts.flag_token = flag_token_;
  opts.generate_token = false;
  opts.now_ms = gw_.NowMs();
  opts.jwks = jwks_.store();
  (void)ReadProfileStore(false);  // a refused store keeps the last good profiles
  status_.profile_store_error = profile_store_error_;
  opts.profiles = profiles_;
  auto built = snapshot::BuildSnapshot(*cfg, env_, key_states_, federated_, opts, generation_ + 1);
  if (!built) return fail(built.error());
  // New handshakes use the new certificate; open connections keep the context they began with.
  std::shared_ptr<net::ssl::context> tls;
  if (tls_slot_ && (*cfg)->gateway.tls) {
    auto made = http::MakeServerTlsContext((*cfg)->gateway.tls->cert, (*cfg)->gateway.tls->key);
    if (!made) return fail(made.error());
    tls = std::move(*made);
  }
  if ((*cfg)->gateway.auth.mode == config::AuthMode::kJwt) {
    if (auto ok = jwks_.Check((*cfg)->gateway.auth.jwt); !ok) return fail(ok.error());
  }
  ++generation_;
  config_.config = *cfg;
  // Nothing can fail from here on. The status is recorded before the snapshot is published, so
  // whoever sees the new generation (in /readyz) also sees this reload counted.
  ++status_.reloads_ok;
  status_.last_error.clear();
  gw_.SetReloadStatus(status_);
  gw_.metrics.CountReload(true);
  gw_.SetAccessLog(config_.config->gateway.access_log);
  gw_.snapshots.Store(built->snapshot);
  if (tls) tls_slot_->Store(std::move(tls));
  ApplyJwt(**cfg);
  ApplyBackground(*built->snapshot);
  for (const auto& d : built->diagnostics) spdlog::warn("{}", d);
  spdlog::info("reloaded ({}): generation {}, providers enabled: {}", reason, generation_,
               built->snapshot->enabled_names.empty() ? "none" : built->snapshot->enabled_names);
  return true;
}

}  // namespace warden::control
