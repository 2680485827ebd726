// HttpGet: one bounded GET of a small document (an issuer's JWKS or OIDC discovery document)
// over the upstream client: UpstreamPool's resolve/connect/TLS (SNI, hostname verification, the
// system CA store), then one request and one response read under a single deadline. Only a 200
// with a body of at most `max_body_bytes` is a success; redirects are not followed. The
// connection is not kept (these fetches are rare).
// Ownership: borrows the pool, which must outlive the call.
// Thread safety: like the pool, on the pool's executor only. Never blocks a thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "http/net.hpp"
#include "http/upstream_pool.hpp"

namespace warden::http {

// Errors: CONFIG_INVALID (not an http(s) URL), UPSTREAM_CONNECT / UPSTREAM_TLS / UPSTREAM_TIMEOUT
// (connect, handshake, or the whole exchange took longer than `timeout`), UPSTREAM_PROTOCOL (not
// 200, body too large, not HTTP). Messages name the host, never a query string.
net::Task<Result<std::string>> HttpGet(UpstreamPool& pool, std::string url,
                                       std::size_t max_body_bytes,
                                       std::chrono::milliseconds timeout);

}  // namespace warden::http
