#include "creds/profile_pool.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/clock.hpp"

namespace warden::creds {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr std::int64_t kHour = 3600 * 1000;

Profile Make(std::string id, ProfileType type, std::string value,
             std::optional<std::int64_t> expires = std::nullopt) {
  Profile p;
  p.id = std::move(id);
  p.provider = p.id.substr(0, p.id.find(':'));
  p.type = type;
  p.secret = Secret(std::move(value));
  p.expires_ms = expires;
  return p;
}

ProfileDocument Document(std::vector<Profile> profiles) {
  ProfileDocument d;
  for (Profile& p : profiles) d.profiles.emplace(p.id, std::move(p));
  return d;
}

std::vector<std::string> Ids(const ProfilePool& pool) {
  std::vector<std::string> ids;
  for (const PooledProfile& p : pool.profiles()) ids.push_back(p.id);
  return ids;
}

// The ids `n` unpinned requests get in turn, each marked used at the clock's time.
std::vector<std::string> Picks(const ProfilePool& pool, FakeClock& clock, int n,
                               const std::vector<std::string>* allowed = nullptr) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    clock.Advance(std::chrono::milliseconds(1));
    const PooledProfile* p = pool.Pick(clock.NowMs(), {}, allowed);
    out.push_back(p != nullptr ? p->id : "-");
    if (p != nullptr) ProfilePool::MarkUsed(*p, clock.NowMs());
  }
  return out;
}

TEST(BuildProfilePool, TakesOnlyTheProvidersProfilesOAuthThenTokenThenApiKey) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  ProfileDocument d =
      Document({Make("openai:a-key", ProfileType::kApiKey, "sk-a"),
                Make("openai:b-token", ProfileType::kToken, "tok-b"),
                Make("openai:c-oauth", ProfileType::kOAuth, "acc-c", kStart + kHour),
                Make("anthropic:x", ProfileType::kToken, "tok-x")});
  ProfilePool pool = BuildProfilePool(d, "openai", states, notes);
  EXPECT_THAT(Ids(pool), ElementsAre("openai:c-oauth", "openai:b-token", "openai:a-key"));
  EXPECT_FALSE(pool.explicit_order());
  EXPECT_EQ(pool.profiles()[0].name, "c-oauth");
  EXPECT_EQ(pool.profiles()[0].key.value.Reveal(), "acc-c");
  EXPECT_EQ(pool.profiles()[0].key.source, "auth-profiles.json openai:c-oauth");
  EXPECT_TRUE(notes.empty());
}

TEST(BuildProfilePool, TheStoresOrderIsKeptAndIdsLeftOutAreOnlyForPins) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  ProfileDocument d = Document({Make("openai:a", ProfileType::kApiKey, "sk-a"),
                                Make("openai:b", ProfileType::kOAuth, "acc-b", kStart + kHour),
                                Make("openai:c", ProfileType::kToken, "tok-c")});
  d.order["openai"] = {"openai:a", "openai:gone", "openai:c"};
  ProfilePool pool = BuildProfilePool(d, "openai", states, notes);
  EXPECT_THAT(Ids(pool), ElementsAre("openai:a", "openai:c", "openai:b"));
  EXPECT_TRUE(pool.explicit_order());
  EXPECT_FALSE(pool.Find("b")->in_order);  // pinnable, never picked unpinned
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_THAT(notes[0], HasSubstr("order.openai names openai:gone"));
  FakeClock clock(kStart);
  // Explicit order: always the first usable one (no rotation by use).
  EXPECT_THAT(Picks(pool, clock, 3), ElementsAre("openai:a", "openai:a", "openai:a"));
  KeyPool::MarkRateLimited(pool.Find("a")->key, clock.NowMs(), 60'000);
  KeyPool::MarkRateLimited(pool.Find("c")->key, clock.NowMs(), 60'000);
  EXPECT_THAT(Picks(pool, clock, 1), ElementsAre("-"));
}

TEST(ProfilePool, LeastRecentlyUsedFirstWithinTheBestType) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  ProfilePool pool = BuildProfilePool(Document({Make("openai:k", ProfileType::kApiKey, "sk-k"),
                                                Make("openai:t1", ProfileType::kToken, "tok-1"),
                                                Make("openai:t2", ProfileType::kToken, "tok-2")}),
                                      "openai", states, notes);
  FakeClock clock(kStart);
  EXPECT_THAT(Picks(pool, clock, 4),
              ElementsAre("openai:t1", "openai:t2", "openai:t1", "openai:t2"));
}

TEST(ProfilePool, ExpiredSkippedCoolingLastThenBackAfterTheCooldown) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  FakeClock clock(kStart);
  ProfilePool pool =
      BuildProfilePool(Document({Make("openai:old", ProfileType::kOAuth, "acc-old", kStart + 10),
                                 Make("openai:tok", ProfileType::kToken, "tok", kStart + 2 * kHour),
                                 Make("openai:key", ProfileType::kApiKey, "sk-key")}),
                       "openai", states, notes);
  clock.Advance(std::chrono::milliseconds(100));  // openai:old has expired
  EXPECT_THAT(Picks(pool, clock, 1), ElementsAre("openai:tok"));
  const PooledProfile* tok = pool.Find("tok");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(KeyPool::MarkRateLimited(tok->key, clock.NowMs(), 60'000), 60'000);
  EXPECT_THAT(Picks(pool, clock, 2), ElementsAre("openai:key", "openai:key"));
  ProfileCounts c = pool.Counts(clock.NowMs());
  EXPECT_EQ(c.total, 3u);
  EXPECT_EQ(c.usable, 1u);
  EXPECT_EQ(c.cooling, 1u);
  EXPECT_EQ(c.expired, 1u);
  EXPECT_TRUE(pool.AnyRateLimited(clock.NowMs(), nullptr));
  clock.Advance(std::chrono::milliseconds(61'000));
  EXPECT_THAT(Picks(pool, clock, 1), ElementsAre("openai:tok"));
  // A token past its expiry is never picked, even when nothing else is left.
  clock.Set(kStart + 2 * kHour);
  KeyPool::MarkAuthFailed(pool.Find("key")->key, clock.NowMs());
  EXPECT_THAT(Picks(pool, clock, 1), ElementsAre("-"));
}

TEST(ProfilePool, TriedAndDisallowedProfilesAreSkipped) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  ProfilePool pool = BuildProfilePool(Document({Make("openai:work", ProfileType::kToken, "t-w"),
                                                Make("openai:home", ProfileType::kToken, "t-h")}),
                                      "openai", states, notes);
  const PooledProfile* home = pool.Find("home");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(pool.Pick(kStart, {&home->key}, nullptr), pool.Find("work"));
  const std::vector<std::string> only_home = {"openai:h*"};
  EXPECT_EQ(pool.Pick(kStart, {}, &only_home), home);
  EXPECT_EQ(pool.Pick(kStart, {&home->key}, &only_home), nullptr);
  const std::vector<std::string> none;
  EXPECT_FALSE(pool.MsUntilSoonestRecovery(kStart, &none).has_value());  // no glob matches
  EXPECT_EQ(pool.MsUntilSoonestRecovery(kStart, &only_home), 0);
  EXPECT_EQ(pool.Find("nope"), nullptr);
}

TEST(ProfilePool, CooldownStateSurvivesARebuildAndANewValueStartsClean) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  ProfileDocument d = Document({Make("openai:work", ProfileType::kToken, "t-1")});
  ProfilePool first = BuildProfilePool(d, "openai", states, notes);
  KeyPool::MarkRateLimited(first.profiles()[0].key, kStart, 30'000);
  ProfilePool again = BuildProfilePool(d, "openai", states, notes);  // a reload
  EXPECT_EQ(again.Pick(kStart + 1, {}, nullptr), nullptr);
  d.profiles.at("openai:work").secret = Secret("t-2");  // paste-token replaced it
  ProfilePool replaced = BuildProfilePool(d, "openai", states, notes);
  EXPECT_NE(replaced.Pick(kStart + 1, {}, nullptr), nullptr);
}

TEST(ProfilePool, CountsProfilesThatNeedALoginAsStatusDoes) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  FakeClock clock(kStart);
  Profile marked = Make("codex:marked", ProfileType::kOAuth, "at-m", kStart + kHour);
  marked.refresh = Secret("rt-m");
  marked.extra[kNeedsLoginField] = true;  // the refresh token was refused; the token still works
  Profile renewable = Make("codex:renewable", ProfileType::kOAuth, "at-r", kStart - 1);
  renewable.refresh = Secret("rt-r");  // expired, but the background refresh can renew it
  Profile dead = Make("codex:dead", ProfileType::kOAuth, "at-d", kStart - 1);  // no refresh token
  Profile token = Make("codex:token", ProfileType::kToken, "tok", kStart + kHour);
  ProfileDocument d = Document({marked, renewable, dead, token});
  const ProfilePool pool = BuildProfilePool(d, "codex", states, notes);
  ProfileCounts c = pool.Counts(clock.NowMs());
  EXPECT_EQ(c.total, 4u);
  EXPECT_EQ(c.usable, 2u);
  EXPECT_EQ(c.expired, 2u);
  EXPECT_EQ(c.needs_login, 2u);  // marked and dead
  for (const Profile& p : {marked, renewable, dead, token}) {
    EXPECT_EQ(pool.Find(SplitProfileId(p.id)->name)->NeedsLoginAt(clock.NowMs()),
              AssessProfile(p, clock.NowMs()).needs_login)
        << p.id;
  }
  clock.Advance(std::chrono::milliseconds(kHour));  // the token expires: it cannot refresh
  EXPECT_EQ(pool.Counts(clock.NowMs()).needs_login, 3u);
}

TEST(BuildProfilePool, AValueThatIsNotAHeaderValueIsSkipped) {
  CredentialStateRegistry states;
  std::vector<std::string> notes;
  ProfilePool pool =
      BuildProfilePool(Document({Make("openai:bad", ProfileType::kToken, "tok\r\nx-evil: 1")}),
                       "openai", states, notes);
  EXPECT_TRUE(pool.empty());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_THAT(notes[0], HasSubstr("profile openai:bad skipped"));
  EXPECT_EQ(notes[0].find("evil"), std::string::npos);
}

}  // namespace
}  // namespace warden::creds
