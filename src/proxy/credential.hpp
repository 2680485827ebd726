// Credential: which upstream credential one attempt uses. In DESIGN §3's order: the first usable
// static key of the provider's pool that this request has not tried yet, else its federated
// token while unexpired. When there is none, NoCredentialReply says why and how to fix it:
// 429 all_keys_cooling (with the soonest recovery), 503 provider_keys_rejected, or 503
// provider_unavailable.
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

struct Credential {
  const creds::PooledKey* key = nullptr;
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
                          const std::vector<const creds::PooledKey*>& tried);

// The answer when PickCredential found nothing.
Reply NoCredentialReply(const snapshot::ProviderRuntime& prov, std::int64_t now_ms);

}  // namespace warden::proxy
