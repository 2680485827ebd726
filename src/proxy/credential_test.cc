#include "proxy/credential.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kNowMs = 1'700'000'000'000;

creds::PooledKey Key(std::string value, std::string source) {
  Secret secret(std::move(value));
  std::string fingerprint = secret.Fingerprint();
  return creds::PooledKey{std::move(secret), std::move(fingerprint), std::move(source),
                          std::make_shared<creds::KeyState>()};
}

snapshot::ProviderRuntime Provider(int keys) {
  snapshot::ProviderRuntime p;
  p.id = "prov";
  p.enabled = true;
  p.how_to_enable = {"PROV_API_KEY"};
  std::vector<creds::PooledKey> pool;
  for (int i = 0; i < keys; ++i)
    pool.push_back(Key("sk-" + std::to_string(i), "K[" + std::to_string(i) + "]"));
  p.keys = creds::KeyPool(std::move(pool));
  return p;
}

void Publish(snapshot::ProviderRuntime& p, std::int64_t exp_ms) {
  p.federated = std::make_shared<creds::FederatedToken>(p.id);
  p.federated->Publish(std::make_shared<const creds::FederatedTokenValue>(
      creds::FederatedTokenValue{Secret("jwt"), exp_ms, "env:PROV_OIDC_TOKEN"}));
}

TEST(PickCredential, FirstUsableUntriedKeyThenTheFederatedToken) {
  snapshot::ProviderRuntime p = Provider(2);
  Publish(p, kNowMs + 60'000);
  const auto& keys = p.keys.keys();
  std::vector<const creds::PooledKey*> tried;
  EXPECT_EQ(PickCredential(p, kNowMs, tried).key, &keys[0]);
  tried.push_back(&keys[0]);
  EXPECT_EQ(PickCredential(p, kNowMs, tried).key, &keys[1]);
  creds::KeyPool::MarkRateLimited(keys[1], kNowMs, 120'000);
  const Credential fallback = PickCredential(p, kNowMs, tried);
  EXPECT_EQ(fallback.kind(), CredentialKind::kFederated);
  EXPECT_EQ(fallback.Value(), "jwt");
  EXPECT_EQ(fallback.Fingerprint(), Secret("jwt").Fingerprint());
  // Expired: nothing left.
  EXPECT_EQ(PickCredential(p, kNowMs + 60'000, tried).kind(), CredentialKind::kNone);
}

TEST(NoCredentialReply, NamesWhyAndHowToFix) {
  snapshot::ProviderRuntime none = Provider(0);
  Reply r = NoCredentialReply(none, kNowMs);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code, "provider_unavailable");
  EXPECT_EQ(r.message,
            "provider 'prov' has no usable credential: no credential resolved; set PROV_API_KEY");
  EXPECT_TRUE(r.extra.empty());

  snapshot::ProviderRuntime expired = Provider(0);
  Publish(expired, kNowMs - 1);
  expired.federated->SetLastError("refresh_command exited with 1");
  r = NoCredentialReply(expired, kNowMs);
  EXPECT_EQ(r.code, "provider_unavailable");
  EXPECT_THAT(r.message, HasSubstr("its federated token is missing or expired (last refresh: "
                                   "refresh_command exited with 1)"));
}

TEST(NoCredentialReply, AllKeysCoolingIs429WithTheSoonestRecovery) {
  snapshot::ProviderRuntime p = Provider(2);
  creds::KeyPool::MarkRateLimited(p.keys.keys()[0], kNowMs, 30'000);
  creds::KeyPool::MarkRateLimited(p.keys.keys()[1], kNowMs, 12'500);
  const Reply r = NoCredentialReply(p, kNowMs);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.code, "all_keys_cooling");
  EXPECT_EQ(r.message,
            "all 2 keys of provider 'prov' are rate-limited; the soonest recovers in 13s");
  ASSERT_EQ(r.extra.size(), 1u);
  EXPECT_EQ(r.extra[0].first, "retry-after");
  EXPECT_EQ(r.extra[0].second, "13");
}

TEST(NoCredentialReply, AllKeysRejectedIs503) {
  snapshot::ProviderRuntime p = Provider(1);
  creds::KeyPool::MarkAuthFailed(p.keys.keys()[0], kNowMs);
  const Reply r = NoCredentialReply(p, kNowMs);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code, "provider_keys_rejected");
  EXPECT_EQ(r.message,
            "provider 'prov' rejected all 1 of its keys (401/403); fix them and reload "
            "(SIGHUP), or wait 600s");
  ASSERT_EQ(r.extra.size(), 1u);
  EXPECT_EQ(r.extra[0].second, "600");
}

}  // namespace
}  // namespace warden::proxy
