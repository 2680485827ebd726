// The OAuth settings of a provider and the two calls warden makes to its token endpoint:
// exchanging a login's authorization code (RFC 6749 §4.1.3 with the PKCE code_verifier) and
// spending a refresh token (§6). Settings come from `[providers.P.oauth]`, else the built-in
// preset (OpenAI Codex, provider `codex`). The HTTP exchange is http/form_post.hpp (bounded
// time and size); the answer is parsed by creds/oauth_tokens.hpp.
// Ownership: plain values. Thread safety: the calls block the calling thread (CLI verbs, the
// control plane), never an event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "creds/oauth_tokens.hpp"
#include "observe/secret.hpp"

namespace warden::creds {

inline constexpr const char* kDefaultRedirectUri = "http://127.0.0.1:1455/auth/callback";

struct OAuthSettings {
  std::string authorize_url;
  std::string token_url;
  std::string client_id;
  std::vector<std::string> scopes;
  std::string redirect_uri = kDefaultRedirectUri;
  bool preset = false;  // came from the built-in preset, not the config
  std::chrono::milliseconds timeout{15'000};
  std::size_t max_response_bytes = 1u << 20;
};

// `configured` (the provider's [providers.P.oauth], if any) with the redirect default applied;
// else the built-in preset for `provider` (only `codex`); else OAUTH_NOT_CONFIGURED naming the
// config block to add.
[[nodiscard]] Result<OAuthSettings> ResolveOAuthSettings(
    const std::string& provider, const std::optional<config::OAuthConfig>& configured);

// application/x-www-form-urlencoded of `fields` (values percent-encoded); a Secret, as it
// carries a code or refresh token.
Secret FormEncode(const std::vector<std::pair<std::string, std::string_view>>& fields);

// grant_type=authorization_code. Errors: those of PostForm and ParseTokenResponse.
[[nodiscard]] Result<OAuthTokens> ExchangeAuthorizationCode(const OAuthSettings& settings,
                                                            const Secret& code,
                                                            const Secret& verifier);
// grant_type=refresh_token.
[[nodiscard]] Result<OAuthTokens> RefreshAccessToken(const OAuthSettings& settings,
                                                     const Secret& refresh_token);

}  // namespace warden::creds
