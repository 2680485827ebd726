// Decoding of JWT claims without verification: enough to read `exp` of a workload token
// (pure computation, no file or network access, so an expired env token is recognised even with
// no writable home). Nothing here verifies a signature: never use it to authenticate a caller —
// crypto/jwt_verify.hpp does that, on top of the splitting and NumericDate reading here.
// Ownership: plain values in and out.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "base/result.hpp"

namespace warden::crypto {

// The latest date warden accepts in a token: 9999-12-31T23:59:59Z, in seconds.
inline constexpr std::int64_t kMaxNumericDate = 253402300799;

struct JwtClaims {
  std::int64_t exp = 0;  // seconds since the epoch
  std::int64_t iat = 0;  // 0 when absent
};

// The three base64url parts of a compact JWS ("header.payload.signature"), still encoded.
struct JwtParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "header.payload": what the signature covers
};

// nullopt unless `token` has exactly two dots.
std::optional<JwtParts> SplitJwt(std::string_view token);

// A NumericDate (RFC 7519 §2) within 0 .. kMaxNumericDate, fractions truncated; nullopt for
// anything else (not a number, negative, NaN, 1e300).
std::optional<std::int64_t> NumericDate(const boost::json::value& v);

// Errors: JWT_MALFORMED (not three base64url parts / payload not a JSON object / exp outside
// 0..kMaxNumericDate), JWT_NO_EXP (no numeric `exp`).
Result<JwtClaims> DecodeJwtClaims(std::string_view token);

// The whole claims object of an unverified JWT (for labels such as `email`, `sub` or an account
// id, never for a decision about who is calling). JWT_MALFORMED as above; no `exp` required.
Result<boost::json::object> DecodeJwtPayload(std::string_view token);

}  // namespace warden::crypto
