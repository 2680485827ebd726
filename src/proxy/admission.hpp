// Admission: what is decided from a request header alone, before a possibly large body is
// read — the failed-auth limiter (lockout) and caller authentication. /healthz and /readyz are
// admitted without either. In trusted-proxy mode the limiter keys a request from a trusted proxy
// by the client address found in X-Forwarded-For, any other request by its TCP peer; which
// refusals count is decided in access/trusted_proxy.hpp. A refused request gets its error response
// (written by the caller, gateway_handler) and its connection closes. Thread safety: runs on the
// connection's event loop; the limiter and metrics it updates in GatewayState are thread-safe.
// Ownership: borrows everything; the snapshot is the one the request keeps (loaded when its header
// arrived).
#pragma once

#include "http/net.hpp"
#include "proxy/reply.hpp"
#include "proxy/request_context.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

struct Verdict {
  bool proceed = true;  // false: answer with `refusal`, then close the connection
  CallerIdentity caller;
  Reply refusal;
};

// Decides without waiting: a refusal is counted and logged here, and its answer is left to the
// caller to write (a plain call, so an admitted request costs no coroutine frame).
Verdict Admit(ClientContext& c, const snapshot::Snapshot& snap, const Request& header);

}  // namespace warden::proxy
