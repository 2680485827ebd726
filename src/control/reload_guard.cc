#include "control/reload_guard.hpp"

#include <string>

#include "config/bind_address.hpp"

namespace warden::control {

namespace {

std::string_view ModeName(config::AuthMode mode) {
  switch (mode) {
    case config::AuthMode::kNone:
      return "none";
    case config::AuthMode::kToken:
      return "token";
    case config::AuthMode::kTrustedProxy:
      return "trusted-proxy";
    case config::AuthMode::kJwt:
      return "jwt";
  }
  return "?";
}

}  // namespace

Result<void> CheckReloadable(const config::Config& running, const config::Config& next,
                             std::string_view listen_bind) {
  const auto& was = running.gateway;
  const auto& now = next.gateway;
  if (now.auth.mode != was.auth.mode) {
    return Error::InvalidConfig(
        "gateway.auth.mode",
        "changed from \"" + std::string(ModeName(was.auth.mode)) + "\" to \"" +
            std::string(ModeName(now.auth.mode)) +
            "\"; how callers authenticate is fixed at start: restart warden to change it");
  }
  if (now.bind != was.bind) {
    return Error::InvalidConfig("gateway.bind", "changed from \"" + was.bind + "\" to \"" +
                                                    now.bind +
                                                    "\"; the listening address is fixed at start: "
                                                    "restart warden to change it");
  }
  if (now.auth.mode == config::AuthMode::kNone) {
    auto bind = config::ParseBindAddress(listen_bind);
    if (!bind || !bind->IsLoopback()) {
      return Error::InvalidConfig("gateway.auth.mode",
                                  "\"none\" is only allowed on a loopback address, and warden "
                                  "listens on " +
                                      std::string(listen_bind));
    }
  }
  return Ok();
}

}  // namespace warden::control
