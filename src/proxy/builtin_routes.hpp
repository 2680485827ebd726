// The routes warden answers itself: GET /healthz (liveness), /readyz (per-provider readiness,
// readyz_document.hpp), /metrics (Prometheus text), /v1/models (proxy/model_list.hpp: the names
// callers may use, in their wire format), and the 404 for unknown routes. None of them carries a
// credential value.
// Thread safety: run on the connection's event loop; read the immutable snapshot, the atomic
// key state and the mutex-guarded reload status. DescribeReadiness is a pure function.
// Ownership: borrows the request context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/callers.hpp"
#include "http/net.hpp"
#include "proxy/gateway_state.hpp"
#include "proxy/readyz_document.hpp"
#include "proxy/request_context.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// Answers a request whose route is not kProxy. Returns whether the response was written.
net::Task<bool> ServeBuiltin(RequestContext& r);

// The /readyz document for `snap` at `now_ms`: ready when some provider has a usable credential.
ReadyzDocument DescribeReadiness(const snapshot::Snapshot& snap, const ReloadStatus& reload,
                                 std::int64_t now_ms);

}  // namespace warden::proxy
