#include "creds/profile_pool.hpp"

#include <algorithm>

#include "base/glob.hpp"
#include "creds/profile_store.hpp"
#include "secrets/header_value.hpp"

namespace warden::creds {

namespace {

int TypeRank(ProfileType type) {
  switch (type) {
    case ProfileType::kOAuth:
      return 0;
    case ProfileType::kToken:
      return 1;
    case ProfileType::kApiKey:
      return 2;
  }
  return 3;
}

std::int64_t LastUsed(const PooledProfile& p) {
  return p.key.state->last_used_ms.load(std::memory_order_relaxed);
}

// `candidate` goes before `best` in the default order: type first, then least recently used
// (a tie keeps `best`, the earlier one in base order).
bool Before(const PooledProfile& candidate, const PooledProfile& best) {
  const int a = TypeRank(candidate.type), b = TypeRank(best.type);
  if (a != b) return a < b;
  return LastUsed(candidate) < LastUsed(best);
}

}  // namespace

bool ProfilePool::Allowed(const std::vector<std::string>* allowed, std::string_view id) {
  if (allowed == nullptr) return true;
  return std::any_of(allowed->begin(), allowed->end(),
                     [&](const std::string& glob) { return GlobMatches(glob, id); });
}

const PooledProfile* ProfilePool::Find(std::string_view name) const {
  for (const PooledProfile& p : profiles_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const PooledProfile* ProfilePool::Pick(std::int64_t now_ms,
                                       const std::vector<const PooledKey*>& tried,
                                       const std::vector<std::string>* allowed) const {
  const PooledProfile* best = nullptr;
  for (const PooledProfile& p : profiles_) {
    if (!p.in_order || std::find(tried.begin(), tried.end(), &p.key) != tried.end()) continue;
    if (p.ExpiredAt(now_ms) || !KeyPool::Usable(p.key, now_ms) || !Allowed(allowed, p.id)) continue;
    if (explicit_order_) return &p;
    if (best == nullptr || Before(p, *best)) best = &p;
  }
  return best;
}

ProfileCounts ProfilePool::Counts(std::int64_t now_ms) const {
  ProfileCounts c;
  c.total = profiles_.size();
  for (const PooledProfile& p : profiles_) {
    if (p.ExpiredAt(now_ms))
      ++c.expired;
    else if (!KeyPool::Usable(p.key, now_ms))
      ++c.cooling;
    else
      ++c.usable;
    if (p.NeedsLoginAt(now_ms)) ++c.needs_login;
  }
  return c;
}

std::optional<std::int64_t> ProfilePool::MsUntilSoonestRecovery(
    std::int64_t now_ms, const std::vector<std::string>* allowed) const {
  std::optional<std::int64_t> soonest;
  for (const PooledProfile& p : profiles_) {
    if (p.ExpiredAt(now_ms) || !Allowed(allowed, p.id)) continue;
    const std::int64_t until =
        std::max(p.key.state->cooldown_until_ms.load(std::memory_order_relaxed),
                 p.key.state->failing_until_ms.load(std::memory_order_relaxed));
    const std::int64_t wait = std::max<std::int64_t>(0, until - now_ms);
    soonest = soonest ? std::min(*soonest, wait) : wait;
  }
  return soonest;
}

bool ProfilePool::AnyRateLimited(std::int64_t now_ms,
                                 const std::vector<std::string>* allowed) const {
  return std::any_of(profiles_.begin(), profiles_.end(), [&](const PooledProfile& p) {
    return !p.ExpiredAt(now_ms) && Allowed(allowed, p.id) &&
           p.key.state->cooldown_until_ms.load(std::memory_order_relaxed) > now_ms;
  });
}

void ProfilePool::MarkUsed(const PooledProfile& profile, std::int64_t now_ms) {
  profile.key.state->last_used_ms.store(now_ms, std::memory_order_relaxed);
}

namespace {

// `provider`'s profiles in base order: the store's order for the provider (if any), then the
// others by type and id. `ordered` is how many come from the store's order.
std::vector<const Profile*> BaseOrder(const ProfileDocument& document, const std::string& provider,
                                      std::size_t& ordered, std::vector<std::string>& diagnostics) {
  std::vector<const Profile*> out;
  auto order = document.order.find(provider);
  if (order != document.order.end()) {
    for (const std::string& id : order->second) {
      auto it = document.profiles.find(id);
      if (it == document.profiles.end() || it->second.provider != provider) {
        diagnostics.push_back("auth-profiles.json: order." + provider + " names " + id +
                              ", which is not a profile of " + provider + "; skipped");
        continue;
      }
      if (std::find(out.begin(), out.end(), &it->second) == out.end()) out.push_back(&it->second);
    }
  }
  ordered = out.size();
  std::vector<const Profile*> rest;
  for (const auto& [id, profile] : document.profiles) {  // a std::map: by id
    if (profile.provider == provider && std::find(out.begin(), out.end(), &profile) == out.end())
      rest.push_back(&profile);
  }
  std::stable_sort(rest.begin(), rest.end(), [](const Profile* a, const Profile* b) {
    return TypeRank(a->type) < TypeRank(b->type);
  });
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace

ProfilePool BuildProfilePool(const ProfileDocument& document, const std::string& provider,
                             CredentialStateRegistry& states,
                             std::vector<std::string>& diagnostics) {
  const bool explicit_order = document.order.count(provider) != 0;
  std::size_t ordered = 0;
  std::vector<PooledProfile> pooled;
  const std::vector<const Profile*> base = BaseOrder(document, provider, ordered, diagnostics);
  for (std::size_t i = 0; i < base.size(); ++i) {
    const Profile* profile = base[i];
    const std::string source = std::string(kProfileStoreFileName) + " " + profile->id;
    if (profile->secret.empty() || !secrets::CheckHeaderValue(profile->secret.Reveal(), source)) {
      diagnostics.push_back("profile " + profile->id +
                            " skipped: its value is empty or not a valid header value");
      continue;
    }
    const auto parts = SplitProfileId(profile->id);
    PooledProfile p;
    p.in_order = !explicit_order || i < ordered;
    p.id = profile->id;
    p.name = parts ? parts->name : profile->id;
    p.type = profile->type;
    p.expires_ms = profile->type == ProfileType::kApiKey ? std::nullopt : profile->expires_ms;
    p.refreshable = profile->Refreshable();
    p.marked_needs_login = MarkedNeedsLogin(*profile);
    std::string fp = profile->secret.Fingerprint();
    std::shared_ptr<KeyState> state = states.Get(provider, "profile " + profile->id + " " + fp);
    p.key = PooledKey{profile->secret, std::move(fp), source, std::move(state)};
    pooled.push_back(std::move(p));
  }
  return ProfilePool(std::move(pooled), explicit_order);
}

}  // namespace warden::creds
