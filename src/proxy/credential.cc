#include "proxy/credential.hpp"

#include <algorithm>

#include "base/iso_time.hpp"

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

ExtraHeaders RetryAfter(std::int64_t wait_ms) {
  return Header("retry-after", std::to_string(std::max<std::int64_t>(1, CeilSeconds(wait_ms))));
}

// Why the pinned profile cannot be used now. It is never replaced by another credential: the
// caller asked for that account.
Reply PinnedProfileReply(const creds::PooledProfile& p, std::int64_t now_ms) {
  const std::string provider = p.id.substr(0, p.id.size() - p.name.size() - 1);
  if (p.ExpiredAt(now_ms)) {
    return Reply{503,
                 "profile_expired",
                 "profile '" + p.id + "' expired at " + FormatIsoTime(*p.expires_ms) +
                     "; renew it with `warden auth login --provider " + provider + " --profile " +
                     p.name + "` or `warden auth paste-token --provider " + provider +
                     " --profile " + p.name + "` (the pinned profile is never replaced by another)",
                 {}};
  }
  const std::int64_t cooling = p.key.state->cooldown_until_ms.load(std::memory_order_relaxed);
  const std::int64_t failing = p.key.state->failing_until_ms.load(std::memory_order_relaxed);
  const std::int64_t wait_ms = std::max<std::int64_t>(0, std::max(cooling, failing) - now_ms);
  const std::string when = std::to_string(CeilSeconds(wait_ms)) + "s";
  if (cooling > now_ms) {
    return Reply{429, "profile_cooling",
                 "profile '" + p.id + "' is rate-limited; it recovers in " + when +
                     " (the pinned profile is never replaced by another)",
                 RetryAfter(wait_ms)};
  }
  return Reply{503, "profile_rejected",
               "provider '" + provider + "' rejected profile '" + p.id +
                   "' (401/403); renew it with `warden auth paste-token --provider " + provider +
                   " --profile " + p.name + "`, or wait " + when,
               RetryAfter(wait_ms)};
}

// Nothing usable among the profiles (those the caller may use) and the keys.
Reply AllCredentialsUnusable(const snapshot::ProviderRuntime& prov, std::int64_t now_ms,
                             const CredentialWant& want) {
  const std::optional<std::int64_t> profile_wait =
      prov.profiles.MsUntilSoonestRecovery(now_ms, want.allowed_profiles);
  if (prov.keys.empty() && !profile_wait) {
    std::string message = "provider '" + prov.id + "' has no usable credential: its " +
                          std::to_string(prov.profiles.profiles().size()) +
                          " profile(s) are expired";
    if (want.allowed_profiles != nullptr) message += " or not allowed to this caller";
    message += "; renew one with `warden auth login` or `warden auth paste-token --provider " +
               prov.id + "`";
    return Reply{503, "provider_unavailable", std::move(message), {}};
  }
  std::int64_t wait_ms = profile_wait.value_or(creds::KeyPool::kMaxCooldownMs);
  if (!prov.keys.empty()) wait_ms = std::min(wait_ms, prov.keys.MsUntilSoonestRecovery(now_ms));
  const bool rate_limited = prov.keys.AnyRateLimited(now_ms) ||
                            prov.profiles.AnyRateLimited(now_ms, want.allowed_profiles);
  std::string message;
  if (prov.profiles.empty()) {
    message = AllKeysUnusableMessage(prov, rate_limited, wait_ms);
  } else {
    message = "all credentials of provider '" + prov.id + "' (" +
              std::to_string(prov.profiles.profiles().size()) + " profile(s), " +
              std::to_string(prov.keys.keys().size()) + " key(s)) are " +
              (rate_limited ? "rate-limited or unusable" : "rejected (401/403) or unusable") +
              "; the soonest recovers in " + std::to_string(CeilSeconds(wait_ms)) + "s";
  }
  return Reply{rate_limited ? 429 : 503,
               rate_limited ? "all_keys_cooling" : "provider_keys_rejected", std::move(message),
               RetryAfter(wait_ms)};
}

}  // namespace

Credential PickCredential(const snapshot::ProviderRuntime& prov, std::int64_t now_ms,
                          const std::vector<const creds::PooledKey*>& tried,
                          const CredentialWant& want) {
  Credential cred;
  if (want.pinned != nullptr) {
    const creds::PooledProfile& p = *want.pinned;
    const bool tried_it = std::find(tried.begin(), tried.end(), &p.key) != tried.end();
    if (!tried_it && !p.ExpiredAt(now_ms) && creds::KeyPool::Usable(p.key, now_ms)) {
      cred.profile = &p;
      cred.key = &p.key;
    }
    return cred;
  }
  cred.profile = prov.profiles.Pick(now_ms, tried, want.allowed_profiles);
  if (cred.profile != nullptr) {
    cred.key = &cred.profile->key;
    return cred;
  }
  cred.key = prov.keys.Pick(now_ms, tried);
  if (cred.key == nullptr && prov.federated) cred.federated = prov.federated->Usable(now_ms);
  return cred;
}

Reply NoCredentialReply(const snapshot::ProviderRuntime& prov, std::int64_t now_ms,
                        const CredentialWant& want) {
  if (want.pinned != nullptr) return PinnedProfileReply(*want.pinned, now_ms);
  if (prov.keys.empty() && prov.profiles.empty())
    return Reply{503, "provider_unavailable", NoCredentialMessage(prov), {}};
  return AllCredentialsUnusable(prov, now_ms, want);
}

}  // namespace warden::proxy
