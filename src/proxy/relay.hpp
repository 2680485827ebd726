// Relay: a provider's response on its way to the caller.
//
// StreamResponse passes a response through as it arrives, chunk by chunk through one fixed
// buffer: the header goes out with the first body bytes; a response without Content-Length (SSE
// or chunked) is re-chunked and the caller is watched meanwhile, so a caller that hangs up
// cancels the upstream request. ForwardBuffered writes a response warden has read whole (an
// error body read for classification). Both forward the provider's headers through the header
// policy (upstream_request.hpp) and add the standard headers.
// Thread safety: run on the connection's event loop.
// Ownership: borrows the caller's context and the upstream connection; the caller of
// StreamResponse releases or discards the connection afterwards, as the outcome says.
#pragma once

#include <chrono>
#include <cstddef>

#include "http/net.hpp"
#include "http/upstream_pool.hpp"
#include "proxy/request_context.hpp"

namespace warden::proxy {

enum class RelayResult {
  kDone,               // the whole response reached the caller
  kUpstreamFailed,     // the provider failed mid-response
  kClientGone,         // the caller went away (or stopped reading) mid-response
  kClientWriteFailed,  // writing a bodyless response failed
};

struct RelayOutcome {
  RelayResult result = RelayResult::kDone;
  std::size_t relayed = 0;         // body bytes written to the caller
  bool upstream_reusable = false;  // read to its end on a keep-alive connection: pool it
};

// `header` holds the response header already read from `up`; its parser is consumed.
net::Task<RelayOutcome> StreamResponse(ClientContext& c, http::UpstreamConnection& up,
                                       net::http::response_parser<net::http::empty_body>& header,
                                       std::chrono::milliseconds idle_timeout, bool keep_alive);

// Returns false if the write failed.
net::Task<bool> ForwardBuffered(ClientContext& c,
                                net::http::response<net::http::string_body>& upstream_response,
                                bool keep_alive);

}  // namespace warden::proxy
