#include "creds/oauth_pkce.hpp"

#include <algorithm>

#include <boost/url.hpp>

#include "base/strings.hpp"
#include "crypto/crypto.hpp"

namespace warden::creds {
namespace {

namespace urls = boost::urls;

Error Invalid(std::string message) {
  return Error::Make(ErrorCode::kOAuthCallbackInvalid, std::move(message));
}

// A code or state value that can travel in a form body and a header: printable ASCII, no space.
bool IsPlainToken(std::string_view v) {
  return !v.empty() && v.size() <= 4096 &&
         std::all_of(v.begin(), v.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

AuthorizationReply FromParams(const urls::params_view& params) {
  AuthorizationReply reply;
  for (const auto& param : params) {
    if (param.key == "code" && param.has_value) reply.code = Secret(std::string(param.value));
    if (param.key == "state" && param.has_value) reply.state = std::string(param.value);
    if (param.key == "error" && param.has_value) reply.error = std::string(param.value);
  }
  return reply;
}

Result<AuthorizationReply> Checked(AuthorizationReply reply) {
  if (!reply.code.empty() && !IsPlainToken(reply.code.Reveal())) {
    return Invalid("the authorization code has spaces or control characters");
  }
  if (reply.state && !reply.state->empty() && !IsPlainToken(*reply.state)) {
    return Invalid("the state has spaces or control characters");
  }
  if (!reply.error.empty() && !IsPlainToken(reply.error)) reply.error = "invalid";
  return reply;
}

}  // namespace

Secret NewPkceVerifier() { return Secret(crypto::Base64UrlEncode(crypto::RandomBytes(32))); }

std::string PkceChallengeS256(std::string_view verifier) {
  const auto digest = crypto::Sha256(verifier);
  return crypto::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string NewOAuthState() { return crypto::Base64UrlEncode(crypto::RandomBytes(16)); }

std::string PercentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string BuildAuthorizeUrl(const AuthorizeRequest& r) {
  std::string scope;
  for (const auto& s : r.scopes) scope += (scope.empty() ? "" : " ") + s;
  std::string url = r.authorize_url;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  auto add = [&](std::string_view key, std::string_view value) {
    url += sep;
    url += key;
    url += '=';
    url += PercentEncode(value);
    sep = '&';
  };
  add("response_type", "code");
  add("client_id", r.client_id);
  add("redirect_uri", r.redirect_uri);
  if (!scope.empty()) add("scope", scope);
  add("code_challenge", r.code_challenge);
  add("code_challenge_method", "S256");
  add("state", r.state);
  return url;
}

Result<AuthorizationReply> ParseCallbackTarget(std::string_view target) {
  auto parsed = urls::parse_origin_form(target);
  if (!parsed) return Invalid("the callback request target is not a path with a query");
  return Checked(FromParams(parsed->params()));
}

Result<AuthorizationReply> ParsePastedReply(std::string_view pasted) {
  const std::string_view text = TrimWhitespace(pasted);
  if (text.empty()) return Invalid("nothing was pasted");
  if (text.find("://") != std::string_view::npos) {
    auto parsed = urls::parse_uri(text);
    if (!parsed) return Invalid("the pasted redirect URL is not a valid URL");
    return Checked(FromParams(parsed->params()));
  }
  if (text.find('?') != std::string_view::npos || text.find('=') != std::string_view::npos) {
    // "?code=..&state=.." or "code=..&state=..": a query without the URL around it.
    std::string target = "/";
    if (text.front() != '?') target += '?';
    target += text;
    return ParseCallbackTarget(target);
  }
  AuthorizationReply reply;
  const auto hash = text.find('#');
  reply.code = Secret(std::string(text.substr(0, hash)));
  if (hash != std::string_view::npos) reply.state = std::string(text.substr(hash + 1));
  if (reply.code.empty()) return Invalid("the pasted text has no code before '#'");
  return Checked(std::move(reply));
}

Result<void> CheckAuthorizationReply(const AuthorizationReply& reply,
                                     std::string_view expected_state) {
  if (!reply.error.empty()) {
    return Invalid("the provider refused the login: error=" + reply.error);
  }
  if (reply.code.empty()) return Invalid("the redirect has no code");
  if (reply.state && !crypto::ConstantTimeEquals(*reply.state, expected_state)) {
    return Error::Make(ErrorCode::kOAuthStateMismatch,
                       "the redirect's state does not match this login (a stale or forged "
                       "redirect); start `warden auth login` again");
  }
  return Ok();
}

}  // namespace warden::creds
