// Fuzzes JWT claims decoding (src/crypto/jwt.{hpp,cc}), base64url (src/crypto/crypto.*), and the
// one place warden uses the claims: LoadFederatedToken (src/secrets/snapshot_builder.cc), which
// turns `exp` into the token's expiry in milliseconds. A workload token comes from the
// environment, a token file or a refresh command's output: not from warden.
//
// Input: used three ways — as a whole token; as a JWT payload (base64url-encoded into
// "header.<payload>.sig", so the fuzzer reaches the JSON/claims logic without having to learn
// base64); and as bytes for base64url round trips. Both tokens also go through
// LoadFederatedToken as a literal `token`.
// The verifier (src/crypto/jwt_verify.*, src/access/jwt_auth.*): the input as a token against a
// fixed key set (it must never verify: the fuzzer cannot forge a signature), and the input as a
// payload properly signed with a fixed Ed25519 test key, so the claims checks run on it.
// Invariants: no crash/UB/leak; Decode(Encode(x)) == x; Encode output is unpadded base64url;
// a decoded string has size n*3/4 (rounded down) of its unpadded input; a loaded federated token
// expires at exp * 1000 and after `now`; an unsigned or forged token never verifies; a verified
// payload carries the configured iss and aud and an exp not before now - leeway.
#include <boost/json.hpp>
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>

#include "access/jwt_auth.hpp"
#include "base/environment.hpp"
#include "config/config.hpp"
#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"
#include "crypto/jwt_verify.hpp"
#include "crypto/testdata/jwt_test_signer.hpp"
#include "fuzz_util.hpp"
#include "snapshot/snapshot_builder.hpp"

using namespace warden::fuzz;
namespace crypto = warden::crypto;

namespace {

constexpr std::int64_t kNowMs = 1'750'000'000'000;

std::string_view Trim(std::string_view s) {  // snapshot_builder.cc's Trimmed
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// Open finding jwt-double-claim: an `exp` or `iat` that is a JSON number outside int64's range
// (1e19, 1e300, 18446744073709551616) reaches `std::int64_t(v.get_double())`.
[[maybe_unused]] bool HasOutOfRangeDoubleClaim(std::string_view token) {
  auto first = token.find('.');
  if (first == std::string_view::npos) return false;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return false;
  auto payload = crypto::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return false;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(*payload, ec);
  if (ec || !doc.is_object()) return false;
  for (const char* claim : {"exp", "iat"}) {
    const auto* v = doc.get_object().if_contains(claim);
    if (v == nullptr || !v->is_double()) continue;
    double d = v->get_double();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return true;
  }
  return false;
}

void CheckToken(std::string_view token) {
  auto claims = crypto::DecodeJwtClaims(token);
  if (!claims) {
    FUZZ_CHECK(claims.error().code == warden::ErrorCode::kJwtMalformed ||
                   claims.error().code == warden::ErrorCode::kJwtNoExp,
               std::string(claims.error().CodeName()));
  }

  // LoadFederatedToken decodes the trimmed value and computes exp * 1000.
  std::string_view trimmed = Trim(token);
  auto trimmed_claims = crypto::DecodeJwtClaims(trimmed);
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1000;
  // Fixed: DecodeJwtClaims only accepts dates up to 9999-12-31, so exp * 1000 cannot overflow.
  FUZZ_CHECK(!trimmed_claims || (trimmed_claims->exp >= 0 && trimmed_claims->exp <= kMaxSeconds),
             "an exp that overflows exp * 1000 was accepted");
  warden::config::FederatedConfig fed;
  warden::config::SecretInput input;
  input.literal = warden::Secret(std::string(token));
  input.key_path = "providers.fuzz.federated.token";
  fed.token = std::move(input);
  warden::config::Config cfg;
  warden::MapEnvironment env;
  auto load = warden::snapshot::LoadFederatedToken(fed, cfg, env, kNowMs);
  const auto& loaded = load.token;
  const std::string& why = load.why;
  if (loaded) {
    FUZZ_CHECK(trimmed_claims.has_value(), "a token loaded that does not decode");
    FUZZ_CHECK(loaded->exp_ms == trimmed_claims->exp * 1000, "exp_ms is not exp * 1000");
    FUZZ_CHECK(loaded->exp_ms > kNowMs, "an expired token loaded");
    FUZZ_CHECK(loaded->token.Reveal() == trimmed, "the loaded token is not the trimmed value");
  } else {
    FUZZ_CHECK(!why.empty(), "no token and no reason");
  }
}

const crypto::testing::TestSigner& Signer() {
  static const auto* signer = new crypto::testing::TestSigner(crypto::testing::TestSigner::Ed());
  return *signer;
}

const crypto::JwkSet& Keys() {
  static const auto* keys = [] {
    auto parsed = crypto::ParseJwks("{\"keys\":[" + crypto::testing::TestSigner::Rsa().Jwk("rsa") +
                                    "," + crypto::testing::TestSigner::Ec().Jwk("ec") + "," +
                                    Signer().Jwk("ed") + "]}");
    return new crypto::JwkSet(std::move(*parsed));
  }();
  return *keys;
}

const crypto::JwtRules kRules{"https://issuer.test", "warden", "", 60};

void CheckVerifier(std::string_view input) {
  constexpr std::int64_t kNowS = kNowMs / 1000;
  // The input as a token: nothing the fuzzer writes carries a valid signature.
  crypto::JwtVerdict forged = crypto::VerifyJwt(input, Keys(), kRules, kNowS);
  FUZZ_CHECK(forged.failure.has_value(), "an unsigned token verified");
  FUZZ_CHECK(!crypto::JwtFailureCode(*forged.failure).empty(), "a failure without a code");
  // And as a JWKS document.
  (void)crypto::ParseJwks(input);
  // The input as the claims of a properly signed token.
  const std::string token = Signer().Token("ed", input);
  crypto::JwtVerdict v = crypto::VerifyJwt(token, Keys(), kRules, kNowS);
  if (!v.failure) {
    const auto* iss = v.jwt.claims.if_contains("iss");
    FUZZ_CHECK(iss && iss->is_string() && iss->get_string() == kRules.issuer, "wrong iss verified");
    FUZZ_CHECK(v.jwt.exp_s + kRules.leeway_s > kNowS, "an expired token verified");
    FUZZ_CHECK(v.jwt.claims.contains("aud"), "a token without aud verified");
  }
  // jwt mode's admission, with the verdict cache.
  static const auto* policy = [] {
    auto* p = new warden::access::AccessPolicy();
    p->mode = warden::config::AuthMode::kJwt;
    p->jwt.rules = kRules;
    p->jwt.keys = std::make_shared<warden::access::JwksStore>();
    p->jwt.keys->Publish(std::make_shared<const crypto::JwkSet>(Keys()), "fuzz", kNowMs);
    p->jwt.id = warden::access::NewJwtPolicyId();
    return p;
  }();
  auto first = warden::access::AuthenticateJwt(*policy, "Bearer " + token, "", kNowMs);
  auto again = warden::access::AuthenticateJwt(*policy, "", token, kNowMs);
  FUZZ_CHECK((first.decision.outcome == warden::access::AuthOutcome::kAllowed) == !v.failure,
             "admission disagrees with the verifier");
  FUZZ_CHECK(first.decision.outcome == again.decision.outcome, "a cached verdict differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = AsView(data, size);

  // base64url both ways.
  const std::string encoded = crypto::Base64UrlEncode(input);
  FUZZ_CHECK(
      encoded.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos,
      "encoder output is not unpadded base64url");
  auto round = crypto::Base64UrlDecode(encoded);
  FUZZ_CHECK(round.has_value() && *round == input, "Decode(Encode(x)) != x");
  if (auto decoded = crypto::Base64UrlDecode(input)) {
    std::string_view unpadded = input;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    FUZZ_CHECK(decoded->size() == unpadded.size() * 3 / 4, "decoded size");
  }

  CheckToken(input);                                       // the input as a token
  CheckToken("eyJhbGciOiJub25lIn0." + encoded + ".c2ln");  // the input as a payload
  if (size <= crypto::kMaxJwtBytes) CheckVerifier(input);
  return 0;
}
