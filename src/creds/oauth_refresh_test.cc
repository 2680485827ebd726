#include "creds/oauth_refresh.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"

namespace warden::creds {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kStale = 60'000;

Profile OAuth(const std::string& access, const std::string& refresh) {
  Profile p;
  p.id = "codex:me";
  p.type = ProfileType::kOAuth;
  p.provider = "codex";
  p.secret = Secret(access);
  p.refresh = Secret(refresh);
  p.expires_ms = kNow + 1000;
  p.account_id = "acct-1";
  return p;
}

void Pending(Profile& p, const std::string& by, std::int64_t since) {
  p.extra[kRefreshPendingField] = json::object{{"by", by}, {"since", since}};
}

TEST(FenceStart, BeginsWhenNothingIsPending) {
  EXPECT_EQ(DecideRefreshStart(OAuth("A", "R"), Secret("A"), kNow, kStale, true),
            RefreshStart::kBegin);
}

TEST(FenceStart, ReusesWhenAPeerAlreadyRefreshed) {
  EXPECT_EQ(DecideRefreshStart(OAuth("A2", "R2"), Secret("A"), kNow, kStale, true),
            RefreshStart::kReuse);
}

TEST(FenceStart, WaitsOnAFreshRecordAndTakesOverAStaleOne) {
  Profile p = OAuth("A", "R");
  Pending(p, "peer:1:x", kNow - 1000);
  EXPECT_EQ(DecideRefreshStart(p, Secret("A"), kNow, kStale, true), RefreshStart::kWait);
  Pending(p, "peer:1:x", kNow - kStale);
  EXPECT_EQ(DecideRefreshStart(p, Secret("A"), kNow, kStale, true), RefreshStart::kTakeOver);
  // A record from a skewed future clock is fresh, not eternal.
  Pending(p, "peer:1:x", kNow + 10 * kStale);
  EXPECT_EQ(DecideRefreshStart(p, Secret("A"), kNow, kStale, true), RefreshStart::kWait);
  // Reuse wins over a record: the peer has already stored its token.
  EXPECT_EQ(DecideRefreshStart(p, Secret("old"), kNow, kStale, true), RefreshStart::kReuse);
}

TEST(FenceStart, NeedsLoginNotRefreshableAndBackoff) {
  Profile p = OAuth("A", "R");
  p.extra[kNeedsLoginField] = true;
  EXPECT_EQ(DecideRefreshStart(p, Secret("A"), kNow, kStale, true), RefreshStart::kNeedsLogin);
  EXPECT_EQ(DecideRefreshStart(OAuth("A", ""), Secret("A"), kNow, kStale, true),
            RefreshStart::kNotRefreshable);
  Profile b = OAuth("A", "R");
  b = ApplyRefreshFailure(b, Error::Make(ErrorCode::kOAuthError, "down"), kNow);
  EXPECT_EQ(DecideRefreshStart(b, Secret("A"), kNow + 1000, kStale, true),
            RefreshStart::kBackedOff);
  EXPECT_EQ(DecideRefreshStart(b, Secret("A"), kNow + 1000, kStale, false), RefreshStart::kBegin);
  EXPECT_EQ(DecideRefreshStart(b, Secret("A"), kNow + 30'000, kStale, true), RefreshStart::kBegin);
}

TEST(FenceCommit, OnlyTheRecordsOwnerCommitsAndNeverOverANewerCredential) {
  Profile p = OAuth("A", "R");
  Pending(p, "me:1:a", kNow);
  EXPECT_EQ(DecideRefreshCommit(p, "me:1:a", kNow), RefreshCommit::kCommit);
  EXPECT_EQ(DecideRefreshCommit(p, "other:2:b", kNow), RefreshCommit::kSuperseded);
  p.extra[kIssuedAtField] = kNow + 5;
  EXPECT_EQ(DecideRefreshCommit(p, "me:1:a", kNow), RefreshCommit::kSuperseded);
  EXPECT_EQ(DecideRefreshCommit(OAuth("A", "R"), "me:1:a", kNow), RefreshCommit::kSuperseded);
}

TEST(FenceApply, SuccessRotatesAndClearsTheBookkeeping) {
  Profile p = OAuth("A", "R");
  Pending(p, "me", kNow);
  p.extra["lastGood"] = "kept";
  OAuthTokens t;
  t.access = Secret("A2");
  t.refresh = Secret("R2");
  t.expires_in_s = 3600;
  t.account_id = "acct-1";
  auto next = ApplyRefreshSuccess(p, t, kNow);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->secret.Reveal(), "A2");
  EXPECT_EQ(next->refresh.Reveal(), "R2");
  EXPECT_EQ(next->expires_ms, kNow + 3'600'000);
  EXPECT_FALSE(PendingOf(*next));
  EXPECT_EQ(IssuedAtOf(*next), kNow);
  EXPECT_EQ(next->extra.at("lastGood"), "kept");
  t.account_id = "acct-2";
  auto other = ApplyRefreshSuccess(p, t, kNow);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kOAuthAccountMismatch);
  // The same account id but another subject (or no account id at all) is refused too.
  t.account_id = "acct-1";
  t.subject = "user-2";
  p.extra[kSubjectField] = "user-1";
  auto other_sub = ApplyRefreshSuccess(p, t, kNow);
  ASSERT_FALSE(other_sub);
  EXPECT_EQ(other_sub.error().code, ErrorCode::kOAuthAccountMismatch);
  t.subject = "user-1";
  auto same = ApplyRefreshSuccess(p, t, kNow);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->extra.at(kSubjectField), "user-1");
}

TEST(FenceApply, FailuresKeepTheToken) {
  Profile p = OAuth("A", "R");
  Pending(p, "me", kNow);
  Profile grant = ApplyRefreshFailure(p, Error::Make(ErrorCode::kOAuthInvalidGrant, "x"), kNow);
  EXPECT_TRUE(MarkedNeedsLogin(grant));
  EXPECT_TRUE(AssessProfile(grant, kNow).needs_login);
  EXPECT_EQ(grant.secret.Reveal(), "A");
  EXPECT_FALSE(PendingOf(grant));
  Profile down = ApplyRefreshFailure(p, Error::Make(ErrorCode::kOAuthError, "x"), kNow);
  ASSERT_TRUE(BackoffOf(down));
  EXPECT_EQ(BackoffOf(down)->failures, 1);
  EXPECT_EQ(BackoffOf(down)->until_ms, kNow + 30'000);
  EXPECT_EQ(BackoffOf(down)->error, "OAUTH_ERROR");
  Profile again = ApplyRefreshFailure(down, Error::Make(ErrorCode::kOAuthError, "x"), kNow);
  EXPECT_EQ(BackoffOf(again)->until_ms, kNow + 60'000);
  EXPECT_EQ(BackoffDelayMs(30), 600'000);
  EXPECT_EQ(down.secret.Reveal(), "A");
}

// The driver over a real store: threads refreshing at once spend the refresh token once.
class FenceStore : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Update([](ProfileDocument& d) -> Result<bool> {
      d.profiles["codex:me"] = OAuth("A", "R");
      return true;
    }));
  }
  test_util::TempDir dir_;
  ProfileStore store_{dir_.Join("auth-profiles.json")};
  SystemClock clock_;
};

TEST_F(FenceStore, ConcurrentRefreshesMakeOneGrant) {
  std::atomic<int> grants{0};
  RefreshGrant grant = [&](const Secret& refresh) -> Result<OAuthTokens> {
    EXPECT_EQ(refresh.Reveal(), "R");
    ++grants;
    std::this_thread::sleep_for(300ms);  // the endpoint is slow: peers arrive meanwhile
    OAuthTokens t;
    t.access = Secret("A2");
    t.refresh = Secret("R2");
    return t;
  };
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, here{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = RefreshProfile(store_, "codex:me", Secret("A"), grant, clock_);
      if (r && r->profile.secret.Reveal() == "A2") ++ok;
      if (r && r->refreshed_here) ++here;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(grants.load(), 1);
  EXPECT_EQ(here.load(), 1);
  EXPECT_EQ(ok.load(), 4);
  auto doc = store_.Load();
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->profiles.at("codex:me").refresh.Reveal(), "R2");
  EXPECT_FALSE(PendingOf(doc->profiles.at("codex:me")));
}

TEST_F(FenceStore, AStaleRecordIsTakenOverAndAFailureKeepsTheToken) {
  ASSERT_TRUE(store_.Update([](ProfileDocument& d) -> Result<bool> {
    Pending(d.profiles["codex:me"], "dead:1:x", 0);
    return true;
  }));
  RefreshGrant down = [](const Secret&) -> Result<OAuthTokens> {
    return Error::Make(ErrorCode::kOAuthError, "down");
  };
  auto r = RefreshProfile(store_, "codex:me", Secret("A"), down, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kOAuthError);
  auto doc = store_.Load();
  ASSERT_TRUE(doc);
  const Profile& p = doc->profiles.at("codex:me");
  EXPECT_EQ(p.secret.Reveal(), "A");
  EXPECT_FALSE(PendingOf(p));
  EXPECT_TRUE(BackoffOf(p));
}

TEST_F(FenceStore, AFreshPeerRecordIsWaitedOnWithinTheBound) {
  ASSERT_TRUE(store_.Update([&](ProfileDocument& d) -> Result<bool> {
    Pending(d.profiles["codex:me"], "peer:1:x", clock_.NowMs());
    return true;
  }));
  RefreshOptions options;
  options.wait_limit = 200ms;
  int grants = 0;
  RefreshGrant grant = [&](const Secret&) -> Result<OAuthTokens> {
    ++grants;
    return Error::Make(ErrorCode::kOAuthError, "unused");
  };
  auto r = RefreshProfile(store_, "codex:me", Secret("A"), grant, clock_, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kOAuthRefreshBusy);
  EXPECT_EQ(grants, 0);
}

TEST_F(FenceStore, ACancelledWaitEndsAtTheNextPollWithoutAGrant) {
  ASSERT_TRUE(store_.Update([&](ProfileDocument& d) -> Result<bool> {
    Pending(d.profiles["codex:me"], "peer:1:x", clock_.NowMs());
    return true;
  }));
  std::atomic<bool> cancel{true};  // a stopping gateway
  RefreshOptions options;          // wait_limit 90 s: only the cancel can end this wait early
  options.cancel = &cancel;
  int grants = 0;
  RefreshGrant grant = [&](const Secret&) -> Result<OAuthTokens> {
    ++grants;
    return Error::Make(ErrorCode::kOAuthError, "unused");
  };
  const auto start = std::chrono::steady_clock::now();
  auto r = RefreshProfile(store_, "codex:me", Secret("A"), grant, clock_, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kOAuthRefreshBusy);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("stopped"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(grants, 0);
  EXPECT_TRUE(PendingOf(store_.Load()->profiles.at("codex:me")));  // the peer's, untouched
}

}  // namespace
}  // namespace warden::creds
