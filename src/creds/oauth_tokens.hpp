// What an OAuth token endpoint answers (RFC 6749 §5.1 success, §5.2 error), parsed into values
// warden can store: the access and refresh tokens (Secret, header-checked), when the access
// token expires, and who it belongs to (accountId/email/sub from the id_token's claims, else the
// access token's, decoded without verification: labels and a same-account check, never
// authentication). Pure: the HTTP exchange is creds/oauth_client.hpp.
// Errors: OAUTH_INVALID_GRANT for {"error":"invalid_grant"} (the refresh token or code is spent
// or revoked: only a new login helps), OAUTH_ERROR for any other error answer or a body that is
// not a usable token response. Messages name fields and the provider's error code, never a value.
// Ownership: plain values. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "creds/profile_document.hpp"
#include "observe/secret.hpp"

namespace warden::creds {

// When a response has no expires_in: one hour (what providers commonly issue).
inline constexpr std::int64_t kDefaultExpiresInS = 3600;

struct OAuthTokens {
  Secret access;
  Secret refresh;  // empty: the endpoint did not send one (keep the one you have)
  std::int64_t expires_in_s = kDefaultExpiresInS;
  std::string token_type;  // "Bearer" (compared case-insensitively; others are refused)
  std::string account_id;  // chatgpt_account_id / account_id claim, "" when none
  std::string email;       // a valid profile name, else ""
  std::string subject;     // the `sub` claim, "" when none
};

// `status` is the HTTP status; `body` the response body.
[[nodiscard]] Result<OAuthTokens> ParseTokenResponse(int status, std::string_view body);

// Where a profile keeps the `sub` claim of its login (beside the schema's fields; other tools
// keep it as an unknown field), so a refresh answered for another subject is refused.
inline constexpr const char* kSubjectField = "sub";

// The oauth profile `id` the tokens make, issued at `now_ms`. `previous` (a profile being
// refreshed) supplies the refresh token when none was sent, and the account and email when the
// response names none; its unknown fields are kept (but not the refresh bookkeeping).
Profile ProfileFromTokens(const std::string& id, const OAuthTokens& tokens, std::int64_t now_ms,
                          const Profile* previous);

}  // namespace warden::creds
