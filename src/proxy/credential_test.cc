#include "proxy/credential.hpp"

#include <memory>
#include <optional>
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

// Adds profiles (all tokens unless named "k*", which are api keys) to `p`, in this order.
void AddProfiles(snapshot::ProviderRuntime& p, std::vector<std::string> names,
                 std::optional<std::int64_t> expires = std::nullopt) {
  std::vector<creds::PooledProfile> pooled;
  for (const std::string& name : names) {
    creds::PooledProfile profile;
    profile.id = p.id + ":" + name;
    profile.name = name;
    profile.type = name[0] == 'k' ? creds::ProfileType::kApiKey : creds::ProfileType::kToken;
    profile.expires_ms = expires;
    profile.key = Key("value-of-" + name, "auth-profiles.json " + profile.id);
    pooled.push_back(std::move(profile));
  }
  p.profiles = creds::ProfilePool(std::move(pooled), true);
}

TEST(PickCredential, ProfilesFirstThenKeysAndOnlyThoseTheCallerMayUse) {
  snapshot::ProviderRuntime p = Provider(1);
  AddProfiles(p, {"work", "home"});
  std::vector<const creds::PooledKey*> tried;
  Credential c = PickCredential(p, kNowMs, tried);
  ASSERT_NE(c.profile, nullptr);
  EXPECT_EQ(c.profile->id, "prov:work");
  EXPECT_EQ(c.Value(), "value-of-work");
  EXPECT_EQ(c.kind(), CredentialKind::kStaticKey);  // classified like a key
  tried.push_back(c.key);                           // rate-limited during this request
  EXPECT_EQ(PickCredential(p, kNowMs, tried).profile->id, "prov:home");
  tried.push_back(PickCredential(p, kNowMs, tried).key);
  c = PickCredential(p, kNowMs, tried);
  EXPECT_EQ(c.profile, nullptr);
  EXPECT_EQ(c.key, &p.keys.keys()[0]);  // then the provider's keys

  const std::vector<std::string> only_home = {"prov:home"};
  c = PickCredential(p, kNowMs, {}, CredentialWant{nullptr, &only_home});
  ASSERT_NE(c.profile, nullptr);
  EXPECT_EQ(c.profile->id, "prov:home");
}

TEST(PickCredential, APinnedProfileIsNeverReplacedByAnother) {
  snapshot::ProviderRuntime p = Provider(1);
  AddProfiles(p, {"work", "home"});
  const creds::PooledProfile* home = p.profiles.Find("home");
  const CredentialWant pin{home, nullptr};
  EXPECT_EQ(PickCredential(p, kNowMs, {}, pin).profile, home);
  creds::KeyPool::MarkRateLimited(home->key, kNowMs, 20'000);
  EXPECT_EQ(PickCredential(p, kNowMs, {}, pin).kind(), CredentialKind::kNone);
  Reply r = NoCredentialReply(p, kNowMs, pin);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.code, "profile_cooling");
  EXPECT_THAT(r.message, HasSubstr("profile 'prov:home' is rate-limited; it recovers in 20s"));
  ASSERT_EQ(r.extra.size(), 1u);
  EXPECT_EQ(r.extra[0].second, "20");
  // Unpinned requests meanwhile use the other profile.
  EXPECT_EQ(PickCredential(p, kNowMs, {}).profile->id, "prov:work");
}

TEST(NoCredentialReply, AnExpiredPinNamesTheLoginVerbs) {
  snapshot::ProviderRuntime p = Provider(1);
  AddProfiles(p, {"work"}, kNowMs - 1000);
  const CredentialWant pin{p.profiles.Find("work"), nullptr};
  EXPECT_EQ(PickCredential(p, kNowMs, {}, pin).kind(), CredentialKind::kNone);
  const Reply r = NoCredentialReply(p, kNowMs, pin);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code, "profile_expired");
  EXPECT_THAT(r.message, HasSubstr("profile 'prov:work' expired at 2023-11-14T22:13:19Z"));
  EXPECT_THAT(r.message, HasSubstr("warden auth login --provider prov --profile work"));
  EXPECT_THAT(r.message, HasSubstr("warden auth paste-token --provider prov --profile work"));
  EXPECT_EQ(r.message.find("value-of-work"), std::string::npos);
  // Unpinned, the expired profile is skipped for the key.
  EXPECT_EQ(PickCredential(p, kNowMs, {}).key, &p.keys.keys()[0]);
}

TEST(NoCredentialReply, ProfilesOnlyProviderWithEverythingExpiredOrCooling) {
  snapshot::ProviderRuntime expired = Provider(0);
  AddProfiles(expired, {"work"}, kNowMs - 1);
  Reply r = NoCredentialReply(expired, kNowMs);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code, "provider_unavailable");
  EXPECT_THAT(r.message, HasSubstr("its 1 profile(s) are expired"));

  snapshot::ProviderRuntime cooling = Provider(1);
  AddProfiles(cooling, {"work"});
  creds::KeyPool::MarkRateLimited(cooling.profiles.Find("work")->key, kNowMs, 5'000);
  creds::KeyPool::MarkRateLimited(cooling.keys.keys()[0], kNowMs, 9'000);
  r = NoCredentialReply(cooling, kNowMs);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.code, "all_keys_cooling");
  EXPECT_THAT(r.message, HasSubstr("(1 profile(s), 1 key(s))"));
  EXPECT_EQ(r.extra[0].second, "5");
}

}  // namespace
}  // namespace warden::proxy
