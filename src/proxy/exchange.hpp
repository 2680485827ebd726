// The exchange with a provider for one planned request: pick a credential, send the request,
// read the response header (one deadline for both: first_byte_timeout; the caller is watched
// meanwhile; a pooled connection found dead before any response byte is retried once on a
// fresh one), classify the answer (upstream_outcome.hpp) and retry at once with the next key
// after a rate limit, or once with a refreshed federated token after a 401, then relay the
// response to the caller. Nothing is retried once a response byte has reached the caller.
// Thread safety: runs on the connection's event loop; the key state it marks is atomic.
// Ownership: borrows the request context and the provider (of the snapshot the request holds);
// the upstream body's pieces view the request's body, which outlives the exchange.
#pragma once

#include <string>

#include "http/net.hpp"
#include "proxy/model_field.hpp"
#include "proxy/request_context.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// Answers the request with the provider's response, or an error saying why there is none.
// Returns whether the connection may be kept alive.
net::Task<bool> ExchangeWithProvider(RequestContext& r, const snapshot::ProviderRuntime& prov,
                                     BodyPieces upstream_body);

}  // namespace warden::proxy
