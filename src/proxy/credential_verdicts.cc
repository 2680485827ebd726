#include "proxy/credential_verdicts.hpp"

#include <spdlog/spdlog.h>

#include "proxy/rate_limit_classifier.hpp"
#include "proxy/reply.hpp"

namespace warden::proxy {
namespace {

// "key 3f2a…" or "profile openai:work", for log lines.
std::string CredentialLabel(const Credential& cred) {
  return cred.profile != nullptr ? "profile " + cred.profile->id : "key " + cred.key->fingerprint;
}

}  // namespace

void CoolDownKey(GatewayState& gw, const snapshot::ProviderRuntime& prov, const Credential& cred,
                 int status, std::string_view retry_after,
                 std::vector<const creds::PooledKey*>& tried, const CredentialWant& want) {
  const std::int64_t cooldown =
      creds::KeyPool::MarkRateLimited(*cred.key, gw.NowMs(), ParseRetryAfterMs(retry_after));
  gw.metrics.CountCooldown(prov.id, cred.key->fingerprint);
  tried.push_back(cred.key);
  spdlog::warn("provider {} {} rate-limited (status {}); cooling down {}s", prov.id,
               CredentialLabel(cred), status, CeilSeconds(cooldown));
  if (PickCredential(prov, gw.NowMs(), tried, want).kind() != CredentialKind::kNone) {
    gw.metrics.CountRotation(prov.id);
  }
}

void MarkKeyRejected(GatewayState& gw, const snapshot::ProviderRuntime& prov,
                     const Credential& cred, int status) {
  const std::int64_t failing = creds::KeyPool::MarkAuthFailed(*cred.key, gw.NowMs());
  spdlog::warn("provider {} {} rejected with {}; marked failing for {}s", prov.id,
               CredentialLabel(cred), status, CeilSeconds(failing));
}

net::Task<void> RefreshFederated(const snapshot::ProviderRuntime& prov,
                                 creds::FederatedRefresher& refresher, const Credential& cred) {
  spdlog::warn("provider {} rejected its federated token; refreshing once", prov.id);
  std::string seen = cred.federated->token.Fingerprint();
  co_await net::asio::co_spawn(refresher.executor(), refresher.RefreshNow(prov.id, std::move(seen)),
                               net::asio::use_awaitable);
}

}  // namespace warden::proxy
