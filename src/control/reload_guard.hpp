// What a reload may not change while the gateway runs. The listening socket and the way callers
// authenticate are fixed at start: a reload that changed them would either silently not apply
// (bind) or open the gateway wider than the operator started it (auth mode "none" on a network
// address, e.g. one given with --bind). Such reloads are refused with a message naming the
// restart, and the last good snapshot stays.
// Ownership: none; takes the running and the reloaded config by reference.
// Thread safety: pure function.
#pragma once

#include <string_view>

#include "base/result.hpp"
#include "config/config.hpp"

namespace warden::control {

// `listen_bind` is the address actually listened on (--bind or the config at start).
Result<void> CheckReloadable(const config::Config& running, const config::Config& next,
                             std::string_view listen_bind);

}  // namespace warden::control
