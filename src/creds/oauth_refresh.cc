#include "creds/oauth_refresh.hpp"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include <boost/json.hpp>

#include "crypto/crypto.hpp"

namespace warden::creds {
namespace {

namespace json = boost::json;

constexpr std::int64_t kBackoffFirstMs = 30'000;
constexpr std::int64_t kBackoffMaxMs = 10 * 60'000;

std::optional<std::int64_t> IntOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() < (1ULL << 62)) return std::int64_t(v->get_uint64());
  if (v->is_double()) return std::int64_t(v->get_double());
  return std::nullopt;
}

const json::object* ObjectField(const Profile& p, std::string_view key) {
  const json::value* v = p.extra.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

Error NotFoundError(const std::string& id) {
  return Error::Make(ErrorCode::kProfileNotFound, "no profile " + id + " (see `warden auth list`)",
                     id);
}

// Step 1 under the lock: the decision, and our pending record written when we go ahead.
struct Started {
  RefreshStart start = RefreshStart::kWait;
  Profile profile;  // as read under the lock (with our record when we go ahead)
};
Result<Started> LockedStart(const ProfileStore& store, const std::string& id,
                            const Secret& seen_access, const std::string& owner, const Clock& clock,
                            const RefreshOptions& options) {
  Started started;
  auto doc = store.Update([&](ProfileDocument& d) -> Result<bool> {
    auto it = d.profiles.find(id);
    if (it == d.profiles.end()) return NotFoundError(id);
    const std::int64_t now = clock.NowMs();
    started.start = DecideRefreshStart(it->second, seen_access, now, options.stale_after.count(),
                                       options.honour_backoff);
    const bool go =
        started.start == RefreshStart::kBegin || started.start == RefreshStart::kTakeOver;
    if (go) it->second.extra[kRefreshPendingField] = json::object{{"by", owner}, {"since", now}};
    started.profile = it->second;
    return go;
  });
  if (!doc) return doc.error();
  return started;
}

// Step 3 under the lock: commit the grant's result (or record its failure) if still ours.
struct Finished {
  RefreshCommit commit = RefreshCommit::kSuperseded;
  Profile profile;             // as stored afterwards
  std::optional<Error> error;  // the grant's or the account check's error, when committed
};
Result<Finished> LockedFinish(const ProfileStore& store, const std::string& id,
                              const std::string& owner, std::int64_t started_ms,
                              const Result<OAuthTokens>& granted, const Clock& clock) {
  Finished finished;
  auto doc = store.Update([&](ProfileDocument& d) -> Result<bool> {
    auto it = d.profiles.find(id);
    if (it == d.profiles.end()) return NotFoundError(id);
    finished.commit = DecideRefreshCommit(it->second, owner, started_ms);
    if (finished.commit == RefreshCommit::kSuperseded) {
      finished.profile = it->second;
      return false;
    }
    const std::int64_t now = clock.NowMs();
    Result<Profile> next =
        granted ? ApplyRefreshSuccess(it->second, *granted, now) : Result<Profile>(granted.error());
    if (!next) {
      finished.error = next.error();
      it->second = ApplyRefreshFailure(it->second, next.error(), now);
    } else {
      it->second = std::move(*next);
    }
    finished.profile = it->second;
    return true;
  });
  if (!doc) return doc.error();
  return finished;
}

// Waits (polling the file without the lock) until the peer's pending record is gone or stale,
// or the access token changed. false when `deadline` passed first, or options.cancel was set.
bool WaitForPeer(const ProfileStore& store, const std::string& id, const Secret& seen_access,
                 const Clock& clock, const RefreshOptions& options,
                 std::chrono::steady_clock::time_point deadline) {
  auto interval = options.poll_first;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(interval);
    if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) return false;
    interval = std::min(interval * 2, options.poll_max);
    auto doc = store.Load();
    if (!doc) continue;  // a store that cannot be read now is decided under the lock
    auto it = doc->profiles.find(id);
    if (it == doc->profiles.end()) return true;
    const RefreshStart start = DecideRefreshStart(it->second, seen_access, clock.NowMs(),
                                                  options.stale_after.count(), false);
    if (start != RefreshStart::kWait) return true;
  }
  return false;
}

Error StartError(RefreshStart start, const Profile& p, std::int64_t now_ms) {
  switch (start) {
    case RefreshStart::kNotRefreshable:
      return Error::Make(
          ErrorCode::kProfileInvalid,
          "profile " + p.id + " cannot be refreshed (not oauth, or no refresh token)", p.id);
    case RefreshStart::kNeedsLogin:
      return Error::Make(ErrorCode::kOAuthInvalidGrant,
                         "profile " + p.id +
                             " needs a new login: run `warden auth login --provider " + p.provider +
                             "`",
                         p.id);
    default: {
      const auto backoff = BackoffOf(p).value_or(RefreshBackoff{});
      return Error::Make(ErrorCode::kOAuthRefreshBusy,
                         "profile " + p.id + ": the last refresh failed (" + backoff.error +
                             "); next try in " +
                             std::to_string((backoff.until_ms - now_ms) / 1000) + " s",
                         p.id);
    }
  }
}

}  // namespace

std::optional<RefreshPending> PendingOf(const Profile& p) {
  const json::object* o = ObjectField(p, kRefreshPendingField);
  if (o == nullptr) return std::nullopt;
  RefreshPending pending;
  if (const json::value* by = o->if_contains("by"); by && by->is_string()) {
    pending.by = std::string(by->get_string());
  }
  pending.since_ms = IntOf(*o, "since").value_or(0);  // unreadable: as old as can be (stale)
  return pending;
}

std::optional<RefreshBackoff> BackoffOf(const Profile& p) {
  const json::object* o = ObjectField(p, kRefreshBackoffField);
  if (o == nullptr) return std::nullopt;
  RefreshBackoff backoff;
  backoff.failures =
      static_cast<int>(std::clamp<std::int64_t>(IntOf(*o, "failures").value_or(1), 0, 64));
  backoff.until_ms = IntOf(*o, "until").value_or(0);
  if (const json::value* e = o->if_contains("error"); e && e->is_string()) {
    backoff.error = std::string(e->get_string());
  }
  return backoff;
}

std::int64_t BackoffDelayMs(int failures) {
  std::int64_t delay = kBackoffFirstMs;
  for (int i = 1; i < failures && delay < kBackoffMaxMs; ++i) delay *= 2;
  return std::min(delay, kBackoffMaxMs);
}

std::optional<std::int64_t> IssuedAtOf(const Profile& p) {
  const json::value* v = p.extra.if_contains(kIssuedAtField);
  if (v == nullptr) return std::nullopt;
  json::object wrap{{"v", *v}};
  return IntOf(wrap, "v");
}

std::string NewRefreshOwner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const std::string random =
      crypto::Hex(reinterpret_cast<const std::uint8_t*>(crypto::RandomBytes(6).data()), 6);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + random;
}

RefreshStart DecideRefreshStart(const Profile& current, const Secret& seen_access,
                                std::int64_t now_ms, std::int64_t stale_after_ms,
                                bool honour_backoff) {
  if (!current.Refreshable()) return RefreshStart::kNotRefreshable;
  if (!current.secret.ConstantTimeEquals(seen_access.Reveal())) return RefreshStart::kReuse;
  if (MarkedNeedsLogin(current)) return RefreshStart::kNeedsLogin;
  if (auto pending = PendingOf(current)) {
    // A record from the future (a skewed peer clock) counts as fresh until it ages past the
    // bound from now, so it cannot block refreshes for ever.
    const std::int64_t age = now_ms - std::min(pending->since_ms, now_ms);
    return age < stale_after_ms ? RefreshStart::kWait : RefreshStart::kTakeOver;
  }
  if (auto backoff = BackoffOf(current); honour_backoff && backoff && backoff->until_ms > now_ms) {
    return RefreshStart::kBackedOff;
  }
  return RefreshStart::kBegin;
}

std::string_view RefreshStartName(RefreshStart start) {
  switch (start) {
    case RefreshStart::kNotRefreshable:
      return "not-refreshable";
    case RefreshStart::kNeedsLogin:
      return "needs-login";
    case RefreshStart::kReuse:
      return "reuse";
    case RefreshStart::kWait:
      return "wait";
    case RefreshStart::kBackedOff:
      return "backed-off";
    case RefreshStart::kBegin:
      return "begin";
    case RefreshStart::kTakeOver:
      return "take-over";
  }
  return "";
}

RefreshCommit DecideRefreshCommit(const Profile& current, std::string_view owner,
                                  std::int64_t started_ms) {
  auto pending = PendingOf(current);
  if (!pending || pending->by != owner) return RefreshCommit::kSuperseded;
  if (auto issued = IssuedAtOf(current); issued && *issued > started_ms) {
    return RefreshCommit::kSuperseded;
  }
  return RefreshCommit::kCommit;
}

Result<Profile> ApplyRefreshSuccess(const Profile& current, const OAuthTokens& tokens,
                                    std::int64_t now_ms) {
  const json::value* sub = current.extra.if_contains(kSubjectField);
  const bool other_subject = sub != nullptr && sub->is_string() && !tokens.subject.empty() &&
                             sub->get_string() != tokens.subject;
  const bool other_account = !current.account_id.empty() && !tokens.account_id.empty() &&
                             current.account_id != tokens.account_id;
  if (other_account || other_subject) {
    return Error::Make(ErrorCode::kOAuthAccountMismatch,
                       "profile " + current.id +
                           ": the token endpoint answered for another account; the answer was "
                           "discarded and the present token kept",
                       current.id);
  }
  Profile next = ProfileFromTokens(current.id, tokens, now_ms, &current);
  next.extra.erase(kRefreshPendingField);
  next.extra.erase(kRefreshBackoffField);
  next.extra.erase(kNeedsLoginField);
  next.extra[kIssuedAtField] = now_ms;
  return next;
}

Profile ApplyRefreshFailure(const Profile& current, const Error& error, std::int64_t now_ms) {
  Profile next = current;
  next.extra.erase(kRefreshPendingField);
  if (error.code == ErrorCode::kOAuthInvalidGrant) {
    next.extra[kNeedsLoginField] = true;
    next.extra.erase(kRefreshBackoffField);
    return next;
  }
  const int failures = BackoffOf(current).value_or(RefreshBackoff{}).failures + 1;
  next.extra[kRefreshBackoffField] = json::object{{"failures", failures},
                                                  {"until", now_ms + BackoffDelayMs(failures)},
                                                  {"error", std::string(WireName(error.code))}};
  return next;
}

Result<RefreshOutcome> RefreshProfile(const ProfileStore& store, const std::string& id,
                                      const Secret& seen_access, const RefreshGrant& grant,
                                      const Clock& clock, const RefreshOptions& options) {
  const std::string owner = NewRefreshOwner();
  const auto deadline = std::chrono::steady_clock::now() + options.wait_limit;
  for (;;) {
    auto started = LockedStart(store, id, seen_access, owner, clock, options);
    if (!started) return started.error();
    switch (started->start) {
      case RefreshStart::kReuse:
        return RefreshOutcome{false, std::move(started->profile)};
      case RefreshStart::kWait:
        if (!WaitForPeer(store, id, seen_access, clock, options, deadline)) {
          if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
            return Error::Make(ErrorCode::kOAuthRefreshBusy,
                               "profile " + id + ": stopped while a peer's refresh was pending",
                               id);
          }
          return Error::Make(ErrorCode::kOAuthRefreshBusy,
                             "profile " + id + ": a peer's refresh is still pending after " +
                                 std::to_string(options.wait_limit.count() / 1000) + " s",
                             id);
        }
        continue;
      case RefreshStart::kBegin:
      case RefreshStart::kTakeOver:
        break;
      default:
        return StartError(started->start, started->profile, clock.NowMs());
    }
    const std::int64_t started_ms = clock.NowMs();
    const Result<OAuthTokens> granted = grant(started->profile.refresh);
    auto finished = LockedFinish(store, id, owner, started_ms, granted, clock);
    if (!finished) return finished.error();
    if (finished->error) return *finished->error;
    if (finished->commit == RefreshCommit::kSuperseded &&
        finished->profile.secret.ConstantTimeEquals(seen_access.Reveal())) {
      return Error::Make(ErrorCode::kOAuthRefreshBusy,
                         "profile " + id +
                             ": a peer took this refresh over (ours ran past the pending bound); "
                             "try again shortly",
                         id);
    }
    const bool here = finished->commit == RefreshCommit::kCommit;
    return RefreshOutcome{here, std::move(finished->profile)};
  }
}

}  // namespace warden::creds
