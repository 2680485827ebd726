#include "proxy/credential_verdicts.hpp"

#include <spdlog/spdlog.h>

#include "proxy/rate_limit_classifier.hpp"
#include "proxy/reply.hpp"

namespace warden::proxy {

void CoolDownKey(GatewayState& gw, const snapshot::ProviderRuntime& prov,
                 const creds::PooledKey& key, int status, std::string_view retry_after,
                 std::vector<const creds::PooledKey*>& tried) {
  const std::int64_t cooldown =
      creds::KeyPool::MarkRateLimited(key, gw.NowMs(), ParseRetryAfterMs(retry_after));
  gw.metrics.CountCooldown(prov.id, key.fingerprint);
  tried.push_back(&key);
  spdlog::warn("provider {} key {} rate-limited (status {}); cooling down {}s", prov.id,
               key.fingerprint, status, CeilSeconds(cooldown));
  if (prov.keys.Pick(gw.NowMs(), tried) != nullptr) gw.metrics.CountRotation(prov.id);
}

void MarkKeyRejected(GatewayState& gw, const snapshot::ProviderRuntime& prov,
                     const creds::PooledKey& key, int status) {
  const std::int64_t failing = creds::KeyPool::MarkAuthFailed(key, gw.NowMs());
  spdlog::warn("provider {} key {} rejected with {}; marked failing for {}s", prov.id,
               key.fingerprint, status, CeilSeconds(failing));
}

net::Task<void> RefreshFederated(const snapshot::ProviderRuntime& prov,
                                 creds::FederatedRefresher& refresher, const Credential& cred) {
  spdlog::warn("provider {} rejected its federated token; refreshing once", prov.id);
  std::string seen = cred.federated->token.Fingerprint();
  co_await net::asio::co_spawn(refresher.executor(), refresher.RefreshNow(prov.id, std::move(seen)),
                               net::asio::use_awaitable);
}

}  // namespace warden::proxy
