// What the result of one upstream attempt means for the request.
//
// Failures before a response header (connect, TLS, pool busy, first-byte timeout, a broken
// exchange) map to the caller's status, the upstream-error metric label and the wire code in
// one place, DescribeUpstreamFailure — the only code that reads the UPSTREAM_* error codes.
// A response header decides whether the response can stream straight through or its (error)
// body must be read first, and ClassifyErrorResponse decides what that body means: rotate to
// the next key (rate limit or quota: DESIGN §3), mark the key failing (401/403), refresh a
// rejected federated token once and retry, or pass the response through as is.
// Ownership: none; results are values.
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <string_view>

#include "base/result.hpp"
#include "proxy/credential.hpp"

namespace warden::proxy {

struct UpstreamFailureKind {
  int status = 502;                            // for the caller
  std::string_view metric_label = "protocol";  // warden_upstream_errors_total{kind}
  std::string_view wire_code = "upstream_error";
};

// UPSTREAM_TIMEOUT → 504 timeout upstream_timeout; UPSTREAM_BUSY → 503 busy upstream_busy;
// UPSTREAM_TLS → 502 tls; UPSTREAM_CONNECT → 502 connect; anything else → 502 protocol
// (the last three with upstream_error).
UpstreamFailureKind DescribeUpstreamFailure(const Error& failure);

// The failure of sending the request or reading the response header within
// first_byte_timeout: UPSTREAM_TIMEOUT when it timed out, else UPSTREAM_PROTOCOL with `reason`.
Error FirstByteFailure(std::string_view provider, bool timed_out,
                       std::chrono::milliseconds first_byte_timeout, std::string_view reason);

// Whether the body of a response with `status` must be read before deciding: every error
// answered to a static key (it may be a rate limit), and 401 to a federated token.
bool NeedsClassification(int status, CredentialKind kind);

enum class ErrorVerdict {
  kRotateKey,        // rate-limited: cool the key down, retry with the next one
  kKeyRejected,      // 401/403: mark the key failing, pass the response through
  kRefreshAndRetry,  // 401 to a federated token: refresh it once, retry once
  kPassThrough,      // anything else: the caller gets the provider's response
};

// `may_refresh`: the token can still be refreshed for this request (a refresher exists and
// this request has not refreshed yet).
ErrorVerdict ClassifyErrorResponse(int status, std::string_view body, CredentialKind kind,
                                   bool may_refresh);

}  // namespace warden::proxy
