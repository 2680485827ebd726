// ProfilePool: the profiles of one provider (from `auth-profiles.json`) as credentials that
// requests use (README "Profiles in requests"; DESIGN §3 "Profiles (token sink)").
//
// Each profile is a PooledKey (its value — the api_key's key, the token, the oauth access
// token — plus a KeyState from the CredentialStateRegistry), so a 429 cools a profile and a
// 401/403 marks it failing through the same KeyPool functions as a static key: one home for
// cooldown logic, and the state survives reloads. The registry key is the profile id plus the
// value's fingerprint, so a new token pasted for the same id starts with a clean state.
//
// Selection of an unpinned request (Pick): with the store's `order[provider]`, those ids in
// that order (ids left out are not used unpinned, as other gateways do; a pin may still name
// them); else oauth before token before
// api_key, least recently used first within a type (ties: by id). Profiles that are expired,
// cooling down, failing, already tried by this request, or outside the caller's `profiles`
// globs are skipped — cooling profiles come back once their cooldown ends. Expired token and
// oauth profiles are never sent (refreshing OAuth tokens is the refresher's job, not this one).
// Ownership: the pool owns its profiles; each KeyState is shared with the registry.
// Thread safety: immutable after construction; the KeyState it reads and writes is atomic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "creds/key_pool.hpp"
#include "creds/profile_document.hpp"

namespace warden::creds {

struct PooledProfile {
  std::string id;    // "openai:work"
  std::string name;  // "work"
  ProfileType type = ProfileType::kApiKey;
  std::optional<std::int64_t> expires_ms;
  PooledKey key;  // key.source = "auth-profiles.json openai:work"
  // Used by unpinned requests: false for a profile the store's explicit order leaves out (it
  // can still be pinned).
  bool in_order = true;
  bool refreshable = false;         // oauth with a refresh token
  bool marked_needs_login = false;  // "needsLogin" in the store (the refresh token was refused)

  bool ExpiredAt(std::int64_t now_ms) const { return expires_ms && *expires_ms <= now_ms; }
  // Only `warden auth login` (or an import) makes it usable again (creds::NeedsLogin).
  bool NeedsLoginAt(std::int64_t now_ms) const {
    return NeedsLogin(marked_needs_login, refreshable, ExpiredAt(now_ms));
  }
};

// What the pool looks like now, for /readyz and status (counts only, never values).
struct ProfileCounts {
  std::size_t total = 0;
  std::size_t usable = 0;
  std::size_t cooling = 0;  // rate-limited or failing (401/403)
  std::size_t expired = 0;
  // Not a fourth part of total: profiles (of any of the three above) that need a new login.
  std::size_t needs_login = 0;
};

class ProfilePool {
 public:
  ProfilePool() = default;
  // `profiles` in their base order (see BuildProfilePool); `explicit_order`: that order is the
  // store's `order[provider]` and is kept strictly.
  ProfilePool(std::vector<PooledProfile> profiles, bool explicit_order)
      : profiles_(std::move(profiles)), explicit_order_(explicit_order) {}

  const std::vector<PooledProfile>& profiles() const { return profiles_; }
  bool empty() const { return profiles_.empty(); }
  bool explicit_order() const { return explicit_order_; }

  // The profile "provider:NAME", or nullptr.
  const PooledProfile* Find(std::string_view name) const;

  // The profile an unpinned request uses next (see the header comment), or nullptr.
  // `allowed`: globs on profile ids (a caller's `profiles`); nullptr = every profile.
  const PooledProfile* Pick(std::int64_t now_ms, const std::vector<const PooledKey*>& tried,
                            const std::vector<std::string>* allowed) const;

  ProfileCounts Counts(std::int64_t now_ms) const;
  // Over the unexpired profiles `allowed` admits: ms until the soonest is usable again, and
  // whether one is cooling because of a rate limit. nullopt when there is no such profile.
  std::optional<std::int64_t> MsUntilSoonestRecovery(std::int64_t now_ms,
                                                     const std::vector<std::string>* allowed) const;
  bool AnyRateLimited(std::int64_t now_ms, const std::vector<std::string>* allowed) const;

  // Records that a request is sent with `profile` (least recently used first).
  static void MarkUsed(const PooledProfile& profile, std::int64_t now_ms);
  // Whether a caller's `profiles` globs admit `id`; nullptr admits everything.
  static bool Allowed(const std::vector<std::string>* allowed, std::string_view id);

 private:
  std::vector<PooledProfile> profiles_;
  bool explicit_order_ = false;
};

// The profiles of `provider` in `document`, as a pool whose states come from `states`.
// Base order: `order[provider]` when present (ids that name no profile of the provider are
// skipped with a diagnostic) followed by the provider's other profiles (in_order = false: only
// pins use them), else by type (oauth, token, api_key), then id. A value that fails
// the header-value check is skipped with a diagnostic (ParseProfileDocument already refuses
// such a store; this keeps the invariant local). Diagnostics name ids, never values.
ProfilePool BuildProfilePool(const ProfileDocument& document, const std::string& provider,
                             CredentialStateRegistry& states,
                             std::vector<std::string>& diagnostics);

}  // namespace warden::creds
