// Framing decisions for a request, separate from the session so they can be tested without a
// socket: which framing errors are answered (and how), and which request headers carry a framing
// warden refuses (RFC 9112 §6: request smuggling, unknown codings, the HTTP version).
// Ownership: none; functions read the parsed request and return values.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "http/net.hpp"
#include "http/request_handler.hpp"

namespace warden::http {

// Errors that mean the caller went away or idled out: closed without an answer.
bool QuietClose(const net::error_code& ec);

// How a failed header read is answered; nullopt = close quietly (the caller went away or idled
// out). `linger` is set when the client may still be sending.
std::optional<FramingError> HeaderReadError(const net::error_code& ec,
                                            const config::GatewayConfig& limits, bool timed_out,
                                            bool got_some, bool& linger);

// The same for a failed body read.
std::optional<FramingError> BodyReadError(const net::error_code& ec,
                                          const config::GatewayConfig& limits, bool timed_out,
                                          bool& linger);

// Whether a request's Transfer-Encoding is acceptable: absent, or exactly "chunked" once in
// HTTP/1.1.
bool TransferEncodingAcceptable(const Request& header);

// Whether a request (whose framing CheckFraming accepted) announces a body: a Transfer-Encoding
// (chunked) or a Content-Length other than 0.
bool AnnouncesBody(const Request& header);

// What the header alone refuses: an HTTP version other than 1.0/1.1 (505), both framings, or an
// unacceptable Transfer-Encoding (400). nullopt = the framing is fine.
std::optional<FramingError> CheckFraming(const Request& header);

}  // namespace warden::http
