#include "creds/profile_refresher.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "base/test_util.hpp"
#include "creds/profile_store.hpp"

namespace warden::creds {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kMin = 60'000;

Profile OAuth(std::int64_t expires_ms, const std::string& access = "at-1",
              const std::string& refresh = "rt-1") {
  Profile p;
  p.id = "codex:me";
  p.type = ProfileType::kOAuth;
  p.provider = "codex";
  p.secret = Secret(access);
  p.refresh = Secret(refresh);
  p.expires_ms = expires_ms;
  return p;
}

// ---- the schedule (pure; a FakeClock supplies "now") ----

TEST(BackgroundRefreshSchedule, DueFiveMinutesBeforeExpiry) {
  FakeClock clock(kNow);
  const Profile p = OAuth(kNow + 60 * kMin);
  const auto due = NextBackgroundRefreshMs(p, {});
  ASSERT_TRUE(due);
  EXPECT_EQ(*due, kNow + 55 * kMin);
  EXPECT_GT(*due, clock.NowMs());
  clock.Advance(55min - 1ms);
  EXPECT_GT(*due, clock.NowMs());  // not yet
  clock.Advance(1ms);
  EXPECT_LE(*due, clock.NowMs());  // due
  // Already inside the window, or expired while warden was down: due at once.
  EXPECT_LE(*NextBackgroundRefreshMs(OAuth(kNow + 60'000), {}), kNow);
  EXPECT_LE(*NextBackgroundRefreshMs(OAuth(kNow - 60'000), {}), kNow);
}

TEST(BackgroundRefreshSchedule, NeverForWhatCannotOrMustNotRefresh) {
  EXPECT_FALSE(NextBackgroundRefreshMs(OAuth(kNow, "at-1", ""), {}));  // no refresh token
  Profile token = OAuth(kNow);
  token.type = ProfileType::kToken;
  EXPECT_FALSE(NextBackgroundRefreshMs(token, {}));
  Profile marked = OAuth(kNow);
  marked.extra[kNeedsLoginField] = true;
  EXPECT_FALSE(NextBackgroundRefreshMs(marked, {}));
  Profile no_expiry = OAuth(kNow);
  no_expiry.expires_ms.reset();
  EXPECT_FALSE(NextBackgroundRefreshMs(no_expiry, {}));
}

TEST(BackgroundRefreshSchedule, HonoursTheBackoffRecordedInTheStore) {
  // A peer (or this process) failed: the store says when to try again.
  Profile p =
      ApplyRefreshFailure(OAuth(kNow + 60'000), Error::Make(ErrorCode::kOAuthError, "down"), kNow);
  EXPECT_EQ(*NextBackgroundRefreshMs(p, {}), kNow + 30'000);
  p = ApplyRefreshFailure(p, Error::Make(ErrorCode::kOAuthError, "down"), kNow + 30'000);
  EXPECT_EQ(*NextBackgroundRefreshMs(p, {}), kNow + 30'000 + 60'000);
}

TEST(BackgroundRefreshSchedule, LocalBackoffIsBoundedExponentialAndTiedToTheToken) {
  FakeClock clock(kNow);
  const Profile p = OAuth(kNow + 60'000);
  ProfileRefreshState st;
  st.seen_fingerprint = p.secret.Fingerprint();
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 8; ++i) {
    st = AfterRefreshAttempt(st, BackgroundRefreshResult::kFailed, clock.NowMs());
    delays.push_back(*NextBackgroundRefreshMs(p, st) - clock.NowMs());
  }
  EXPECT_EQ(delays, (std::vector<std::int64_t>{30'000, 60'000, 120'000, 240'000, 480'000, 600'000,
                                               600'000, 600'000}));
  // A new access token (a login, a peer's refresh) is not held back by the old one's failures.
  const Profile replaced = OAuth(kNow + 60'000, "at-2");
  EXPECT_LE(*NextBackgroundRefreshMs(replaced, st), kNow);
  // Success resets the failures; a token shorter than the lead time waits the minimum interval.
  st = AfterRefreshAttempt(st, BackgroundRefreshResult::kOk, clock.NowMs());
  EXPECT_EQ(st.failures, 0);
  EXPECT_EQ(*NextBackgroundRefreshMs(p, st), kNow + kMinRefreshInterval.count());
}

TEST(BackgroundRefreshSchedule, InvalidGrantStopsUntilANewLogin) {
  const Profile p = OAuth(kNow + 60'000);
  ProfileRefreshState st;
  st.seen_fingerprint = p.secret.Fingerprint();
  st = AfterRefreshAttempt(st, BackgroundRefreshResult::kInvalidGrant, kNow);
  EXPECT_FALSE(NextBackgroundRefreshMs(p, st));
  EXPECT_TRUE(NextBackgroundRefreshMs(OAuth(kNow + 60'000, "at-new-login"), st));
}

TEST(BackgroundRefreshSchedule, ClassifiesOutcomesForTheMetric) {
  RefreshOutcome here{true, OAuth(kNow)};
  RefreshOutcome peer{false, OAuth(kNow)};
  EXPECT_EQ(ClassifyRefresh(here), BackgroundRefreshResult::kOk);
  EXPECT_EQ(ClassifyRefresh(peer), BackgroundRefreshResult::kReusedPeer);
  EXPECT_EQ(ClassifyRefresh(Error::Make(ErrorCode::kOAuthInvalidGrant, "x")),
            BackgroundRefreshResult::kInvalidGrant);
  EXPECT_EQ(ClassifyRefresh(Error::Make(ErrorCode::kOAuthError, "x")),
            BackgroundRefreshResult::kFailed);
  EXPECT_EQ(ClassifyRefresh(Error::Make(ErrorCode::kOAuthRefreshBusy, "x")),
            BackgroundRefreshResult::kFailed);
  EXPECT_EQ(BackgroundRefreshResultName(BackgroundRefreshResult::kReusedPeer), "reused_peer");
  EXPECT_EQ(BackgroundRefreshResultName(BackgroundRefreshResult::kInvalidGrant), "invalid_grant");
}

// ---- the refresher over a real store file, a fake grant and a FakeClock ----

class ProfileRefresherTest : public ::testing::Test {
 protected:
  void Plant(const Profile& p) {
    auto done = store_.Update([&](ProfileDocument& d) -> Result<bool> {
      d.profiles[p.id] = p;
      return true;
    });
    ASSERT_TRUE(done) << done.error().ToString();
  }
  Profile Stored() { return store_.Load()->profiles.at("codex:me"); }

  // Configures `targets`, runs the control loop until the first attempt is recorded.
  void RunOneAttempt(ProfileRefresher& refresher, const Profile& p) {
    refresher.SetOnChange([&] {
      // Back on the control loop (this thread) to record the outcome and ask for the rebuild.
      EXPECT_EQ(std::this_thread::get_id(), test_thread_);
      ++changes_;
      io_.stop();
    });
    refresher.Configure(store_.path(), {ProfileRefreshTarget{p, OAuthSettings{}}});
    io_.run_for(10s);
    io_.restart();
  }

  test_util::TempDir dir_;
  ProfileStore store_{dir_.Join("auth-profiles.json")};
  net::asio::io_context io_;
  observe::Metrics metrics_;
  FakeClock clock_{kNow};
  std::atomic<int> grants_{0};
  std::thread::id grant_thread_;
  const std::thread::id test_thread_ = std::this_thread::get_id();
  int changes_ = 0;
};

TEST_F(ProfileRefresherTest, RefreshesADueProfileOnceAndCountsIt) {
  const Profile p = OAuth(kNow + 60'000);
  Plant(p);
  ProfileRefresher refresher(io_.get_executor(), metrics_, clock_,
                             [&](const OAuthSettings&, const Secret& refresh) {
                               ++grants_;
                               grant_thread_ = std::this_thread::get_id();
                               EXPECT_EQ(refresh.Reveal(), "rt-1");
                               OAuthTokens t;
                               t.access = Secret("at-2");
                               t.refresh = Secret("rt-2");
                               t.expires_in_s = 3600;
                               return Result<OAuthTokens>(t);
                             });
  RunOneAttempt(refresher, p);
  EXPECT_EQ(changes_, 1);
  EXPECT_EQ(grants_.load(), 1);
  // The grant ran on the refresher's own thread, not on the control loop (this thread).
  EXPECT_NE(grant_thread_, std::this_thread::get_id());
  const Profile stored = Stored();
  EXPECT_EQ(stored.secret.Reveal(), "at-2");
  EXPECT_EQ(stored.refresh.Reveal(), "rt-2");
  EXPECT_EQ(*stored.expires_ms, kNow + 3600'000);
  EXPECT_NE(
      metrics_.Render().find(R"(warden_profile_refreshes_total{provider="codex",result="ok"} 1)"),
      std::string::npos);
}

TEST_F(ProfileRefresherTest, AFailingEndpointKeepsTheTokenAndBacksOff) {
  const Profile p = OAuth(kNow + 60'000);
  Plant(p);
  ProfileRefresher refresher(
      io_.get_executor(), metrics_, clock_, [&](const OAuthSettings&, const Secret&) {
        ++grants_;
        return Result<OAuthTokens>(Error::Make(ErrorCode::kOAuthError, "down"));
      });
  RunOneAttempt(refresher, p);
  EXPECT_EQ(grants_.load(), 1);
  const Profile stored = Stored();
  EXPECT_EQ(stored.secret.Reveal(), "at-1");
  ASSERT_TRUE(BackoffOf(stored));
  EXPECT_EQ(BackoffOf(stored)->until_ms, kNow + 30'000);
  // The next attempt waits for the backoff, even on the stale view of the profile.
  EXPECT_GE(*NextBackgroundRefreshMs(stored, {}), kNow + 30'000);
  EXPECT_NE(metrics_.Render().find(
                R"(warden_profile_refreshes_total{provider="codex",result="failed"} 1)"),
            std::string::npos);
}

TEST_F(ProfileRefresherTest, InvalidGrantMarksNeedsLogin) {
  const Profile p = OAuth(kNow + 60'000);
  Plant(p);
  ProfileRefresher refresher(
      io_.get_executor(), metrics_, clock_, [&](const OAuthSettings&, const Secret&) {
        ++grants_;
        return Result<OAuthTokens>(Error::Make(ErrorCode::kOAuthInvalidGrant, "spent"));
      });
  RunOneAttempt(refresher, p);
  EXPECT_TRUE(MarkedNeedsLogin(Stored()));
  EXPECT_EQ(Stored().secret.Reveal(), "at-1");
  EXPECT_NE(metrics_.Render().find(
                R"(warden_profile_refreshes_total{provider="codex",result="invalid_grant"} 1)"),
            std::string::npos);
}

TEST_F(ProfileRefresherTest, NothingDueMeansNoGrant) {
  const Profile p = OAuth(kNow + 3600'000);  // 55 min before it is due
  Plant(p);
  ProfileRefresher refresher(io_.get_executor(), metrics_, clock_,
                             [&](const OAuthSettings&, const Secret&) {
                               ++grants_;
                               return Result<OAuthTokens>(Error::Make(ErrorCode::kOAuthError, "x"));
                             });
  refresher.Configure(store_.path(), {ProfileRefreshTarget{p, OAuthSettings{}}});
  io_.run_for(200ms);  // the loop plans and sleeps; nothing may happen in the meantime
  EXPECT_EQ(grants_.load(), 0);
  refresher.Stop();
  io_.run_for(1s);  // Stop wakes the loop, which ends
  EXPECT_TRUE(io_.stopped());
}

}  // namespace
}  // namespace warden::creds
