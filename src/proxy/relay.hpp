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

#include <string_view>

#include "http/net.hpp"
#include "http/response_parser.hpp"
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

struct RelayOptions {
  std::chrono::milliseconds idle_timeout;  // between two reads/writes of the body
  bool keep_alive = true;                  // the caller's connection may serve another request
  unsigned caller_version = 11;  // 10: no chunked framing; a stream is delimited by closing
};

// `parser` has read the response header from `up`; it goes on to read the body. An HTTP/1.0
// caller gets a response without a length as a close-delimited body (HTTP/1.0 has no chunked
// coding), so its connection is not kept alive.
net::Task<RelayOutcome> StreamResponse(ClientContext& c, http::UpstreamConnection& up,
                                       http::ResponseParser& parser, RelayOptions options);

// Whether a response to this caller must end by closing the connection: an HTTP/1.0 caller and
// a provider response without Content-Length (a stream).
bool CloseDelimited(unsigned caller_version, unsigned status, bool has_content_length);

// Writes the response `parser` read whole, its body in `body`. Returns false if the write failed.
net::Task<bool> ForwardBuffered(ClientContext& c, const http::ResponseParser& parser,
                                std::string_view body, bool keep_alive);

}  // namespace warden::proxy
