// The request path: access → route → credential pick → upstream exchange → streamed relay.
//
// A session calls Admit() (admission.hpp) once a request header has arrived, then Handle() with
// the whole request, which dispatches by route: the built-in routes (builtin_routes.hpp), or
// planning (planning.hpp) and the exchange with the provider (exchange.hpp). Both write the
// response to the client themselves. Every request works on the one Snapshot loaded at its
// start, and ends with one access-log line and one request metric (request_log.hpp).
// Thread safety: runs on one event loop. Ownership: the ClientContext refers to objects owned by
// the session coroutine (stream, buffer) and the event loop (pool), which outlive the call;
// Handle() keeps the snapshot alive until the response is written.
#pragma once

#include "http/net.hpp"
#include "proxy/request_context.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// Handles a complete request, then gives back the memory a large head grew in the connection's
// buffers. Returns whether the connection may be kept alive.
// `caller`: what admission found out about the caller (Verdict::caller).
net::Task<bool> Handle(ClientContext& c, snapshot::SnapshotConstSharedPtr snap, Request& req,
                       CallerIdentity caller);

}  // namespace warden::proxy
