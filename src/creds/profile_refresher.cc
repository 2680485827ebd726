#include "creds/profile_refresher.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <spdlog/spdlog.h>

#include "creds/profile_store.hpp"

namespace warden::creds {

namespace asio = net::asio;

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// The fence, co_spawned onto the refresher's blocking thread; every parameter is a copy except
// `clock` and `cancel`, which belong to the refresher's owner and the refresher, and outlive it
// (the refresher's destructor joins the thread).
// (Awaiting asio::post(blocking, use_awaitable) instead would not move the coroutine: its
// completion is dispatched back to the coroutine's own executor, the control loop.)
net::Task<Result<RefreshOutcome>> RefreshOnBlockingThread(std::string store_path, std::string id,
                                                          ProfileRefreshTarget target,
                                                          ProfileRefresher::Grant grant,
                                                          const Clock& clock,
                                                          const std::atomic<bool>* cancel) {
  const ProfileStore store(store_path);
  auto granted = [&](const Secret& refresh) { return grant(target.settings, refresh); };
  RefreshOptions options = ProfileRefresher::BackgroundOptions();
  options.cancel = cancel;
  co_return RefreshProfile(store, id, target.profile.secret, granted, clock, options);
}

}  // namespace

std::string_view BackgroundRefreshResultName(BackgroundRefreshResult result) {
  switch (result) {
    case BackgroundRefreshResult::kOk:
      return "ok";
    case BackgroundRefreshResult::kReusedPeer:
      return "reused_peer";
    case BackgroundRefreshResult::kInvalidGrant:
      return "invalid_grant";
    case BackgroundRefreshResult::kFailed:
      return "failed";
  }
  return "failed";
}

BackgroundRefreshResult ClassifyRefresh(const Result<RefreshOutcome>& outcome) {
  if (outcome) {
    return outcome->refreshed_here ? BackgroundRefreshResult::kOk
                                   : BackgroundRefreshResult::kReusedPeer;
  }
  return outcome.error().code == ErrorCode::kOAuthInvalidGrant
             ? BackgroundRefreshResult::kInvalidGrant
             : BackgroundRefreshResult::kFailed;
}

std::optional<std::int64_t> NextBackgroundRefreshMs(const Profile& profile,
                                                    const ProfileRefreshState& local) {
  if (!profile.Refreshable() || MarkedNeedsLogin(profile) || !profile.expires_ms) {
    return std::nullopt;
  }
  std::int64_t due = *profile.expires_ms - kRefreshAheadOfExpiry.count();
  // A failure recorded in the store, by this process or a peer: don't hammer the endpoint.
  if (auto backoff = BackoffOf(profile)) due = std::max(due, backoff->until_ms);
  if (local.seen_fingerprint == profile.secret.Fingerprint()) {
    if (local.retry_at_ms == kNever) return std::nullopt;
    due = std::max(due, local.retry_at_ms);
  }
  return due;
}

ProfileRefreshState AfterRefreshAttempt(ProfileRefreshState state, BackgroundRefreshResult result,
                                        std::int64_t now_ms) {
  switch (result) {
    case BackgroundRefreshResult::kOk:
    case BackgroundRefreshResult::kReusedPeer:
      state.failures = 0;
      state.retry_at_ms = now_ms + kMinRefreshInterval.count();
      break;
    case BackgroundRefreshResult::kInvalidGrant:
      state.failures = 0;
      state.retry_at_ms = kNever;  // only a new login (a new access token) helps
      break;
    case BackgroundRefreshResult::kFailed:
      state.failures = std::min(state.failures + 1, 64);
      state.retry_at_ms = now_ms + BackoffDelayMs(state.failures);
      break;
  }
  return state;
}

ProfileRefresher::ProfileRefresher(asio::any_io_executor control, observe::Metrics& metrics,
                                   const Clock& clock, Grant grant)
    : control_(std::move(control)),
      wake_(control_),
      metrics_(metrics),
      clock_(clock),
      grant_(std::move(grant)) {
  if (!grant_) grant_ = RefreshAccessToken;
}

ProfileRefresher::~ProfileRefresher() {
  Stop();
  blocking_.join();
}

void ProfileRefresher::Stop() {
  stopped_ = true;
  cancel_.store(true, std::memory_order_relaxed);
  targets_.clear();
  wake_.cancel();
}

RefreshOptions ProfileRefresher::BackgroundOptions() {
  RefreshOptions options;
  options.wait_limit = std::chrono::milliseconds(20'000);
  options.honour_backoff = true;
  return options;
}

void ProfileRefresher::Configure(std::string store_path,
                                 std::vector<ProfileRefreshTarget> targets) {
  if (stopped_) return;
  store_path_ = std::move(store_path);
  targets_.clear();
  for (auto& t : targets) {
    std::string id = t.profile.id;
    targets_.insert_or_assign(std::move(id), std::move(t));
  }
  // Forget the states of profiles that are gone, and of those whose token was replaced (a new
  // login, a peer's refresh): their schedule starts again from the store.
  for (auto it = states_.begin(); it != states_.end();) {
    auto t = targets_.find(it->first);
    if (t == targets_.end() ||
        t->second.profile.secret.Fingerprint() != it->second.seen_fingerprint)
      it = states_.erase(it);
    else
      ++it;
  }
  if (!running_ && !targets_.empty()) {
    running_ = true;
    asio::co_spawn(control_, Loop(), [&metrics = metrics_](std::exception_ptr e) {
      if (!e) return;
      spdlog::error("profile refresher stopped by an exception");
      metrics.CountEscapedException("profile_refresher");
    });
  }
  wake_.cancel();
}

std::optional<ProfileRefresher::Due> ProfileRefresher::Soonest() {
  std::optional<Due> soonest;
  for (const auto& [id, t] : targets_) {
    auto st = states_.find(id);
    const auto at = NextBackgroundRefreshMs(
        t.profile, st == states_.end() ? ProfileRefreshState{} : st->second);
    if (at && (!soonest || *at < soonest->at_ms)) soonest = Due{id, *at};
  }
  return soonest;
}

net::Task<void> ProfileRefresher::Loop() {
  while (!stopped_) {
    const std::int64_t now = clock_.NowMs();
    const auto due = Soonest();
    if (!due || due->at_ms > now) {
      // Nothing due: sleep until the soonest (or until Configure/Stop wakes us).
      if (due)
        wake_.expires_after(std::chrono::milliseconds(due->at_ms - now));
      else
        wake_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await wake_.async_wait(net::kUseTuple);
      continue;
    }
    co_await RunOne(due->id);
  }
  running_ = false;
}

net::Task<void> ProfileRefresher::RunOne(std::string id) {
  // A copy: Configure may replace targets_ while the fence runs.
  const ProfileRefreshTarget target = targets_.at(id);
  spdlog::info("refreshing profile {} in the background ({}), expires in {}s", id,
               target.profile.secret.Fingerprint(),
               (target.profile.expires_ms.value_or(0) - clock_.NowMs()) / 1000);
  // The fence blocks (file lock, peer wait, the grant): it runs on the blocking thread so the
  // control loop (signals, reloads) stays responsive; this coroutine resumes on the control loop.
  auto work = RefreshOnBlockingThread(store_path_, id, target, grant_, clock_, &cancel_);
  const Result<RefreshOutcome> outcome =
      co_await asio::co_spawn(blocking_, std::move(work), asio::use_awaitable);
  Record(target, outcome);
  if (on_change_ && !stopped_) on_change_();
}

void ProfileRefresher::Record(const ProfileRefreshTarget& target,
                              const Result<RefreshOutcome>& outcome) {
  const Profile& p = target.profile;
  const std::int64_t now = clock_.NowMs();
  const BackgroundRefreshResult result = ClassifyRefresh(outcome);
  metrics_.CountProfileRefresh(p.provider, BackgroundRefreshResultName(result));
  ProfileRefreshState& st = states_[p.id];
  if (st.seen_fingerprint != p.secret.Fingerprint()) st = ProfileRefreshState{};
  st.seen_fingerprint = p.secret.Fingerprint();
  st = AfterRefreshAttempt(std::move(st), result, now);
  if (outcome) {
    // Plan from the stored profile at once; the reload that follows brings the same.
    const Profile& fresh = outcome->profile;
    if (auto it = targets_.find(p.id); it != targets_.end()) it->second.profile = fresh;
    ProfileRefreshState next;
    next.seen_fingerprint = fresh.secret.Fingerprint();
    next.retry_at_ms = st.retry_at_ms;
    st = std::move(next);
    spdlog::info("profile {}: {} ({}), expires in {}s", p.id,
                 result == BackgroundRefreshResult::kOk ? "refreshed" : "reused a peer's refresh",
                 fresh.secret.Fingerprint(), (fresh.expires_ms.value_or(0) - now) / 1000);
    return;
  }
  const Error& e = outcome.error();
  if (result == BackgroundRefreshResult::kInvalidGrant) {
    spdlog::error(
        "profile {}: the refresh token was refused ({}); it needs `warden auth login "
        "--provider {}`",
        p.id, WireName(e.code), p.provider);
    return;
  }
  const std::int64_t left = p.expires_ms.value_or(0) - now;
  spdlog::warn(
      "profile {}: background refresh failed: {}; keeping the present token ({}); "
      "retry in {}s",
      p.id, e.ToString(), left > 0 ? "expires in " + std::to_string(left / 1000) + "s" : "expired",
      (st.retry_at_ms - now) / 1000);
}

}  // namespace warden::creds
