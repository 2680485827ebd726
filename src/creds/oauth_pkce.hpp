// OAuth 2.0 authorization-code login with PKCE (RFC 7636, S256), the pure parts: the verifier
// and its challenge, the random `state`, the authorize URL, and what comes back — the loopback
// callback's request target or what a user pastes (the redirect URL, `code#state`, or a bare
// code). No I/O: `warden auth login` (app/auth_login.cc) drives these; the code exchange is
// creds/oauth_client.hpp.
// Ownership: plain values; codes are held in Secret.
// Thread safety: pure functions (the CSPRNG draws are thread-safe).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "observe/secret.hpp"

namespace warden::creds {

// 32 bytes from the CSPRNG as base64url: 43 characters of [A-Za-z0-9-_] (RFC 7636 §4.1 allows
// 43..128 unreserved characters).
Secret NewPkceVerifier();
// BASE64URL(SHA256(ASCII(verifier))), no padding (RFC 7636 §4.2, method S256).
std::string PkceChallengeS256(std::string_view verifier);
// 16 bytes from the CSPRNG as base64url (22 characters): ties a callback to this login.
std::string NewOAuthState();

// RFC 3986 percent-encoding of everything but the unreserved characters (a space is %20).
std::string PercentEncode(std::string_view value);

struct AuthorizeRequest {
  std::string authorize_url;  // the provider's endpoint; may already carry a ?query
  std::string client_id;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  std::string code_challenge;
  std::string state;
};
// authorize_url?response_type=code&client_id=..&redirect_uri=..&scope=a%20b
// &code_challenge=..&code_challenge_method=S256&state=.. (every value percent-encoded).
std::string BuildAuthorizeUrl(const AuthorizeRequest& request);

// What a redirect carried: a code and its state, or the provider's error.
struct AuthorizationReply {
  Secret code;                       // empty when the provider sent an error or no code
  std::optional<std::string> state;  // nullopt: none given (a bare pasted code)
  std::string error;                 // the `error` parameter ("access_denied"), "" when none
};

// The query of a callback request target ("/auth/callback?code=..&state=.."). Values are
// percent-decoded. OAUTH_CALLBACK_INVALID when the target is not parsable.
[[nodiscard]] Result<AuthorizationReply> ParseCallbackTarget(std::string_view target);

// What the user pasted: a full redirect URL (its query), "code#state", or a bare code; trimmed.
// OAUTH_CALLBACK_INVALID when empty, not parsable, or a code that could not go into a form
// (control characters, spaces).
[[nodiscard]] Result<AuthorizationReply> ParsePastedReply(std::string_view pasted);

// Checks a reply against the login it belongs to: the provider's error → OAUTH_CALLBACK_INVALID
// naming it; no code → OAUTH_CALLBACK_INVALID; a state that is present and differs (constant-time
// compare) → OAUTH_STATE_MISMATCH. A pasted bare code has no state and is accepted.
[[nodiscard]] Result<void> CheckAuthorizationReply(const AuthorizationReply& reply,
                                                   std::string_view expected_state);

}  // namespace warden::creds
