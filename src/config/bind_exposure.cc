#include "config/bind_exposure.hpp"

#include "config/bind_address.hpp"

namespace warden::config {

namespace {

// What stands between another machine and the provider keys in `mode`.
std::string Protection(AuthMode mode) {
  switch (mode) {
    case AuthMode::kNone:
      return "gateway.auth.mode = \"none\" lets anyone who reaches it use your provider keys, so "
             "`warden serve` refuses to start";
    case AuthMode::kTrustedProxy:
      return "gateway.auth.mode = \"trusted-proxy\" believes whatever user a listed proxy "
             "asserts, so only the proxy may reach it";
    case AuthMode::kJwt:
      return "callers need a JWT from gateway.auth.jwt.issuer";
    case AuthMode::kToken:
      break;
  }
  return "callers need the gateway token";
}

}  // namespace

std::optional<BindExposure> AssessBindExposure(const GatewayConfig& gateway) {
  auto bind = ParseBindAddress(gateway.bind);
  if (!bind || bind->IsLoopback()) return std::nullopt;
  BindExposure out;
  const AuthMode mode = gateway.auth.mode;
  if (mode == AuthMode::kNone || mode == AuthMode::kTrustedProxy) {
    out.level = BindExposure::Level::kDanger;
  } else if (gateway.tls) {
    out.level = BindExposure::Level::kProtected;
  }
  out.message = "gateway.bind = \"" + gateway.bind +
                "\" accepts connections from other machines; " + Protection(mode);
  out.message += gateway.tls ? "; served over TLS"
                             : "; without [gateway.tls] credentials and prompts cross the network "
                               "in clear text";
  const std::string loopback = "bind = \"127.0.0.1:" + std::to_string(bind->port) + "\"";
  if (mode == AuthMode::kNone) {
    out.message += "; fix: " + loopback + ", or set gateway.auth.mode = \"token\"";
  } else if (mode == AuthMode::kTrustedProxy) {
    out.message += "; fix: " + loopback +
                   " with the proxy on this machine, or firewall the port "
                   "so only the proxies can connect";
  } else {
    out.message += "; fix: " + loopback + " behind a reverse proxy" +
                   (gateway.tls ? std::string(", or firewall the port")
                                : std::string(", or set [gateway.tls] and firewall the port"));
  }
  return out;
}

}  // namespace warden::config
