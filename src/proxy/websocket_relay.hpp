// The WebSocket relay: once both handshakes are done, frames go both ways as they arrive —
// read_some/write_some through one fixed 16 KiB buffer per direction, the fin flag and the
// text/binary opcode carried over, so no message is ever buffered whole. A message over
// `max_message_bytes` closes that side with 1009 (Beast's read limit) and the other with 1001. A
// close frame from either side is passed on with its code and reason. Pings are answered per
// hop (Beast answers them on each side); a data frame either way, or any frame from the provider,
// counts as activity, and `idle_timeout` without any closes the caller with 1001 and drops the
// provider's connection. When either side goes away the other is closed too; RelayWebSocket
// returns once both directions have stopped.
// Ownership: borrows both streams, which must outlive the call; it leaves their sockets open
// (the caller of RelayWebSocket closes them). Thread safety: one event loop, like the streams.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/net.hpp"
#include "http/websocket.hpp"

namespace warden::proxy {

struct WebSocketRelayOptions {
  std::chrono::milliseconds idle_timeout{300'000};
  std::size_t max_message_bytes = 16u << 20;
  std::chrono::milliseconds close_timeout{5'000};  // for a close handshake warden starts
};

struct WebSocketTraffic {
  std::uint64_t to_upstream = 0;  // payload bytes relayed caller → provider
  std::uint64_t to_caller = 0;    // and provider → caller
  std::string end = "-";          // who ended it: "caller", "upstream", "idle", "caller_too_big"...
};

net::Task<WebSocketTraffic> RelayWebSocket(http::WebSocket& caller, http::WebSocket& upstream,
                                           WebSocketRelayOptions options);

}  // namespace warden::proxy
