#include "crypto/jwt.hpp"

#include <boost/json.hpp>

#include "crypto/crypto.hpp"

namespace warden::crypto {

Result<JwtClaims> DecodeJwtClaims(std::string_view token) {
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return Error::Make(ErrorCode::kJwtMalformed, "token is not a JWT (expected header.payload.signature)");
  }
  auto payload = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return Error::Make(ErrorCode::kJwtMalformed, "JWT payload is not base64url");
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(*payload, ec);
  if (ec || !doc.is_object()) return Error::Make(ErrorCode::kJwtMalformed, "JWT payload is not a JSON object");
  const auto& obj = doc.get_object();
  JwtClaims claims;
  auto number = [](const boost::json::value& v) -> std::optional<std::int64_t> {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) return std::int64_t(v.get_uint64());
    if (v.is_double()) return std::int64_t(v.get_double());
    return std::nullopt;
  };
  const auto* exp = obj.if_contains("exp");
  auto exp_value = exp ? number(*exp) : std::nullopt;
  if (!exp_value) return Error::Make(ErrorCode::kJwtNoExp, "JWT has no numeric exp claim");
  claims.exp = *exp_value;
  if (const auto* iat = obj.if_contains("iat"); iat) claims.iat = number(*iat).value_or(0);
  return claims;
}

}  // namespace warden::crypto
