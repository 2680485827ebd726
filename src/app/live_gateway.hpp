// One GET to a gateway running on this machine, for the CLI verbs that ask it what only it
// knows (`warden status` and `warden doctor` through /readyz; `doctor` also tries its token on
// /v1/models). Plain HTTP on loopback only: the config's bind with an unspecified address
// (0.0.0.0, ::) asked at 127.0.0.1; any other non-loopback address, or port 0, is never
// contacted. Bounded to `timeout` in all (connect, write, read).
// Ownership: returns the answer by value; borrows `bearer` for the call.
// Thread safety: blocks the calling thread for up to `timeout`; for CLI verbs, never an event loop.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "observe/secret.hpp"

namespace warden::app {

struct LiveAnswer {
  unsigned status = 0;
  std::string body;
};

// The loopback endpoint `bind` would be asked at ("127.0.0.1:8787"), or nullopt when it is not
// asked (port 0, a network address, a bind that does not parse).
std::optional<std::string> LiveGatewayAddress(const std::string& bind);

// nullopt when nothing answers in time (or LiveGatewayAddress is nullopt). `bearer`, when not
// null, is sent as "Authorization: Bearer ...".
std::optional<LiveAnswer> GetFromLiveGateway(const std::string& bind, std::string_view target,
                                             const Secret* bearer,
                                             std::chrono::milliseconds timeout);

}  // namespace warden::app
