#include "control/reload_guard.hpp"

#include <string>

#include "config/bind_address.hpp"

namespace warden::control {

Result<void> CheckReloadable(const config::Config& running, const config::Config& next,
                             std::string_view listen_bind) {
  const auto& was = running.gateway;
  const auto& now = next.gateway;
  if (now.auth.mode != was.auth.mode) {
    return Error::InvalidConfig(
        "gateway.auth.mode",
        "changed from \"" + std::string(config::AuthModeName(was.auth.mode)) + "\" to \"" +
            std::string(config::AuthModeName(now.auth.mode)) +
            "\"; how callers authenticate is fixed at start: restart warden to change it");
  }
  if (now.bind != was.bind) {
    return Error::InvalidConfig("gateway.bind", "changed from \"" + was.bind + "\" to \"" +
                                                    now.bind +
                                                    "\"; the listening address is fixed at start: "
                                                    "restart warden to change it");
  }
  if (now.tls.has_value() != was.tls.has_value()) {
    return Error::InvalidConfig("gateway.tls",
                                std::string(now.tls ? "added" : "removed") +
                                    "; whether warden serves HTTPS is fixed at start: restart "
                                    "warden to change it (a new certificate or key is reloaded)");
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
