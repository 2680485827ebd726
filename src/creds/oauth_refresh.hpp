// Refreshing an OAuth profile exactly once across processes: the fence (README, "Refresh";
// DESIGN §3 "Profiles"). Every `warden` process of a home (servers, CLI verbs) shares
// auth-profiles.json; a refresh token spent twice is answered invalid_grant and logs the user
// out, so a lock around the network call is not enough (a process may die holding it, and the
// call may take seconds). Instead:
//   1. under the store lock, re-read: if the access token is no longer the one this process
//      wanted to refresh, a peer did it — reuse. If a fresh `refreshPending` record is there, a
//      peer is at it — release and wait (poll the file with backoff, bounded), then decide
//      again. Else (or when the record is older than `stale_after`: its owner died) write
//      `"refreshPending":{"by":"host:pid:random","since":ms}` into the profile and release.
//   2. POST grant_type=refresh_token outside the lock.
//   3. re-lock, re-read: commit only if the pending record is still ours and the stored
//      credential was not issued after this refresh began (an older result never overwrites a
//      newer credential); else discard the result and use the store's. A response naming another
//      account than the profile's is refused. The new refresh token and access token are written
//      together, in one atomic write, before this function returns the access token: a rotated
//      refresh token is on disk before the new access token is used.
// Failures: invalid_grant marks the profile "needsLogin" (kept, shown by `auth list`/`status`);
// an endpoint that is down or answers garbage keeps the present token and records
// `"refreshBackoff":{"failures":n,"until":ms,"error":CODE}` (30 s doubling to 10 min).
// `issuedAt` (ms) records when warden stored the present access token.
// The decisions are pure functions over a profile (unit-tested); RefreshProfile drives them
// over a ProfileStore and a grant function (tests pass a fake; the CLI and, later, the serve
// control plane pass RefreshAccessToken).
// Ownership: plain values; the grant function is borrowed for the call.
// Thread safety: RefreshProfile blocks (file lock waits, polling, the grant); call it from a
// CLI verb or a control-plane thread, never an event loop. Pure functions are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "creds/oauth_tokens.hpp"
#include "creds/profile_document.hpp"
#include "creds/profile_store.hpp"

namespace warden::creds {

inline constexpr const char* kRefreshPendingField = "refreshPending";
inline constexpr const char* kRefreshBackoffField = "refreshBackoff";
inline constexpr const char* kIssuedAtField = "issuedAt";

struct RefreshPending {
  std::string by;  // "host:pid:random"
  std::int64_t since_ms = 0;
};
std::optional<RefreshPending> PendingOf(const Profile& profile);

struct RefreshBackoff {
  int failures = 0;
  std::int64_t until_ms = 0;
  std::string error;  // the error code of the last failure
};
std::optional<RefreshBackoff> BackoffOf(const Profile& profile);
// 30 s after the first failure, doubling, at most 10 min.
std::int64_t BackoffDelayMs(int failures);

std::optional<std::int64_t> IssuedAtOf(const Profile& profile);

// "host:pid:random": who a pending record belongs to.
std::string NewRefreshOwner();

// Step 1, under the lock.
enum class RefreshStart {
  kNotRefreshable,  // not oauth, or no refresh token
  kNeedsLogin,      // marked needsLogin: only a login helps
  kReuse,           // the access token differs from the one seen: a peer refreshed
  kWait,            // a peer's fresh pending record
  kBackedOff,       // recent failures; wait until the backoff ends (when honoured)
  kBegin,           // write our pending record
  kTakeOver,        // a stale pending record (its owner died): replace it with ours
};
RefreshStart DecideRefreshStart(const Profile& current, const Secret& seen_access,
                                std::int64_t now_ms, std::int64_t stale_after_ms,
                                bool honour_backoff);
std::string_view RefreshStartName(RefreshStart start);

// Step 3, under the lock.
enum class RefreshCommit {
  kCommit,      // our pending record is there and nothing newer was stored
  kSuperseded,  // our record is gone (taken over) or a newer credential is stored: use it
};
RefreshCommit DecideRefreshCommit(const Profile& current, std::string_view owner,
                                  std::int64_t started_ms);

// The profile after a successful refresh at `now_ms`: the new tokens (the refresh token kept
// when none was sent), issuedAt, pending/backoff/needsLogin cleared. OAUTH_ACCOUNT_MISMATCH
// when the response names an account (accountId) or subject (`sub`) other than the profile's.
[[nodiscard]] Result<Profile> ApplyRefreshSuccess(const Profile& current, const OAuthTokens& tokens,
                                                  std::int64_t now_ms);
// The profile after a failed refresh: pending cleared; invalid_grant → needsLogin; anything
// else → backoff recorded. The token is kept either way.
Profile ApplyRefreshFailure(const Profile& current, const Error& error, std::int64_t now_ms);

struct RefreshOptions {
  std::chrono::milliseconds stale_after{60'000};  // a pending record older than this is taken over
  std::chrono::milliseconds wait_limit{90'000};   // how long to wait on a peer's record in all
  std::chrono::milliseconds poll_first{50};       // polling the file: first interval, doubling
  std::chrono::milliseconds poll_max{1'000};      // up to this
  bool honour_backoff = true;  // false for an operator's explicit `warden auth refresh`
  // When set and true, waiting on a peer's record ends at the next poll (OAUTH_REFRESH_BUSY):
  // a stopping gateway has spent nothing yet and need not wait. A grant once begun is finished.
  const std::atomic<bool>* cancel = nullptr;
};

struct RefreshOutcome {
  bool refreshed_here = false;  // false: a peer's refresh was reused
  Profile profile;              // as stored now
};

using RefreshGrant = std::function<Result<OAuthTokens>(const Secret& refresh_token)>;

// Refreshes profile `id` (seen with `seen_access`) through the fence. Errors: PROFILE_NOT_FOUND,
// PROFILE_INVALID (not refreshable), OAUTH_INVALID_GRANT (also when already marked needsLogin),
// OAUTH_ERROR (endpoint down or garbage: the token is kept), OAUTH_ACCOUNT_MISMATCH,
// OAUTH_REFRESH_BUSY (a peer's record outlived wait_limit, or backoff in force), and the
// store's own errors.
[[nodiscard]] Result<RefreshOutcome> RefreshProfile(const ProfileStore& store,
                                                    const std::string& id,
                                                    const Secret& seen_access,
                                                    const RefreshGrant& grant, const Clock& clock,
                                                    const RefreshOptions& options = {});

}  // namespace warden::creds
