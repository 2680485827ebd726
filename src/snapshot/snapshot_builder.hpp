// BuildSnapshot: resolves a validated Config into an immutable Snapshot (control plane).
//
// Every active SecretRef resolves eagerly here — gateway auth, each enabled provider's keys and
// headers, federated tokens — never on the request path. An unresolvable ref of an active
// surface fails the build with its code and the ref (never a value); a provider with no
// credential is disabled with a diagnostic naming what would enable it; `enabled = false`
// providers are skipped. The same function serves `serve`, reload, `status` and `secrets audit`.
//
// Mutable credential state survives rebuilds: KeyState through the CredentialStateRegistry,
// federated tokens through the FederatedTokenRegistry (a refreshed token is kept when newer).
// Ownership: the Snapshot shares the Config (shared_ptr<const>) and, with the registries, each
// KeyState and FederatedToken (shared_ptr), so state outlives any one snapshot.
// Thread safety: call from one control thread at a time; the registries are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "creds/federated_token.hpp"
#include "creds/key_pool.hpp"
#include "creds/profile_document.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::snapshot {

class FederatedTokenRegistry {
 public:
  std::shared_ptr<creds::FederatedToken> Get(const std::string& provider);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<creds::FederatedToken>> tokens_;  // GUARDED_BY(mu_)
};

struct BuildOptions {
  std::optional<std::string> flag_token;  // --token
  bool generate_token = false;            // serve: create $WARDEN_HOME/gateway.token if needed
  bool require_token = true;  // CLI reports: a missing token is a finding, not a failure
  bool report = false;        // CLI reports: a broken provider is shown, not fatal
  std::int64_t now_ms = 0;
  // jwt mode: the issuer's key set, owned by the control plane (null in CLI reports).
  std::shared_ptr<access::JwksStore> jwks;
  // The profile store's document (auth-profiles.json), loaded by the caller; null = no profiles.
  // Each provider's profiles become its ProfilePool (their states from the key registry), and a
  // provider with profiles is enabled even without keys.
  std::shared_ptr<const creds::ProfileDocument> profiles;
};

struct BuildResult {
  std::shared_ptr<Snapshot> snapshot;
  std::vector<std::string> diagnostics;  // warnings for the log / CLI; names only
  bool token_generated = false;
};

Result<BuildResult> BuildSnapshot(std::shared_ptr<const config::Config> cfg, const Environment& env,
                                  creds::CredentialStateRegistry& key_states,
                                  FederatedTokenRegistry& federated, const BuildOptions& options,
                                  std::uint64_t generation);

// What LoadFederatedToken found.
struct FederatedLoad {
  std::optional<creds::FederatedTokenValue> token;  // set when a source held an unexpired token
  // Set when some source held a token that is expired or is not a JWT with exp: a problem to
  // report (`warden status` exits 1), unlike a source that is simply absent.
  bool found_unusable = false;
  std::string why;  // when !token: every source tried and why it failed, "; "-separated
};

// Reads a federated token from the env ref / token_file of `fed` (no network, no refresh):
// the env value when present and unexpired, else token_file.
FederatedLoad LoadFederatedToken(const config::FederatedConfig& fed, const config::Config& cfg,
                                 const Environment& env, std::int64_t now_ms);

}  // namespace warden::snapshot
