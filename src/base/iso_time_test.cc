#include "base/iso_time.hpp"

#include <gtest/gtest.h>

namespace warden {
namespace {

TEST(IsoTime, FormatsUtcSeconds) {
  EXPECT_EQ(FormatIsoTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime(1800000000999), "2027-01-15T08:00:00Z");
}

TEST(IsoTime, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(ParseIsoTime("2027-01-15T08:00:00Z"), 1800000000000);
  EXPECT_EQ(ParseIsoTime("2027-01-15T08:00:00.5Z"), 1800000000500);
  EXPECT_EQ(ParseIsoTime("2027-01-15T08:00:00.123456Z"), 1800000000123);
  EXPECT_EQ(ParseIsoTime("2027-01-15T10:00:00+02:00"), 1800000000000);
  EXPECT_EQ(ParseIsoTime("2027-01-15T03:30:00-04:30"), 1800000000000);
}

TEST(IsoTime, RefusesAnythingElse) {
  for (const char* bad : {"", "2027-01-15", "2027-01-15T08:00:00", "2027-01-15 08:00:00Z",
                          "2027-02-30T00:00:00Z", "2027-13-01T00:00:00Z", "2027-01-15T24:00:00Z",
                          "1969-12-31T23:59:59Z", "2027-01-15T08:00:00Zjunk",
                          "2027-01-15T08:00:00.Z", "2027-01-15T08:00:00+0200", "tomorrow"}) {
    EXPECT_FALSE(ParseIsoTime(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace warden
