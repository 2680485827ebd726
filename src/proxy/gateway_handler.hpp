// GatewayHandler: the proxy's side of the http::Handler seam. For every connection it keeps the
// caller's context; per request it loads the snapshot once when the header arrives (admission
// runs on it before the body is read) and keeps it for the whole request. A request to a
// built-in or unknown route that announces a body is answered from its header alone, with
// "Connection: close": only proxied routes have their body read.
// Thread safety: Open() is called on every event loop; GatewayState is thread-safe. Each
// connection's handler lives on one loop.
// Ownership: borrows the GatewayState, which outlives the server.
#pragma once

#include <memory>
#include <string>

#include "http/request_handler.hpp"
#include "proxy/gateway_state.hpp"

namespace warden::proxy {

class GatewayHandler final : public http::Handler {
 public:
  explicit GatewayHandler(GatewayState& gw) : gw_(gw) {}
  std::unique_ptr<http::ConnectionHandler> Open(http::Connection& connection) override;
  std::string ConnectionRefusal(const http::FramingError& error) override;

 private:
  GatewayState& gw_;
};

}  // namespace warden::proxy
