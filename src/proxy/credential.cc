#include "proxy/credential.hpp"

#include <algorithm>

namespace warden::proxy {

namespace {

std::string NoCredentialMessage(const snapshot::ProviderRuntime& prov) {
  std::string why = "no credential resolved";
  if (prov.federated) {
    why = "its federated token is missing or expired";
    std::string last = prov.federated->LastError();
    if (!last.empty()) why += " (last refresh: " + last + ")";
  }
  std::string message = "provider '" + prov.id + "' has no usable credential: " + why;
  if (!prov.how_to_enable.empty()) message += "; set " + prov.HowToEnable();
  return message;
}

std::string AllKeysUnusableMessage(const snapshot::ProviderRuntime& prov, bool rate_limited,
                                   std::int64_t wait_ms) {
  const std::string n = std::to_string(prov.keys.keys().size());
  const std::string when = std::to_string(CeilSeconds(wait_ms)) + "s";
  if (rate_limited) {
    return "all " + n + " keys of provider '" + prov.id +
           "' are rate-limited; the soonest recovers in " + when;
  }
  return "provider '" + prov.id + "' rejected all " + n +
         " of its keys (401/403); fix them and reload (SIGHUP), or wait " + when;
}

}  // namespace

Credential PickCredential(const snapshot::ProviderRuntime& prov, std::int64_t now_ms,
                          const std::vector<const creds::PooledKey*>& tried) {
  Credential cred;
  cred.key = prov.keys.Pick(now_ms, tried);
  if (cred.key == nullptr && prov.federated) cred.federated = prov.federated->Usable(now_ms);
  return cred;
}

Reply NoCredentialReply(const snapshot::ProviderRuntime& prov, std::int64_t now_ms) {
  if (prov.keys.empty()) return Reply{503, "provider_unavailable", NoCredentialMessage(prov), {}};
  const std::int64_t wait_ms = prov.keys.MsUntilSoonestRecovery(now_ms);
  const bool rate_limited = prov.keys.AnyRateLimited(now_ms);
  return Reply{
      rate_limited ? 429 : 503, rate_limited ? "all_keys_cooling" : "provider_keys_rejected",
      AllKeysUnusableMessage(prov, rate_limited, wait_ms),
      Header("retry-after", std::to_string(std::max<std::int64_t>(1, CeilSeconds(wait_ms))))};
}

}  // namespace warden::proxy
