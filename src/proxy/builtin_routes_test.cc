#include "proxy/builtin_routes.hpp"

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;

creds::PooledKey Key(std::string value, std::string source) {
  Secret secret(std::move(value));
  std::string fingerprint = secret.Fingerprint();
  return creds::PooledKey{std::move(secret), std::move(fingerprint), std::move(source),
                          std::make_shared<creds::KeyState>()};
}

snapshot::Snapshot TestSnapshot() {
  snapshot::Snapshot snap;
  snap.generation = 4;
  auto cfg = std::make_shared<config::Config>();
  cfg->origin = "/etc/warden.toml";
  snap.config = cfg;

  snapshot::ProviderRuntime keys;
  keys.id = "openai";
  keys.enabled = true;
  keys.source_kind = "env";
  std::vector<creds::PooledKey> pool;
  pool.push_back(Key("sk-1", "OPENAI_API_KEYS[0]"));
  pool.push_back(Key("sk-2", "OPENAI_API_KEYS[1]"));
  pool.push_back(Key("sk-3", "OPENAI_API_KEYS[2]"));
  keys.keys = creds::KeyPool(std::move(pool));
  creds::KeyPool::MarkRateLimited(keys.keys.keys()[0], kNowMs - 1'000, 30'000);
  creds::KeyPool::MarkAuthFailed(keys.keys.keys()[2], kNowMs);
  snap.providers.push_back(std::move(keys));

  snapshot::ProviderRuntime federated;
  federated.id = "vercel";
  federated.enabled = true;
  federated.source_kind = "federated";
  federated.federated = std::make_shared<creds::FederatedToken>("vercel");
  federated.federated->Publish(std::make_shared<const creds::FederatedTokenValue>(
      creds::FederatedTokenValue{Secret("jwt"), kNowMs + 3'600'000, "env:VERCEL_OIDC_TOKEN"}));
  federated.federated->SetLastError("refresh_command timed out");
  snap.providers.push_back(std::move(federated));

  snapshot::ProviderRuntime off;
  off.id = "anthropic";
  off.source_kind = "none";
  off.disabled_reason = "no credential resolved (set ANTHROPIC_API_KEY)";
  snap.providers.push_back(std::move(off));
  return snap;
}

TEST(DescribeReadiness, WritesTheReadyzDocument) {
  const snapshot::Snapshot snap = TestSnapshot();
  ReloadStatus reload;
  reload.reloads_ok = 2;
  reload.reloads_failed = 1;
  reload.last_error = "CONFIG_INVALID: bad";
  const std::string fp1 = Secret("sk-1").Fingerprint();
  const std::string fp2 = Secret("sk-2").Fingerprint();
  const std::string fp3 = Secret("sk-3").Fingerprint();
  const std::string expected =
      R"({"status":"ready","generation":4,"config":"/etc/warden.toml","auth_mode":"token",)"
      R"("providers":{)"
      R"("openai":{"enabled":true,"source":"env","keys":3,"cooling":2,"key_status":[)"
      R"({"fingerprint":")" +
      fp1 +
      R"(","source":"OPENAI_API_KEYS[0]","usable":false,)"
      R"("retry_in_s":29,"reason":"rate_limited"},)"
      R"({"fingerprint":")" +
      fp2 +
      R"(","source":"OPENAI_API_KEYS[1]","usable":true},)"
      R"({"fingerprint":")" +
      fp3 +
      R"(","source":"OPENAI_API_KEYS[2]","usable":false,)"
      R"("retry_in_s":600,"reason":"auth_failed"}],"available":true},)"
      R"("vercel":{"enabled":true,"source":"federated","keys":0,"cooling":0,"key_status":[],)"
      R"("expires_at":1700003600,"token_source":"env:VERCEL_OIDC_TOKEN",)"
      R"("refresh_error":"refresh_command timed out","available":true},)"
      R"("anthropic":{"enabled":false,"source":"none",)"
      R"j("reason":"no credential resolved (set ANTHROPIC_API_KEY)","available":false}},)j"
      R"("reload":{"ok":2,"failed":1,"last_error":"CONFIG_INVALID: bad"}})";
  const ReadyzDocument doc = DescribeReadiness(snap, reload, kNowMs);
  EXPECT_EQ(boost::json::serialize(ToJson(doc)), expected);
  // What `warden status` reads back is what the route wrote.
  Result<ReadyzDocument> parsed = ParseReadyz(boost::json::parse(expected));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(boost::json::serialize(ToJson(*parsed)), expected);
}

TEST(DescribeReadiness, UnavailableWhenNoProviderHasAUsableCredential) {
  snapshot::Snapshot snap = TestSnapshot();
  snap.providers.erase(snap.providers.begin(), snap.providers.begin() + 2);
  const ReadyzDocument doc = DescribeReadiness(snap, ReloadStatus{}, kNowMs);
  EXPECT_FALSE(doc.ready);
  EXPECT_EQ(boost::json::serialize(ToJson(doc)).substr(0, 23), R"({"status":"unavailable")");
}

TEST(DescribeReadiness, JwtModeIsReadyOnlyOnceTheIssuersKeysAreLoaded) {
  snapshot::Snapshot snap = TestSnapshot();
  snap.access.mode = config::AuthMode::kJwt;
  const ReadyzDocument none = DescribeReadiness(snap, ReloadStatus{}, kNowMs);
  EXPECT_FALSE(none.ready);  // no key store at all
  ASSERT_TRUE(none.jwks.has_value());
  EXPECT_FALSE(none.jwks->loaded);
  snap.access.jwt.keys = std::make_shared<access::JwksStore>();
  snap.access.jwt.keys->SetError("JWKS fetch: connection refused");
  const ReadyzDocument waiting = DescribeReadiness(snap, ReloadStatus{}, kNowMs);
  EXPECT_FALSE(waiting.ready);
  EXPECT_EQ(waiting.jwks->last_error, "JWKS fetch: connection refused");
  auto keys = std::make_shared<crypto::JwkSet>();
  keys->keys.resize(2);
  snap.access.jwt.keys->Publish(keys, "https://issuer.example/jwks", kNowMs);
  const ReadyzDocument loaded = DescribeReadiness(snap, ReloadStatus{}, kNowMs);
  EXPECT_TRUE(loaded.ready);
  EXPECT_TRUE(loaded.jwks->loaded);
  EXPECT_EQ(loaded.jwks->keys, 2u);
  EXPECT_EQ(loaded.jwks->source, "https://issuer.example/jwks");
  EXPECT_TRUE(loaded.jwks->last_error.empty());
}

TEST(DescribeReadiness, AnExpiredFederatedTokenIsNotAvailable) {
  snapshot::Snapshot snap = TestSnapshot();
  const ReadyzDocument later = DescribeReadiness(snap, ReloadStatus{}, kNowMs + 3'600'000);
  ASSERT_EQ(later.providers.size(), 3u);
  EXPECT_FALSE(later.providers[1].available);
  ASSERT_TRUE(later.providers[1].federated.has_value());  // still shown, with its expiry
  EXPECT_TRUE(later.providers[0].available);              // key 2 is still usable
}

}  // namespace
}  // namespace warden::proxy
