// JWT verification for gateway.auth.mode = "jwt": a compact JWS checked against the issuer's
// keys (crypto/jwk.hpp) and the configured claims rules.
//
// Order of checks (the first failure wins; each has its own code, WARDEN_JWT_FAILURES):
//  1. size <= kMaxJwtBytes, before any decoding                      jwt_too_large
//  2. three base64url parts, header a JSON object, no `crit`        jwt_malformed
//  3. `alg` is RS256, ES256 or EdDSA (never none, never HS*)        jwt_alg_not_allowed
//  4. the key: header `kid`, else the only key for `alg`            jwt_unknown_kid
//     a key of another type/curve than `alg` says                  jwt_alg_not_allowed
//  5. the signature over "header.payload"                           jwt_bad_signature
//  6. payload a JSON object with a NumericDate `exp`                jwt_malformed
//  7. `iss` equals the issuer exactly                               jwt_issuer_mismatch
//  8. `aud` (string or array of strings) holds the audience         jwt_audience_mismatch
//  9. now < exp + leeway                                            jwt_expired
// 10. nbf and iat (when present) <= now + leeway                    jwt_not_yet_valid
// 11. `sub` matches the subject glob (when set; base/glob)          jwt_subject_not_allowed
// The signature is checked before the payload is parsed, so claims of an unsigned or
// forged token are never read. The HMAC confusion attack (HS256 "signed" with the issuer's
// public key) fails at 3: no HMAC algorithm exists here.
//
// Ownership: plain values in and out; a VerifiedJwt owns its claims.
// Thread safety: pure functions (OpenSSL verification with shared immutable keys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "crypto/jwk.hpp"

namespace warden::crypto {

// The largest token warden decodes: OIDC tokens are 1-2 KiB.
inline constexpr std::size_t kMaxJwtBytes = 16 * 1024;

// X(enumerator, code for the 401 body, message). jwt_missing and jwks_unavailable are decided
// by the caller of VerifyJwt (no token presented; no key set loaded yet) but live here too, so
// that every jwt code is in this one table.
#define WARDEN_JWT_FAILURES(X)                                                                    \
  X(kMissing, "jwt_missing",                                                                      \
    "missing JWT: send `Authorization: Bearer <jwt>` or `x-api-key: <jwt>` (this gateway "        \
    "accepts OIDC/JWT workload identities, not gateway tokens)")                                  \
  X(kTooLarge, "jwt_too_large", "the JWT is larger than 16 KiB")                                  \
  X(kMalformed, "jwt_malformed",                                                                  \
    "the credential is not a well-formed signed JWT (header.payload.signature, base64url JSON "   \
    "with a numeric exp)")                                                                        \
  X(kAlgNotAllowed, "jwt_alg_not_allowed",                                                        \
    "the JWT's alg is not allowed (RS256, ES256 or EdDSA, matching the issuer's key)")            \
  X(kUnknownKid, "jwt_unknown_kid",                                                               \
    "the JWT's key (kid) is not in the issuer's key set; the key set is refetched at most every " \
    "30s, retry later")                                                                           \
  X(kBadSignature, "jwt_bad_signature", "the JWT's signature does not verify")                    \
  X(kExpired, "jwt_expired", "the JWT has expired (exp)")                                         \
  X(kNotYetValid, "jwt_not_yet_valid", "the JWT is not valid yet (nbf or iat in the future)")     \
  X(kIssuerMismatch, "jwt_issuer_mismatch",                                                       \
    "the JWT's issuer (iss) is not gateway.auth.jwt.issuer")                                      \
  X(kAudienceMismatch, "jwt_audience_mismatch",                                                   \
    "the JWT's audience (aud) does not contain gateway.auth.jwt.audience")                        \
  X(kSubjectNotAllowed, "jwt_subject_not_allowed",                                                \
    "the JWT's subject (sub) does not match gateway.auth.jwt.subject")                            \
  X(kJwksUnavailable, "jwks_unavailable",                                                         \
    "the issuer's key set (JWKS) has not been loaded yet; retry later")

enum class JwtFailure {
#define WARDEN_JWT_FAILURE_ENUM(name, code, message) name,
  WARDEN_JWT_FAILURES(WARDEN_JWT_FAILURE_ENUM)
#undef WARDEN_JWT_FAILURE_ENUM
};

std::string_view JwtFailureCode(JwtFailure f);     // "jwt_expired"
std::string_view JwtFailureMessage(JwtFailure f);  // names the fix; never token content

struct JwtRules {
  std::string issuer;
  std::string audience;
  std::string subject;  // glob on sub; empty = any
  std::int64_t leeway_s = 60;
};

struct VerifiedJwt {
  std::string subject;     // "" when the token has no string sub
  std::int64_t exp_s = 0;  // seconds since the epoch
  boost::json::object claims;
};

struct JwtVerdict {
  std::optional<JwtFailure> failure;  // nullopt: verified, `jwt` holds the claims
  VerifiedJwt jwt;
};

JwtVerdict VerifyJwt(std::string_view token, const JwkSet& keys, const JwtRules& rules,
                     std::int64_t now_s);

}  // namespace warden::crypto
