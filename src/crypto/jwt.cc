#include "crypto/jwt.hpp"

#include <cmath>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "crypto/crypto.hpp"

namespace warden::crypto {

// Within 0 .. kMaxNumericDate so that exp * 1000 (milliseconds) can never overflow. Anything
// else (negative, NaN, 1e300, 2^64-1) is not a date warden will act on.
std::optional<std::int64_t> NumericDate(const boost::json::value& v) {
  if (v.is_int64()) {
    const std::int64_t n = v.get_int64();
    if (n >= 0 && n <= kMaxNumericDate) return n;
  } else if (v.is_uint64()) {
    const std::uint64_t n = v.get_uint64();
    if (n <= static_cast<std::uint64_t>(kMaxNumericDate)) return static_cast<std::int64_t>(n);
  } else if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && d >= 0 && d <= static_cast<double>(kMaxNumericDate)) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<JwtParts> SplitJwt(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return JwtParts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1), token.substr(0, second)};
}

Result<boost::json::object> DecodeJwtPayload(std::string_view token) {
  const std::optional<JwtParts> parts = SplitJwt(token);
  if (!parts) {
    return Error::Make(ErrorCode::kJwtMalformed,
                       "token is not a JWT (expected header.payload.signature)");
  }
  auto payload = Base64UrlDecode(parts->payload);
  if (!payload) return Error::Make(ErrorCode::kJwtMalformed, "JWT payload is not base64url");
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(*payload, ec);
  if (ec || !doc.is_object())
    return Error::Make(ErrorCode::kJwtMalformed, "JWT payload is not a JSON object");
  return std::move(doc.get_object());
}

Result<JwtClaims> DecodeJwtClaims(std::string_view token) {
  auto payload = DecodeJwtPayload(token);
  if (!payload) return payload.error();
  const auto& obj = *payload;
  JwtClaims claims;
  const auto* exp = obj.if_contains("exp");
  auto exp_value = exp ? NumericDate(*exp) : std::nullopt;
  if (!exp_value) {
    if (exp != nullptr && (exp->is_number())) {
      return Error::Make(ErrorCode::kJwtMalformed,
                         "JWT exp is out of range (0 to " + std::to_string(kMaxNumericDate) + ")");
    }
    return Error::Make(ErrorCode::kJwtNoExp, "JWT has no numeric exp claim");
  }
  claims.exp = *exp_value;
  if (const auto* iat = obj.if_contains("iat"); iat) claims.iat = NumericDate(*iat).value_or(0);
  return claims;
}

}  // namespace warden::crypto
