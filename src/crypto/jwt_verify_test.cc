#include "crypto/jwt_verify.hpp"

#include <openssl/hmac.h>

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"
#include "crypto/testdata/jwt_test_signer.hpp"

namespace warden::crypto {
namespace {

using testing::TestSigner;

constexpr std::int64_t kNow = 1'800'000'000;

JwkSet Keys(const std::string& jwks) {
  Result<JwkSet> keys = ParseJwks(jwks);
  if (!keys) throw std::runtime_error(keys.error().ToString());
  return std::move(*keys);
}

JwkSet AllKeys() {
  return Keys("{\"keys\":[" + TestSigner::Rsa().Jwk("rsa") + "," + TestSigner::Ec().Jwk("ec") +
              "," + TestSigner::Ed().Jwk("ed") + "]}");
}

JwtRules Rules() { return JwtRules{"https://issuer.test", "warden", "", 60}; }

std::string Claims(std::int64_t exp = kNow + 600, std::string_view extra = "") {
  return "{\"iss\":\"https://issuer.test\",\"aud\":\"warden\",\"sub\":\"repo:acme/app\",\"exp\":" +
         std::to_string(exp) + std::string(extra) + "}";
}

std::optional<JwtFailure> Check(const std::string& token, const JwtRules& rules = Rules(),
                                const JwkSet& keys = AllKeys()) {
  return VerifyJwt(token, keys, rules, kNow).failure;
}

TEST(VerifyJwt, AcceptsEachAlgorithmWithItsKey) {
  const JwkSet keys = AllKeys();
  for (const auto& [signer, kid] :
       {std::pair{TestSigner::Rsa(), "rsa"}, std::pair{TestSigner::Ec(), "ec"},
        std::pair{TestSigner::Ed(), "ed"}}) {
    JwtVerdict v = VerifyJwt(signer.Token(kid, Claims()), keys, Rules(), kNow);
    ASSERT_FALSE(v.failure) << signer.alg() << ": " << JwtFailureCode(*v.failure);
    EXPECT_EQ(v.jwt.subject, "repo:acme/app");
    EXPECT_EQ(v.jwt.exp_s, kNow + 600);
    EXPECT_TRUE(v.jwt.claims.contains("iss"));
  }
}

TEST(VerifyJwt, WithoutKidUsesTheOnlyKeyOfTheAlgorithm) {
  const TestSigner ec = TestSigner::Ec();
  const std::string token = ec.Sign(R"({"alg":"ES256"})", Claims());
  EXPECT_FALSE(Check(token));
  // Two EC keys and no kid: which one is unknowable.
  const JwkSet two = Keys("{\"keys\":[" + ec.Jwk("a") + "," + ec.Jwk("b") + "]}");
  EXPECT_EQ(Check(token, Rules(), two), JwtFailure::kUnknownKid);
}

TEST(VerifyJwt, RefusesNoneAndHmacAndUnknownAlgorithms) {
  const std::string payload = Base64UrlEncode(Claims());
  EXPECT_EQ(Check(Base64UrlEncode(R"({"alg":"none"})") + "." + payload + "."),
            JwtFailure::kAlgNotAllowed);
  EXPECT_EQ(Check(Base64UrlEncode(R"({"alg":"none","kid":"rsa"})") + "." + payload + ".eA"),
            JwtFailure::kAlgNotAllowed);
  for (std::string_view alg : {"HS256", "HS384", "HS512", "RS384", "PS256", "ES384", "NONE"}) {
    EXPECT_EQ(Check(TestSigner::Rsa().Sign("{\"alg\":\"" + std::string(alg) + "\",\"kid\":\"rsa\"}",
                                           Claims())),
              JwtFailure::kAlgNotAllowed)
        << alg;
  }
}

// The classic confusion: HS256 "signed" with the RSA public key (as the JWK text, and as the
// modulus bytes) as the HMAC secret.
TEST(VerifyJwt, RefusesHs256SignedWithThePublicKey) {
  const std::string header = Base64UrlEncode(R"({"alg":"HS256","kid":"rsa"})");
  const std::string input = header + "." + Base64UrlEncode(Claims());
  for (const std::string& secret : {TestSigner::Rsa().Jwk("rsa"), TestSigner::Rsa().JwkMembers()}) {
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    const std::string token =
        input + "." + Base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), len));
    EXPECT_EQ(Check(token), JwtFailure::kAlgNotAllowed);
  }
}

TEST(VerifyJwt, RefusesAlgThatDoesNotMatchTheKid) {
  // An EdDSA signature presented under the RSA key's kid.
  EXPECT_EQ(Check(TestSigner::Ed().Token("rsa", Claims())), JwtFailure::kAlgNotAllowed);
  EXPECT_EQ(Check(TestSigner::Rsa().Token("ec", Claims())), JwtFailure::kAlgNotAllowed);
}

TEST(VerifyJwt, RefusesAnotherKeysSignatureAndTampering) {
  EXPECT_EQ(Check(TestSigner::OtherRsa().Token("rsa", Claims())), JwtFailure::kBadSignature);
  std::string token = TestSigner::Rsa().Token("rsa", Claims());
  // Swap the payload for one granting a longer life; the signature no longer covers it.
  const auto parts = SplitJwt(token);
  const std::string forged = std::string(parts->header) + "." +
                             Base64UrlEncode(Claims(kNow + 999'999)) + "." +
                             std::string(parts->signature);
  EXPECT_EQ(Check(forged), JwtFailure::kBadSignature);
  // ES256 with a truncated signature.
  std::string ec = TestSigner::Ec().Token("ec", Claims());
  EXPECT_EQ(Check(ec.substr(0, ec.size() - 4)), JwtFailure::kBadSignature);
}

TEST(VerifyJwt, RefusesUnknownKid) {
  EXPECT_EQ(Check(TestSigner::Rsa().Token("rotated", Claims())), JwtFailure::kUnknownKid);
}

TEST(VerifyJwt, RefusesMalformedTokens) {
  const std::string good = TestSigner::Rsa().Token("rsa", Claims());
  for (const std::string& bad :
       {std::string(""), std::string("abc"), std::string("a.b"), good + ".x",
        good.substr(0, good.find('.')), std::string("!!.e30.e30"),
        Base64UrlEncode("[1]") + ".e30.e30", Base64UrlEncode(R"({"alg":7})") + ".e30.e30",
        Base64UrlEncode(R"({"alg":"RS256","kid":"rsa","crit":["x"]})") + ".e30.e30",
        Base64UrlEncode(R"({"alg":"RS256","kid":5})") + ".e30.e30"}) {
    EXPECT_EQ(Check(bad), JwtFailure::kMalformed) << bad;
  }
  // A signed payload that is not an object, or has no exp.
  EXPECT_EQ(Check(TestSigner::Rsa().Token("rsa", "[1]")), JwtFailure::kMalformed);
  EXPECT_EQ(Check(TestSigner::Rsa().Token("rsa", R"({"iss":"https://issuer.test"})")),
            JwtFailure::kMalformed);
}

TEST(VerifyJwt, RefusesOversizedTokensBeforeDecoding) {
  std::string huge(kMaxJwtBytes + 1, 'A');
  EXPECT_EQ(Check(huge), JwtFailure::kTooLarge);
  const std::string padded = TestSigner::Rsa().Token(
      "rsa", Claims(kNow + 600, ",\"pad\":\"" + std::string(kMaxJwtBytes, 'x') + "\""));
  EXPECT_EQ(Check(padded), JwtFailure::kTooLarge);
}

TEST(VerifyJwt, ChecksIssuerAudienceAndSubject) {
  const TestSigner rsa = TestSigner::Rsa();
  EXPECT_EQ(
      Check(rsa.Token("rsa", R"({"iss":"https://issuer.test/","aud":"warden","exp":1900000000})")),
      JwtFailure::kIssuerMismatch);
  EXPECT_EQ(Check(rsa.Token("rsa", R"({"aud":"warden","exp":1900000000})")),
            JwtFailure::kIssuerMismatch);
  EXPECT_EQ(
      Check(rsa.Token("rsa", R"({"iss":"https://issuer.test","aud":"wardenx","exp":1900000000})")),
      JwtFailure::kAudienceMismatch);
  EXPECT_EQ(Check(rsa.Token("rsa", R"({"iss":"https://issuer.test","exp":1900000000})")),
            JwtFailure::kAudienceMismatch);
  EXPECT_FALSE(Check(rsa.Token(
      "rsa", R"({"iss":"https://issuer.test","aud":["other","warden"],"exp":1900000000})")));
  EXPECT_EQ(
      Check(rsa.Token("rsa", R"({"iss":"https://issuer.test","aud":["other"],"exp":1900000000})")),
      JwtFailure::kAudienceMismatch);
  JwtRules rules = Rules();
  rules.subject = "repo:acme/*";
  EXPECT_FALSE(Check(rsa.Token("rsa", Claims()), rules));
  rules.subject = "repo:other/*";
  EXPECT_EQ(Check(rsa.Token("rsa", Claims()), rules), JwtFailure::kSubjectNotAllowed);
}

TEST(VerifyJwt, ChecksTimesWithLeeway) {
  const TestSigner rsa = TestSigner::Rsa();
  EXPECT_FALSE(Check(rsa.Token("rsa", Claims(kNow - 59))));  // within the 60 s leeway
  EXPECT_EQ(Check(rsa.Token("rsa", Claims(kNow - 60))), JwtFailure::kExpired);
  JwtRules strict = Rules();
  strict.leeway_s = 0;
  EXPECT_EQ(Check(rsa.Token("rsa", Claims(kNow)), strict), JwtFailure::kExpired);
  EXPECT_FALSE(
      Check(rsa.Token("rsa", Claims(kNow + 600, ",\"nbf\":" + std::to_string(kNow + 60)))));
  EXPECT_EQ(Check(rsa.Token("rsa", Claims(kNow + 600, ",\"nbf\":" + std::to_string(kNow + 61)))),
            JwtFailure::kNotYetValid);
  EXPECT_EQ(Check(rsa.Token("rsa", Claims(kNow + 600, ",\"iat\":" + std::to_string(kNow + 3600)))),
            JwtFailure::kNotYetValid);
  EXPECT_EQ(Check(rsa.Token("rsa", Claims(kNow + 600, ",\"nbf\":\"soon\""))),
            JwtFailure::kMalformed);
}

TEST(ParseJwks, SkipsKeysItMayNotUse) {
  const TestSigner rsa = TestSigner::Rsa();
  const std::string members = rsa.JwkMembers();
  Result<JwkSet> keys = ParseJwks(
      "{\"keys\":[{\"kid\":\"enc\",\"use\":\"enc\"," + members +
      "},{\"kid\":\"384\",\"alg\":\"RS384\"," + members +
      "},{\"kid\":\"oct\",\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},{\"kid\":\"p384\",\"kty\":\"EC\","
      "\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"},{\"kid\":\"ok\",\"use\":\"sig\",\"alg\":"
      "\"RS256\"," +
      members + "},7]}");
  ASSERT_TRUE(keys.has_value()) << keys.error().ToString();
  ASSERT_EQ(keys->keys.size(), 1u);
  EXPECT_EQ(keys->keys[0].kid, "ok");
  EXPECT_EQ(keys->skipped, 5u);
  // A token naming a skipped key's kid is refused as unknown.
  EXPECT_EQ(VerifyJwt(rsa.Token("enc", Claims()), *keys, Rules(), kNow).failure,
            JwtFailure::kUnknownKid);
}

TEST(ParseJwks, RefusesDocumentsWithoutUsableKeys) {
  for (std::string_view doc :
       {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[]})", R"({"keys":[{"kty":"oct"}]})",
        R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})",
        R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})"}) {
    Result<JwkSet> keys = ParseJwks(doc);
    ASSERT_FALSE(keys.has_value()) << doc;
    EXPECT_EQ(keys.error().code, ErrorCode::kJwksInvalid);
  }
  EXPECT_FALSE(ParseJwks(std::string(kMaxJwksBytes + 1, ' ')).has_value());
}

TEST(JwtFailureCode, EveryFailureHasItsCode) {
  EXPECT_EQ(JwtFailureCode(JwtFailure::kMissing), "jwt_missing");
  EXPECT_EQ(JwtFailureCode(JwtFailure::kExpired), "jwt_expired");
  EXPECT_EQ(JwtFailureCode(JwtFailure::kJwksUnavailable), "jwks_unavailable");
  EXPECT_FALSE(JwtFailureMessage(JwtFailure::kUnknownKid).empty());
}

}  // namespace
}  // namespace warden::crypto
