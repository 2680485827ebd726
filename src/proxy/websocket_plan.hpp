// WebSocket planning: whether a request header asks for a WebSocket, and which provider a
// `GET /v1/responses` upgrade goes to. The upgrade carries no model, so the provider is the one
// enabled OpenAI-wire provider with `websockets = true` that the caller may use. Every refusal is
// a 426 Upgrade Required: the status Codex takes as "use HTTP" at once (404/405/501 make it retry
// for seconds). A named caller restricted to some models is refused too: frames are relayed
// without being read, so its model rules could not be enforced (over HTTP they are).
// Thread safety: pure functions over the immutable snapshot. Ownership: the plan points at a
// provider of the snapshot the request holds.
#pragma once

#include <optional>

#include "access/callers.hpp"
#include "http/request_handler.hpp"
#include "proxy/reply.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// GET with an Upgrade header naming "websocket" (case-insensitive, among other tokens).
bool IsWebSocketUpgrade(const http::Request& header);

// What Beast's accept would refuse: Connection without "upgrade", no Sec-WebSocket-Key, a
// Sec-WebSocket-Version other than 13, or HTTP/1.0. Checked before any upstream I/O.
bool IsValidWebSocketHandshake(const http::Request& header);

struct WebSocketPlan {
  std::optional<Reply> reply;  // set → answer this (426) and stop
  const snapshot::ProviderRuntime* provider = nullptr;
};

// `caller`: the named caller's policy (nullptr without [callers]).
WebSocketPlan PlanWebSocket(const snapshot::Snapshot& snap, const access::CallerPolicy* caller);

// A 426 "websocket_unavailable" whose message says why and that HTTP works.
Reply UpgradeRefusal(std::string why);

}  // namespace warden::proxy
