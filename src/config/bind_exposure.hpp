// Whether `gateway.bind` lets other machines reach the gateway, and what then protects it, for
// `warden doctor` (BIND_NOT_LOOPBACK). Loopback is judged by BindAddress::IsLoopback, the same
// test `warden serve` uses to refuse auth mode "none" on a network address.
// The message names the bind, the auth mode, whether TLS is on and a one-line fix; never a value.
// Ownership: plain values. Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace warden::config {

struct BindExposure {
  // kDanger: nothing but the network stands between a stranger and the provider keys — auth
  // mode "none" (serve refuses to start) or "trusted-proxy" (whoever reaches it as a listed
  // proxy is believed).
  // kProtected: callers need a token or a JWT and the traffic is TLS — a deliberate public
  // deployment, reported as a note rather than a finding.
  enum class Level { kProtected, kWarning, kDanger };
  Level level = Level::kWarning;
  std::string message;
};

// nullopt for a loopback bind (or one that does not parse: the loader reports that).
std::optional<BindExposure> AssessBindExposure(const GatewayConfig& gateway);

}  // namespace warden::config
