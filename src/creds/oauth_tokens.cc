#include "creds/oauth_tokens.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "crypto/jwt.hpp"
#include "secrets/header_value.hpp"

namespace warden::creds {
namespace {

namespace json = boost::json;

// Where OpenAI puts the ChatGPT account in its tokens.
constexpr std::string_view kOpenAiAuthClaim = "https://api.openai.com/auth";

Error Garbage(const std::string& why) {
  return Error::Make(ErrorCode::kOAuthError, "the token endpoint's answer is unusable: " + why);
}

std::string StringOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A short, printable provider error code (it goes into messages).
std::string SafeCode(std::string code) {
  if (code.empty() || code.size() > 64 || !secrets::CheckHeaderValue(code, "error")) return "?";
  for (char c : code) {
    if (c == ' ') return "?";
  }
  return code;
}

Result<Secret> TokenField(const json::object& o, std::string_view key, bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Garbage("\"" + std::string(key) + "\" is missing");
    return Secret();
  }
  if (!v->is_string() || v->get_string().empty()) {
    return Garbage("\"" + std::string(key) + "\" is not a non-empty string");
  }
  Secret value{std::string(v->get_string())};
  if (auto ok = secrets::CheckHeaderValue(value.Reveal(), std::string(key)); !ok) {
    return Garbage("\"" + std::string(key) + "\" has characters a header cannot carry");
  }
  return value;
}

Result<std::int64_t> ExpiresIn(const json::object& o) {
  const json::value* v = o.if_contains("expires_in");
  if (v == nullptr || v->is_null()) return kDefaultExpiresInS;
  std::int64_t s = -1;
  if (v->is_int64()) s = v->get_int64();
  if (v->is_uint64() && v->get_uint64() < (1ULL << 40)) s = std::int64_t(v->get_uint64());
  if (v->is_double() && v->get_double() >= 0 && v->get_double() < 1e12) {
    s = std::int64_t(v->get_double());
  }
  if (v->is_string()) {  // some endpoints send "3600"
    const auto& str = v->get_string();
    if (!str.empty() && str.size() < 12 &&
        std::all_of(str.begin(), str.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      s = std::stoll(std::string(str));
    }
  }
  // A year is past any access token's life; it also keeps now + expires_in far from overflow.
  if (s <= 0 || s > 366LL * 24 * 3600) return Garbage("\"expires_in\" is not a positive number");
  return s;
}

// accountId, email and sub from a JWT's claims; a token that is not a JWT adds nothing.
void ReadIdentity(std::string_view jwt, OAuthTokens& t) {
  auto claims = crypto::DecodeJwtPayload(jwt);
  if (!claims) return;
  if (t.subject.empty()) t.subject = StringOf(*claims, "sub");
  if (t.email.empty()) {
    std::string email = StringOf(*claims, "email");
    if (IsProfileName(email)) t.email = email;
  }
  if (t.account_id.empty()) {
    if (const json::value* auth = claims->if_contains(kOpenAiAuthClaim);
        auth != nullptr && auth->is_object()) {
      t.account_id = StringOf(auth->get_object(), "chatgpt_account_id");
    }
  }
  if (t.account_id.empty()) t.account_id = StringOf(*claims, "account_id");
  if (t.account_id.size() > 256 || !secrets::CheckHeaderValue(t.account_id, "accountId")) {
    t.account_id.clear();
  }
  if (t.subject.size() > 256 || !secrets::CheckHeaderValue(t.subject, "sub")) t.subject.clear();
}

}  // namespace

Result<OAuthTokens> ParseTokenResponse(int status, std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec || !root.is_object()) {
    return Garbage("HTTP " + std::to_string(status) + " with a body that is not a JSON object");
  }
  const json::object& o = root.get_object();
  if (status != 200 || o.contains("error")) {
    const std::string code = SafeCode(StringOf(o, "error"));
    if (code == "invalid_grant") {
      return Error::Make(ErrorCode::kOAuthInvalidGrant,
                         "the token endpoint answered invalid_grant: the login is spent or "
                         "revoked; run `warden auth login`");
    }
    return Error::Make(ErrorCode::kOAuthError, "the token endpoint answered HTTP " +
                                                   std::to_string(status) + " error=" + code);
  }
  OAuthTokens t;
  auto access = TokenField(o, "access_token", true);
  if (!access) return access.error();
  t.access = std::move(*access);
  auto refresh = TokenField(o, "refresh_token", false);
  if (!refresh) return refresh.error();
  t.refresh = std::move(*refresh);
  auto expires = ExpiresIn(o);
  if (!expires) return expires.error();
  t.expires_in_s = *expires;
  t.token_type = StringOf(o, "token_type");
  std::string lower;
  for (char c : t.token_type) lower += char(std::tolower(static_cast<unsigned char>(c)));
  if (!lower.empty() && lower != "bearer") {
    return Garbage("\"token_type\" is not Bearer");
  }
  auto id_token = TokenField(o, "id_token", false);
  if (!id_token) return id_token.error();
  if (!id_token->empty()) ReadIdentity(id_token->Reveal(), t);
  ReadIdentity(t.access.Reveal(), t);
  return t;
}

Profile ProfileFromTokens(const std::string& id, const OAuthTokens& tokens, std::int64_t now_ms,
                          const Profile* previous) {
  Profile p;
  if (previous != nullptr) p = *previous;
  p.id = id;
  p.type = ProfileType::kOAuth;
  p.provider = id.substr(0, id.find(':'));
  p.secret = tokens.access;
  if (!tokens.refresh.empty()) p.refresh = tokens.refresh;
  p.expires_ms = now_ms + tokens.expires_in_s * 1000;
  if (!tokens.account_id.empty()) p.account_id = tokens.account_id;
  if (!tokens.email.empty()) p.email = tokens.email;
  if (!tokens.subject.empty()) p.extra[kSubjectField] = tokens.subject;
  return p;
}

}  // namespace warden::creds
