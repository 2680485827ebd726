// One WebSocket session of `GET /v1/responses` (Codex's transport), from the admitted upgrade
// request to the access-log line: plan the provider (websocket_plan.hpp), pick a credential and
// do the upstream handshake with it — the caller's headers through the same header policy as
// HTTP (upstream_request.hpp), the provider's credential injected, the caller's never — with
// rotation and cooldown acting on a refused upgrade as on any error response; then accept the
// caller's upgrade and relay frames (websocket_relay.hpp). Every refusal before the caller's 101
// is a 426, answered at once, so the client falls back to HTTP.
// Thread safety: the session's event loop. Ownership: borrows the connection; keeps the
// snapshot for the whole session (like a request); the upstream connection is discarded after.
#pragma once

#include "http/net.hpp"
#include "proxy/request_context.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// `header`: an admitted request for which IsWebSocketUpgrade holds, on the /v1/responses route.
// The connection closes afterwards.
net::Task<void> ServeWebSocket(ClientContext& c, snapshot::SnapshotConstSharedPtr snap,
                               const Request& header, CallerIdentity caller);

}  // namespace warden::proxy
