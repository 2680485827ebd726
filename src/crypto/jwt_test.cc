#include "crypto/jwt.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace warden::crypto {
namespace {

// An unsigned-looking JWT with `payload` as its claims; the signature is never checked.
std::string Jwt(std::string_view payload) {
  return Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." + Base64UrlEncode(payload) +
         ".c2lnbmF0dXJl";
}

TEST(DecodeJwtClaims, ReadsExpAndIat) {
  Result<JwtClaims> c = DecodeJwtClaims(Jwt(R"({"sub":"x","exp":1700003600,"iat":1700000000})"));
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->exp, 1700003600);
  EXPECT_EQ(c->iat, 1700000000);
}

TEST(DecodeJwtClaims, IatIsOptional) {
  Result<JwtClaims> c = DecodeJwtClaims(Jwt(R"({"exp":1700003600})"));
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->exp, 1700003600);
  EXPECT_EQ(c->iat, 0);
}

TEST(DecodeJwtClaims, AcceptsNumericVariantsOfExp) {
  struct Case {
    std::string_view payload;
    std::int64_t exp;
  };
  const Case kCases[] = {
      {R"({"exp":1.7e9})", 1700000000},
      {R"({"exp":1700000000.9})", 1700000000},
      {R"({"exp":0})", 0},
  };
  for (const Case& c : kCases) {
    Result<JwtClaims> r = DecodeJwtClaims(Jwt(c.payload));
    ASSERT_TRUE(r.has_value()) << c.payload;
    EXPECT_EQ(r->exp, c.exp) << c.payload;
  }
}

TEST(DecodeJwtClaims, PaddedPayloadIsAccepted) {
  std::string payload = Base64UrlEncode(R"({"exp":1})");
  while (payload.size() % 4 != 0) payload += '=';
  Result<JwtClaims> c = DecodeJwtClaims("e30." + payload + ".sig");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->exp, 1);
}

TEST(DecodeJwtClaims, MalformedTokens) {
  const std::string kMalformed[] = {
      "",
      "abc",
      "a.b",                                       // two parts
      Jwt(R"({"exp":1})") + ".extra",              // four parts
      "e30.!!!.sig",                               // payload is not base64url
      "e30." + Base64UrlEncode("[1,2]") + ".sig",  // payload is not an object
      "e30." + Base64UrlEncode("\"exp\"") + ".sig",
      "e30." + Base64UrlEncode("{\"exp\":1") + ".sig",  // truncated JSON
      "e30." + Base64UrlEncode("not json") + ".sig",
      "e30..sig",  // empty payload
  };
  for (const std::string& t : kMalformed) {
    Result<JwtClaims> c = DecodeJwtClaims(t);
    ASSERT_FALSE(c.has_value()) << t;
    EXPECT_EQ(c.error().code, ErrorCode::kJwtMalformed) << t;
  }
}

TEST(DecodeJwtClaims, MissingOrNonNumericExp) {
  const std::string_view kPayloads[] = {
      R"({})",           R"({"iat":1})",    R"({"exp":"1700000000"})",
      R"({"exp":null})", R"({"exp":true})", R"({"nested":{"exp":1}})",
  };
  for (std::string_view p : kPayloads) {
    Result<JwtClaims> c = DecodeJwtClaims(Jwt(p));
    ASSERT_FALSE(c.has_value()) << p;
    EXPECT_EQ(c.error().code, ErrorCode::kJwtNoExp) << p;
  }
}

TEST(DecodeJwtClaims, NonNumericIatIsZero) {
  Result<JwtClaims> c = DecodeJwtClaims(Jwt(R"({"exp":5,"iat":"yesterday"})"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->iat, 0);
}

TEST(DecodeJwtClaims, RefusesExpOutsideTheDatesItCanRepresent) {
  // Each would overflow exp * 1000 (or, for doubles, the conversion) without the range check.
  const char* kPayloads[] = {
      R"({"exp":9223372036854775807})",
      R"({"exp":18446744073709551615})",
      R"({"exp":1e300})",
      R"({"exp":-1e300})",
      R"({"exp":-5})",
      R"({"exp":253402300800})",
  };
  for (const char* payload : kPayloads) {
    Result<JwtClaims> c = DecodeJwtClaims(Jwt(payload));
    ASSERT_FALSE(c) << payload;
    EXPECT_EQ(c.error().code, ErrorCode::kJwtMalformed) << payload;
  }
  EXPECT_TRUE(DecodeJwtClaims(Jwt(R"({"exp":253402300799})")));
}

TEST(DecodeJwtClaims, IgnoresAnIatOutOfRange) {
  Result<JwtClaims> c = DecodeJwtClaims(Jwt(R"({"exp":1700003600,"iat":1e300})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->iat, 0);
}

}  // namespace
}  // namespace warden::crypto
