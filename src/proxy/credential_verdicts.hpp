// What a classified error response (upstream_outcome.hpp ClassifyErrorResponse) does to the
// credential that got it: a rate-limited key cools down (and joins the request's tried list), a
// rejected key is marked failing, a rejected federated token is refreshed once. One home for
// these effects, shared by the HTTP exchange and the WebSocket upgrade.
// Thread safety: run on an event loop; the key state is atomic, the metrics thread-safe, and a
// refresh runs on the refresher's executor. Ownership: borrows everything.
#pragma once

#include <string_view>
#include <vector>

#include "creds/federated_refresher.hpp"
#include "http/net.hpp"
#include "proxy/credential.hpp"
#include "proxy/gateway_state.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// Rate-limited: the key (or profile) cools down (Retry-After when the provider sent one) and is
// added to `tried`, so the next PickCredential (with the same `want`) moves on to another one.
void CoolDownKey(GatewayState& gw, const snapshot::ProviderRuntime& prov, const Credential& cred,
                 int status, std::string_view retry_after,
                 std::vector<const creds::PooledKey*>& tried, const CredentialWant& want);

// 401/403 about the key (or profile) itself: marked failing for every caller.
void MarkKeyRejected(GatewayState& gw, const snapshot::ProviderRuntime& prov,
                     const Credential& cred, int status);

// Refreshes the provider's federated token once (on the control plane, shared with concurrent
// callers that saw the same token rejected).
net::Task<void> RefreshFederated(const snapshot::ProviderRuntime& prov,
                                 creds::FederatedRefresher& refresher, const Credential& cred);

}  // namespace warden::proxy
