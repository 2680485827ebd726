#include "access/jwt_auth.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/testdata/jwt_test_signer.hpp"

namespace warden::access {
namespace {

using crypto::testing::TestSigner;

constexpr std::int64_t kNowMs = 1'800'000'000'000;
constexpr std::int64_t kNowS = kNowMs / 1000;

std::shared_ptr<const crypto::JwkSet> Keys(const std::vector<std::string>& jwks) {
  std::string doc = "{\"keys\":[";
  for (std::size_t i = 0; i < jwks.size(); ++i) doc += (i ? "," : "") + jwks[i];
  auto keys = crypto::ParseJwks(doc + "]}");
  if (!keys) throw std::runtime_error(keys.error().ToString());
  return std::make_shared<const crypto::JwkSet>(std::move(*keys));
}

struct Fixture {
  std::atomic<int> refetches{0};
  AccessPolicy policy;

  Fixture() {
    policy.mode = config::AuthMode::kJwt;
    policy.jwt.rules = crypto::JwtRules{"https://issuer.test", "warden", "", 60};
    policy.jwt.keys = std::make_shared<JwksStore>([this] { ++refetches; });
    policy.jwt.keys->Publish(Keys({TestSigner::Rsa().Jwk("rsa"), TestSigner::Ed().Jwk("ed")}),
                             "test", kNowMs);
    policy.jwt.id = NewJwtPolicyId();
  }

  JwtAuthResult Bearer(const std::string& token, std::int64_t now_ms = kNowMs) {
    return AuthenticateJwt(policy, "Bearer " + token, "", now_ms);
  }
};

std::string Claims(std::string_view extra = "", std::int64_t exp = kNowS + 600) {
  return "{\"iss\":\"https://issuer.test\",\"aud\":\"warden\",\"sub\":\"repo:acme/app:ref:refs/"
         "heads/main\",\"exp\":" +
         std::to_string(exp) + std::string(extra) + "}";
}

TEST(AuthenticateJwt, AdmitsAVerifiedTokenFromEitherHeader) {
  Fixture f;
  const std::string token = TestSigner::Rsa().Token("rsa", Claims());
  JwtAuthResult r = f.Bearer(token);
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(r.decision.caller, nullptr);
  EXPECT_EQ(r.subject, "repo:acme/app:ref:refs/heads/main");
  JwtAuthResult via_key =
      AuthenticateJwt(f.policy, "", TestSigner::Ed().Token("ed", Claims()), kNowMs);
  EXPECT_EQ(via_key.decision.outcome, AuthOutcome::kAllowed);
}

// One connection's tokens one after another: the memo of its last token never stands in for
// another's verdict (a forged token after a valid one, a valid one again, then one past exp).
TEST(AuthenticateJwt, OneConnectionsTokensAreEachVerified) {
  Fixture f;
  crypto::Sha256Memo connection;
  const std::string valid = TestSigner::Rsa().Token("rsa", Claims());
  const std::string forged = TestSigner::OtherRsa().Token("rsa", Claims());
  const auto code = [&](const std::string& token, std::int64_t now_ms = kNowMs) {
    JwtAuthResult r = AuthenticateJwt(f.policy, "Bearer " + token, "", now_ms, connection);
    return r.decision.outcome == AuthOutcome::kAllowed ? std::string("allowed")
                                                       : std::string(r.decision.code);
  };
  EXPECT_EQ(code(valid), "allowed");
  EXPECT_EQ(code(valid), "allowed");
  EXPECT_EQ(code(forged), "jwt_bad_signature");
  EXPECT_EQ(code(valid), "allowed");
  EXPECT_EQ(code(valid, kNowMs + 3'600'000), "jwt_expired");
}

TEST(AuthenticateJwt, OutcomesDecideWhatTheLimiterCounts) {
  Fixture f;
  JwtAuthResult missing = AuthenticateJwt(f.policy, "", "", kNowMs);
  EXPECT_EQ(missing.decision.outcome, AuthOutcome::kMissing);
  EXPECT_EQ(missing.decision.code, "jwt_missing");
  JwtAuthResult gateway_token = f.Bearer("wdn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(gateway_token.decision.outcome, AuthOutcome::kWrong);
  EXPECT_EQ(gateway_token.decision.code, "jwt_malformed");
  JwtAuthResult forged = f.Bearer(TestSigner::OtherRsa().Token("rsa", Claims()));
  EXPECT_EQ(forged.decision.outcome, AuthOutcome::kWrong);
  EXPECT_EQ(forged.decision.code, "jwt_bad_signature");
  JwtAuthResult big = f.Bearer(std::string(100'000, 'a'));
  EXPECT_EQ(big.decision.code, "jwt_too_large");
  EXPECT_EQ(big.decision.outcome, AuthOutcome::kWrong);
  // No message ever carries the token.
  EXPECT_EQ(forged.decision.message.find("eyJ"), std::string::npos);
}

TEST(AuthenticateJwt, NoKeysYetIsUnavailableNotWrong) {
  Fixture f;
  f.policy.jwt.keys->Clear();
  JwtAuthResult r = f.Bearer(TestSigner::Rsa().Token("rsa", Claims()));
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kUnavailable);
  EXPECT_EQ(r.decision.code, "jwks_unavailable");
  f.policy.jwt.keys = nullptr;
  EXPECT_EQ(f.Bearer(TestSigner::Rsa().Token("rsa", Claims())).decision.code, "jwks_unavailable");
}

TEST(AuthenticateJwt, UnknownKidAsksForOneRefetchPerInterval) {
  Fixture f;
  for (int i = 0; i < 200; ++i) {
    JwtAuthResult r = f.Bearer(TestSigner::Rsa().Token("kid-" + std::to_string(i), Claims()));
    EXPECT_EQ(r.decision.code, "jwt_unknown_kid");
  }
  EXPECT_EQ(f.refetches.load(), 1);
  f.Bearer(TestSigner::Rsa().Token("late", Claims()), kNowMs + JwksStore::kRefetchIntervalMs - 1);
  EXPECT_EQ(f.refetches.load(), 1);
  f.Bearer(TestSigner::Rsa().Token("later", Claims()), kNowMs + JwksStore::kRefetchIntervalMs);
  EXPECT_EQ(f.refetches.load(), 2);
}

TEST(AuthenticateJwt, CachedTokensStillExpireAndFollowKeyRotation) {
  Fixture f;
  const std::string token = TestSigner::Rsa().Token("rsa", Claims("", kNowS + 100));
  ASSERT_EQ(f.Bearer(token).decision.outcome, AuthOutcome::kAllowed);
  ASSERT_EQ(f.Bearer(token, kNowMs + 1000).decision.outcome, AuthOutcome::kAllowed);  // a hit
  // exp + leeway passed: refused although the verification was cached.
  EXPECT_EQ(f.Bearer(token, kNowMs + 160'000).decision.code, "jwt_expired");
  // The issuer drops the key: the cached verdict belongs to the old key set.
  ASSERT_EQ(f.Bearer(token).decision.outcome, AuthOutcome::kAllowed);
  f.policy.jwt.keys->Publish(Keys({TestSigner::Ed().Jwk("ed")}), "test", kNowMs);
  EXPECT_EQ(f.Bearer(token).decision.code, "jwt_unknown_kid");
}

TEST(AuthenticateJwt, CallersMatchOnSubjectAndClaimsInConfigOrder) {
  Fixture f;
  CallerPolicy deploy;
  deploy.name = "deploy";
  deploy.jwt_subject = "repo:acme/app:ref:refs/heads/main";
  deploy.jwt_claims = {{"workflow", "deploy*"}, {"groups", "ops"}};
  CallerPolicy ci;
  ci.name = "ci";
  ci.jwt_subject = "repo:acme/*";
  CallerPolicy numeric;
  numeric.name = "numeric";
  numeric.jwt_claims = {{"run_number", "7"}};
  f.policy.callers = {deploy, ci, numeric};
  f.policy.jwt.id = NewJwtPolicyId();
  const TestSigner rsa = TestSigner::Rsa();

  JwtAuthResult both =
      f.Bearer(rsa.Token("rsa", Claims(R"(,"workflow":"deploy-prod","groups":["dev","ops"])")));
  ASSERT_EQ(both.decision.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(both.decision.caller->name, "deploy");
  JwtAuthResult ci_only = f.Bearer(rsa.Token("rsa", Claims(R"(,"workflow":"test")")));
  ASSERT_EQ(ci_only.decision.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(ci_only.decision.caller->name, "ci");
  // Cached: the same token keeps its caller.
  EXPECT_EQ(f.Bearer(rsa.Token("rsa", Claims(R"(,"workflow":"test")"))).decision.caller->name,
            "ci");

  JwtAuthResult other = f.Bearer(
      rsa.Token("rsa", R"({"iss":"https://issuer.test","aud":"warden","sub":"repo:evil/x","exp":)" +
                           std::to_string(kNowS + 600) + R"(,"run_number":7})"));
  EXPECT_EQ(other.decision.outcome, AuthOutcome::kForbidden);
  EXPECT_EQ(other.decision.code, "caller_not_allowed");
  EXPECT_EQ(other.subject, "repo:evil/x");
}

TEST(JwtCache, IsBounded) {
  JwtCache cache;
  for (std::size_t i = 0; i < JwtCache::kMaxEntries + 10; ++i) {
    cache.Insert(crypto::Sha256(std::to_string(i)), JwtCache::Entry{kNowMs + 1000, 1, 1, -1, ""},
                 kNowMs);
  }
  EXPECT_LE(cache.size(), JwtCache::kMaxEntries);
  EXPECT_NE(cache.Find(crypto::Sha256(std::to_string(JwtCache::kMaxEntries + 9)), 1, 1, kNowMs),
            nullptr);
  EXPECT_EQ(cache.Find(crypto::Sha256(std::to_string(JwtCache::kMaxEntries + 9)), 2, 1, kNowMs),
            nullptr);
}

// Not an assertion on speed (machines differ): prints what a cached and an uncached admission
// cost, for the record.
TEST(AuthenticateJwt, CostOfCachedAndUncachedVerification) {
  Fixture f;
  const std::string token = TestSigner::Rsa().Token("rsa", Claims());
  constexpr int kRounds = 2000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i)
    ASSERT_EQ(f.Bearer(token).decision.outcome, AuthOutcome::kAllowed);
  auto t1 = std::chrono::steady_clock::now();
  f.policy.jwt.id = 0;  // never cached
  for (int i = 0; i < kRounds; ++i)
    ASSERT_EQ(f.Bearer(token).decision.outcome, AuthOutcome::kAllowed);
  auto t2 = std::chrono::steady_clock::now();
  auto us = [](auto d) { return std::chrono::duration<double, std::micro>(d).count() / kRounds; };
  std::printf("jwt admission: cached %.2f us, uncached (RS256) %.2f us\n", us(t1 - t0),
              us(t2 - t1));
}

}  // namespace
}  // namespace warden::access
