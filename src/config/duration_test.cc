#include "config/duration.hpp"

#include <string_view>

#include <gtest/gtest.h>

namespace warden::config {
namespace {

struct ValidCase {
  std::string_view text;
  long long millis;
};

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  const ValidCase kCases[] = {
      {"0", 0},
      {"0s", 0},
      {"250ms", 250},
      {"30s", 30'000},
      {"5m", 300'000},
      {"24h", 86'400'000},
      {"1h30m", 5'400'000},
      {"1m30s", 90'000},
      {"1h2m3s4ms", 3'723'004},
      {"1.5s", 1'500},
      {"1.5h", 5'400'000},
      {"0.25s", 250},
      {".5s", 500},
      {"100000h", 360'000'000'000},
  };
  for (const ValidCase& c : kCases) {
    Result<Duration> d = ParseDuration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error().ToString();
    EXPECT_EQ(d->count(), c.millis) << c.text;
  }
}

TEST(ParseDuration, RefusesGarbageWithConfigInvalid) {
  const std::string_view kCases[] = {
      "",
      "-5s",
      "-0s",
      "30",
      "5x",
      "s",
      "ms",
      "1.s",
      "1m1h",
      "1s1s",
      "5 s",
      " 5s",
      "5s ",
      "5S",
      "1d",
      "1.0005s",
      "1e3s",
      "99999999999999999999s",
      "9223372036854775807h",
      "1h-5m",
      "+5s",
      "5sec",
  };
  for (std::string_view text : kCases) {
    Result<Duration> d = ParseDuration(text);
    ASSERT_FALSE(d.has_value()) << "accepted \"" << text << "\" as " << d->count() << "ms";
    EXPECT_EQ(d.error().code, ErrorCode::kConfigInvalid) << text;
  }
}

TEST(ParseDuration, NegativeSaysNegative) {
  Result<Duration> d = ParseDuration("-5s");
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find("negative"), std::string::npos) << d.error().message;
}

TEST(ParseDuration, BareNumberSaysMissingUnit) {
  Result<Duration> d = ParseDuration("30");
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find("missing unit"), std::string::npos) << d.error().message;
}

TEST(FormatDuration, PrintsLargestUnitsFirst) {
  const ValidCase kCases[] = {
      {"0s", 0},         {"250ms", 250},      {"30s", 30'000},
      {"1m30s", 90'000}, {"24h", 86'400'000}, {"1h2m3s4ms", 3'723'004},
  };
  for (const ValidCase& c : kCases) {
    EXPECT_EQ(FormatDuration(Duration{c.millis}), c.text);
  }
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (long long ms : {1LL, 999LL, 1'000LL, 61'001LL, 7'200'000LL, 90'061'001LL}) {
    Result<Duration> d = ParseDuration(FormatDuration(Duration{ms}));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->count(), ms);
  }
}

}  // namespace
}  // namespace warden::config
