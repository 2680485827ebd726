// Caller authentication for the data plane (modes none and token; trusted-proxy is in
// access/trusted_proxy.hpp, jwt in access/jwt_auth.hpp).
//
// The caller's credential is `Authorization: Bearer T` (OpenAI SDK) or `x-api-key: T`
// (Anthropic SDK); it is compared with the gateway token in constant time. The decision carries
// a stable `code` for the 401 body ("missing_credentials", "invalid_credentials").
// Ownership: reads the AccessPolicy for the call only; the decision is a value.
// Thread safety: pure function over an immutable AccessPolicy (and the caller's own memo).
#pragma once

#include <string>
#include <string_view>

#include "access/access_policy.hpp"
#include "crypto/sha256_memo.hpp"

namespace warden::access {

// kMissing: no credential presented (not counted by the failed-auth limiter). kWrong: a wrong
// credential (counted). kRefused: refused for a reason that is not a guess at a credential —
// e.g. a trusted proxy asserting a user who is not allowed — so not counted either.
// kForbidden: authenticated, but no named caller matches (403, not counted).
// kUnavailable: cannot be decided now (jwt mode before the issuer's keys load; 503, not counted).
enum class AuthOutcome {
  kAllowed,
  kMissing,
  kWrong,
  kRefused,
  kForbidden,
  kUnavailable,
  kUnsupportedMode
};

struct AuthDecision {
  AuthOutcome outcome = AuthOutcome::kAllowed;
  std::string_view code;  // for the error body; a static string
  std::string message;    // names the fix; never a credential
  // With [callers]: the caller recognised (points into the AccessPolicy); else nullptr.
  const CallerPolicy* caller = nullptr;
};

// `authorization` and `api_key` are the raw header values (empty when absent). `digests`: the
// caller connection's memo of the token it presented last (one hash per connection, not per
// request); without it, the token is hashed.
AuthDecision Authenticate(const access::AccessPolicy& policy, std::string_view authorization,
                          std::string_view api_key, crypto::Sha256Memo& digests);
AuthDecision Authenticate(const access::AccessPolicy& policy, std::string_view authorization,
                          std::string_view api_key);

// Trusted-proxy mode with [callers]: the caller whose proxy_users match `user` (first in config
// order), or a kForbidden "caller_not_allowed" decision. Without callers: allowed, no caller.
AuthDecision IdentifyProxyUser(const access::AccessPolicy& policy, std::string_view user);

// The token carried by an Authorization header ("Bearer T", case-insensitive scheme), or "".
std::string_view BearerToken(std::string_view authorization);

}  // namespace warden::access
