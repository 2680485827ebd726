// Credential: which upstream credential one attempt uses. A request that pins a profile
// ("provider/model@name") uses that profile only — never another account: when it is expired,
// cooling or rejected the request gets an error naming it. Otherwise, in order: the provider's
// next profile (creds/profile_pool.hpp: the store's order, else oauth/token/api_key and least
// recently used; only those the caller's `profiles` globs admit) that this request has not
// tried yet, else the first usable static key of the pool, else the federated token while
// unexpired. When there is none, NoCredentialReply says why and how to fix it: 429
// all_keys_cooling (with the soonest recovery), 503 provider_keys_rejected, 503
// provider_unavailable; for a pin 503 profile_expired, 429 profile_cooling, 503
// profile_rejected.
// Thread safety: pure functions over the immutable snapshot and the atomic key state.
// Ownership: a Credential points at a key of the request's snapshot and shares the federated
// token value it read, so a background refresh cannot free it mid-request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "creds/federated_token.hpp"
#include "creds/key_pool.hpp"
#include "proxy/reply.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

enum class CredentialKind { kNone, kStaticKey, kFederated };

// What the request asks of its credential: a pinned profile, and the caller's profile globs.
struct CredentialWant {
  const creds::PooledProfile* pinned = nullptr;
  const std::vector<std::string>* allowed_profiles = nullptr;  // nullptr = every profile
};

struct Credential {
  const creds::PooledKey* key = nullptr;          // a static key, or the key of `profile`
  const creds::PooledProfile* profile = nullptr;  // set when the credential is a profile
  std::shared_ptr<const creds::FederatedTokenValue> federated;

  CredentialKind kind() const {
    return key != nullptr ? CredentialKind::kStaticKey
           : federated    ? CredentialKind::kFederated
                          : CredentialKind::kNone;
  }
  std::string_view Value() const {
    return key != nullptr ? key->value.Reveal() : federated->token.Reveal();
  }
  std::string Fingerprint() const {
    return key != nullptr ? key->fingerprint : federated->token.Fingerprint();
  }
};

// kind() == kNone when nothing is usable now.
Credential PickCredential(const snapshot::ProviderRuntime& prov, std::int64_t now_ms,
                          const std::vector<const creds::PooledKey*>& tried,
                          const CredentialWant& want = {});

// The answer when PickCredential found nothing.
Reply NoCredentialReply(const snapshot::ProviderRuntime& prov, std::int64_t now_ms,
                        const CredentialWant& want = {});

}  // namespace warden::proxy
