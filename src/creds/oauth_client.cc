#include "creds/oauth_client.hpp"

#include <string.h>

#include "creds/oauth_pkce.hpp"
#include "http/form_post.hpp"

namespace warden::creds {
namespace {

// OpenAI Codex CLI's public client (what `codex login` uses).
OAuthSettings CodexPreset() {
  OAuthSettings s;
  s.authorize_url = "https://auth.openai.com/oauth/authorize";
  s.token_url = "https://auth.openai.com/oauth/token";
  s.client_id = "app_EMoamEEZ73f0CkXaXp7hrann";
  s.scopes = {"openid", "profile", "email", "offline_access"};
  s.preset = true;
  return s;
}

Result<OAuthTokens> Post(const OAuthSettings& settings, const Secret& form) {
  http::FormPostOptions options;
  options.timeout = settings.timeout;
  options.max_response_bytes = settings.max_response_bytes;
  auto reply = http::PostForm(settings.token_url, form, options);
  if (!reply) {
    return Error::Make(ErrorCode::kOAuthError,
                       "the token endpoint could not be reached: " + reply.error().ToString());
  }
  return ParseTokenResponse(reply->status, reply->body.Reveal());
}

}  // namespace

Result<OAuthSettings> ResolveOAuthSettings(const std::string& provider,
                                           const std::optional<config::OAuthConfig>& configured) {
  if (configured) {
    OAuthSettings s;
    s.authorize_url = configured->authorize_url;
    s.token_url = configured->token_url;
    s.client_id = configured->client_id;
    s.scopes = configured->scopes;
    if (!configured->redirect_uri.empty()) s.redirect_uri = configured->redirect_uri;
    return s;
  }
  if (provider == "codex") return CodexPreset();
  return Error::Make(ErrorCode::kOAuthNotConfigured,
                     "provider " + provider + " has no [providers." + provider +
                         ".oauth] (authorize_url, token_url, client_id, scopes) in the config, "
                         "and no built-in preset (only codex has one)",
                     provider);
}

Secret FormEncode(const std::vector<std::pair<std::string, std::string_view>>& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    out += PercentEncode(key);
    out += '=';
    std::string encoded = PercentEncode(value);
    out += encoded;
    explicit_bzero(encoded.data(), encoded.size());
  }
  Secret form(out);
  explicit_bzero(out.data(), out.size());
  return form;
}

Result<OAuthTokens> ExchangeAuthorizationCode(const OAuthSettings& settings, const Secret& code,
                                              const Secret& verifier) {
  return Post(settings, FormEncode({{"grant_type", "authorization_code"},
                                    {"code", code.Reveal()},
                                    {"redirect_uri", settings.redirect_uri},
                                    {"client_id", settings.client_id},
                                    {"code_verifier", verifier.Reveal()}}));
}

Result<OAuthTokens> RefreshAccessToken(const OAuthSettings& settings, const Secret& refresh_token) {
  return Post(settings, FormEncode({{"grant_type", "refresh_token"},
                                    {"refresh_token", refresh_token.Reveal()},
                                    {"client_id", settings.client_id}}));
}

}  // namespace warden::creds
