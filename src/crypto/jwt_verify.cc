#include "crypto/jwt_verify.hpp"

#include <boost/json.hpp>

#include "base/glob.hpp"
#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"

namespace warden::crypto {

namespace json = boost::json;

namespace {

struct FailureInfo {
  std::string_view code;
  std::string_view message;
};

constexpr FailureInfo kFailures[] = {
#define WARDEN_JWT_FAILURE_INFO(name, code, message) {code, message},
    WARDEN_JWT_FAILURES(WARDEN_JWT_FAILURE_INFO)
#undef WARDEN_JWT_FAILURE_INFO
};

JwtVerdict Fail(JwtFailure f) { return JwtVerdict{f, {}}; }

std::optional<json::object> DecodeObject(std::string_view part) {
  std::optional<std::string> text = Base64UrlDecode(part);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::optional<JwsAlg> AllowedAlg(std::string_view name) {
  if (name == "RS256") return JwsAlg::kRs256;
  if (name == "ES256") return JwsAlg::kEs256;
  if (name == "EdDSA") return JwsAlg::kEdDsa;
  return std::nullopt;
}

// The key the header names (kid), else the only key for `alg`; a failure when there is none
// or it is of another type.
const Jwk* SelectKey(const JwkSet& keys, const json::object& header, JwsAlg alg,
                     JwtFailure& failure) {
  const json::value* kid = header.if_contains("kid");
  if (kid != nullptr) {
    if (!kid->is_string()) {
      failure = JwtFailure::kMalformed;
      return nullptr;
    }
    for (const Jwk& k : keys.keys) {
      if (k.kid == kid->get_string()) {
        if (k.alg == alg) return &k;
        failure = JwtFailure::kAlgNotAllowed;
        return nullptr;
      }
    }
    failure = JwtFailure::kUnknownKid;
    return nullptr;
  }
  const Jwk* only = nullptr;
  for (const Jwk& k : keys.keys) {
    if (k.alg != alg) continue;
    if (only != nullptr) {  // several candidates: which one is unknowable without a kid
      failure = JwtFailure::kUnknownKid;
      return nullptr;
    }
    only = &k;
  }
  if (only == nullptr) failure = JwtFailure::kUnknownKid;
  return only;
}

bool AudienceContains(const json::value* aud, std::string_view audience) {
  if (aud == nullptr) return false;
  if (aud->is_string()) return aud->get_string() == audience;
  if (!aud->is_array()) return false;
  for (const json::value& v : aud->get_array()) {
    if (v.is_string() && v.get_string() == audience) return true;
  }
  return false;
}

// Checks 6-11 on a payload whose signature verified.
JwtVerdict CheckClaims(json::object claims, const JwtRules& rules, std::int64_t now_s) {
  const json::value* exp_value = claims.if_contains("exp");
  const std::optional<std::int64_t> exp = exp_value ? NumericDate(*exp_value) : std::nullopt;
  if (!exp) return Fail(JwtFailure::kMalformed);
  const json::value* iss = claims.if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->get_string() != rules.issuer) {
    return Fail(JwtFailure::kIssuerMismatch);
  }
  if (!AudienceContains(claims.if_contains("aud"), rules.audience)) {
    return Fail(JwtFailure::kAudienceMismatch);
  }
  if (now_s >= *exp + rules.leeway_s) return Fail(JwtFailure::kExpired);
  for (std::string_view name : {"nbf", "iat"}) {
    const json::value* v = claims.if_contains(name);
    if (v == nullptr) continue;
    const std::optional<std::int64_t> t = NumericDate(*v);
    if (!t) return Fail(JwtFailure::kMalformed);
    if (*t > now_s + rules.leeway_s) return Fail(JwtFailure::kNotYetValid);
  }
  JwtVerdict ok;
  if (const json::value* sub = claims.if_contains("sub"); sub && sub->is_string()) {
    ok.jwt.subject = std::string(sub->get_string());
  }
  if (!rules.subject.empty() && !GlobMatches(rules.subject, ok.jwt.subject)) {
    return Fail(JwtFailure::kSubjectNotAllowed);
  }
  ok.jwt.exp_s = *exp;
  ok.jwt.claims = std::move(claims);
  return ok;
}

}  // namespace

std::string_view JwtFailureCode(JwtFailure f) { return kFailures[static_cast<int>(f)].code; }
std::string_view JwtFailureMessage(JwtFailure f) { return kFailures[static_cast<int>(f)].message; }

JwtVerdict VerifyJwt(std::string_view token, const JwkSet& keys, const JwtRules& rules,
                     std::int64_t now_s) {
  if (token.size() > kMaxJwtBytes) return Fail(JwtFailure::kTooLarge);
  const std::optional<JwtParts> parts = SplitJwt(token);
  if (!parts) return Fail(JwtFailure::kMalformed);
  const std::optional<json::object> header = DecodeObject(parts->header);
  if (!header) return Fail(JwtFailure::kMalformed);
  // No extension is understood, so a token that requires one (RFC 7515 §4.1.11) is refused.
  if (header->contains("crit")) return Fail(JwtFailure::kMalformed);
  const json::value* alg_value = header->if_contains("alg");
  if (alg_value == nullptr || !alg_value->is_string()) return Fail(JwtFailure::kMalformed);
  const std::optional<JwsAlg> alg = AllowedAlg(alg_value->get_string());
  if (!alg) return Fail(JwtFailure::kAlgNotAllowed);
  JwtFailure key_failure = JwtFailure::kUnknownKid;
  const Jwk* key = SelectKey(keys, *header, *alg, key_failure);
  if (key == nullptr) return Fail(key_failure);
  const std::optional<std::string> signature = Base64UrlDecode(parts->signature);
  if (!signature || signature->empty()) return Fail(JwtFailure::kMalformed);
  if (!VerifySignature(*key, *alg, parts->signing_input, *signature)) {
    return Fail(JwtFailure::kBadSignature);
  }
  std::optional<json::object> claims = DecodeObject(parts->payload);
  if (!claims) return Fail(JwtFailure::kMalformed);
  return CheckClaims(std::move(*claims), rules, now_s);
}

}  // namespace warden::crypto
