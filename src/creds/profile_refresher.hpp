// ProfileRefresher: refreshes OAuth profiles of `auth-profiles.json` in the background while
// `warden serve` runs (README "Background refresh"; DESIGN §3 "Profiles").
//
// Mirrors FederatedRefresher: one loop on the control executor sleeps until the soonest profile
// is due, then runs RefreshProfile (creds/oauth_refresh.hpp: the cross-process fence, so several
// processes sharing one store make one grant) on its own blocking thread, so neither the control
// loop nor an event loop ever waits on a file lock or a token endpoint. A profile is due
// kRefreshAheadOfExpiry before its `expires` (the 5 minutes `status` calls "expiring" for a
// refreshable profile), never while marked needsLogin, not before the `refreshBackoff` a failed
// refresh recorded in the store (by this process or a peer) ends, and not before this process's
// own backoff: after a failure the BackoffDelayMs schedule of the fence (30 s doubling to 10 min);
// after a success or a reuse, kMinRefreshInterval (so a token endpoint that issues tokens shorter
// than the lead time cannot make the loop spin); after invalid_grant, never again for that access
// token (a new login replaces it and resets the schedule).
// Every attempt is counted in warden_profile_refreshes_total{provider,result} (ok | reused_peer |
// invalid_grant | failed) and logged with the profile id and fingerprint, never a value. After
// each attempt `on_change` runs on the control executor: the store may have changed (new token,
// needsLogin, backoff) and the snapshot must follow it.
// The schedule decisions are pure functions of the profile, this process's state and a time, so
// they are tested with a FakeClock; the loop's timers measure with steady_clock.
// Ownership: borrows `metrics` and `clock`, which must outlive the refresher; owns its thread.
// Thread safety: Configure/SetOnChange/Stop and the loop run on the control executor; the
// blocking thread sees only copies (and the cancel flag). Stop() ends a wait on a peer's record
// at its next poll; a grant already sent is finished and committed (the provider has rotated the
// refresh token: dropping its answer would log the profile out), so the destructor, which joins
// the thread, waits at most for the grant's timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "creds/oauth_client.hpp"
#include "creds/oauth_refresh.hpp"
#include "creds/profile_document.hpp"
#include "http/net.hpp"
#include "observe/metrics.hpp"

namespace warden::creds {

// How long before `expires` a profile is refreshed (the "expiring" margin of a refreshable one).
inline constexpr std::chrono::milliseconds kRefreshAheadOfExpiry{kRefreshableExpiringWithinMs};
// The least time between two background refreshes of one profile that succeeded.
inline constexpr std::chrono::milliseconds kMinRefreshInterval{30'000};

// This process's memory of one profile's background refreshes.
struct ProfileRefreshState {
  std::string seen_fingerprint;  // the access token the state is about; another one resets it
  int failures = 0;              // consecutive failed attempts
  std::int64_t retry_at_ms = 0;  // not before this (0: no local backoff)
};

enum class BackgroundRefreshResult { kOk, kReusedPeer, kInvalidGrant, kFailed };
// "ok" | "reused_peer" | "invalid_grant" | "failed": the metric's result label.
std::string_view BackgroundRefreshResultName(BackgroundRefreshResult result);
BackgroundRefreshResult ClassifyRefresh(const Result<RefreshOutcome>& outcome);

// When `profile` is next due (ms since the epoch; due now when at or before now), or nullopt
// when the background never refreshes it: not a refreshable OAuth profile, marked needsLogin,
// or no `expires`. `local` applies only when it is about the profile's present access token.
std::optional<std::int64_t> NextBackgroundRefreshMs(const Profile& profile,
                                                    const ProfileRefreshState& local);

// `state` after an attempt that ended with `result` at `now_ms` (see the header comment).
ProfileRefreshState AfterRefreshAttempt(ProfileRefreshState state, BackgroundRefreshResult result,
                                        std::int64_t now_ms);

// A profile the background may refresh and the token endpoint of its provider.
struct ProfileRefreshTarget {
  Profile profile;  // as last read from the store
  OAuthSettings settings;
};

class ProfileRefresher {
 public:
  // The refresh grant (tests pass a fake); default RefreshAccessToken.
  using Grant = std::function<Result<OAuthTokens>(const OAuthSettings&, const Secret& refresh)>;

  ProfileRefresher(net::asio::any_io_executor control, observe::Metrics& metrics,
                   const Clock& clock, Grant grant = {});
  ~ProfileRefresher();
  ProfileRefresher(const ProfileRefresher&) = delete;
  ProfileRefresher& operator=(const ProfileRefresher&) = delete;

  // Replaces the profiles to watch (after every snapshot build); `store_path` is
  // auth-profiles.json. Starts the loop on first use and wakes it to re-plan.
  void Configure(std::string store_path, std::vector<ProfileRefreshTarget> targets);
  // Runs on the control executor after each attempt (the store may have changed).
  void SetOnChange(std::function<void()> on_change) { on_change_ = std::move(on_change); }
  void Stop();

  // Bounds for a background attempt (a peer's pending record is waited on for less than an
  // operator's `auth refresh` would: the loop retries anyway).
  static RefreshOptions BackgroundOptions();

 private:
  struct Due {
    std::string id;
    std::int64_t at_ms = 0;
  };
  std::optional<Due> Soonest();
  net::Task<void> Loop();
  net::Task<void> RunOne(std::string id);
  void Record(const ProfileRefreshTarget& target, const Result<RefreshOutcome>& outcome);

  net::asio::any_io_executor control_;
  // Set by Stop(); read by the blocking thread (RefreshOptions::cancel) to stop waiting on a peer.
  std::atomic<bool> cancel_{false};
  net::asio::thread_pool blocking_{1};
  net::asio::steady_timer wake_;  // cancelled to re-plan (Configure, Stop)
  observe::Metrics& metrics_;
  const Clock& clock_;
  Grant grant_;
  std::function<void()> on_change_;
  std::string store_path_;
  std::map<std::string, ProfileRefreshTarget> targets_;  // by profile id
  std::map<std::string, ProfileRefreshState> states_;    // by profile id
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace warden::creds
