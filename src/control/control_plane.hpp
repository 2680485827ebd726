// ControlPlane: everything that may block or fail, off the request path.
//
// Owns the effective config, the credential registries and the snapshot generation. Reload()
// re-reads the config, resolves every secret again, reloads the TLS certificate and key when
// serving HTTPS, and swaps the snapshot (and TLS context) atomically; on failure
// it keeps the last-known-good snapshot, logs the reason and records it for /readyz and metrics.
// The profile store ($WARDEN_HOME/auth-profiles.json) is read at every build and watched like
// the config: `warden auth ...` changes take effect without a restart. A store that is refused
// (corrupt, insecure) fails start; on a reload it is logged and shown in /readyz
// (reload.profile_store_error) while the last good profiles stay in use.
// OAuth profiles with a refresh token are refreshed in the background (creds::ProfileRefresher,
// on its own blocking thread through the cross-process fence); after each attempt the store is
// read again (by the file watch, or by a reload asked for here when the watch is off), so the
// next request carries the new token.
// Runs on its own io_context/thread (the main thread in `serve`): SIGHUP, file watches and the
// refreshers post work here, so reloads and refreshes never overlap.
// Ownership: owns the effective config, the registries, the refresher and the SnapshotStore's
// writer side; GatewayState and the event loops borrow it for the life of `serve`.
// Thread safety: not thread-safe; every method runs on the control thread. Event loops reach the
// refresher it owns only by co_spawning onto its executor (GatewayState::Refresher()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "control/effective_config.hpp"
#include "control/file_watch.hpp"
#include "control/jwks_source.hpp"
#include "creds/federated_refresher.hpp"
#include "creds/key_pool.hpp"
#include "creds/profile_document.hpp"
#include "creds/profile_refresher.hpp"
#include "http/net.hpp"
#include "http/tls_context.hpp"
#include "proxy/gateway_state.hpp"
#include "snapshot/snapshot_builder.hpp"

namespace warden::control {

class ControlPlane {
 public:
  ControlPlane(net::asio::any_io_executor executor, EffectiveConfig config, const Environment& env,
               proxy::GatewayState& gw, std::optional<std::string> flag_token,
               std::string listen_bind);
  ~ControlPlane();

  // First build at start: fails start on an unresolvable active ref.
  Result<snapshot::BuildResult> Initial();
  // Starts the federated refresher and the file watch (after Initial succeeded).
  void Start();
  void Stop();
  // Rebuild and swap; false (and the old snapshot kept) on failure.
  bool Reload(const std::string& reason);
  // When serving HTTPS: the slot whose context Reload() replaces with one built from the new
  // config's certificate and key (a reload whose TLS files do not load fails as a whole).
  void SetServerTls(std::shared_ptr<http::ServerTlsSlot> slot) { tls_slot_ = std::move(slot); }

  const EffectiveConfig& effective() const { return config_; }
  snapshot::FederatedTokenRegistry& federated() { return federated_; }

 private:
  void ApplyBackground(const snapshot::Snapshot& snap);
  // The refreshable OAuth profiles of the enabled providers in `snap`, with their token endpoint.
  std::vector<creds::ProfileRefreshTarget> ProfileRefreshTargets(const snapshot::Snapshot& snap);
  std::vector<std::string> WatchedFiles() const;
  net::Task<void> WatchLoop();
  void ReloadTokenFiles();
  void ApplyJwt(const config::Config& cfg);
  // Re-reads the profile store into profiles_. Fails only when `initial` and the store is
  // refused; later refusals keep the last good document and set profile_store_error_.
  Result<void> ReadProfileStore(bool initial);

  net::asio::any_io_executor executor_;
  EffectiveConfig config_;
  const Environment& env_;
  proxy::GatewayState& gw_;
  std::optional<std::string> flag_token_;
  std::string listen_bind_;  // the address actually listened on (--bind or the config at start)
  creds::CredentialStateRegistry key_states_;
  snapshot::FederatedTokenRegistry federated_;
  std::uint64_t generation_ = 0;
  proxy::ReloadStatus status_;
  creds::FederatedRefresher refresher_;
  creds::ProfileRefresher profile_refresher_;
  control::FileWatch watch_;
  bool watching_ = false;  // the watch loop runs (it sees the profile store change)
  JwksSource jwks_;        // gateway.auth.mode = "jwt": the issuer's keys
  std::shared_ptr<http::ServerTlsSlot> tls_slot_;           // null when serving plain HTTP
  std::string profile_store_path_;                          // empty when there is no warden home
  std::shared_ptr<const creds::ProfileDocument> profiles_;  // the last good store document
  std::string profile_store_error_;  // why the store on disk is not used now; empty = it is
  bool stopped_ = false;
};

}  // namespace warden::control
