#include "observe/secret.hpp"

#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(Secret, StreamingPrintsTheRedactionMarker) {
  Secret s("sk-live-VALUE123");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "***");
  std::ostringstream around;
  around << "key=" << s << ";";
  EXPECT_EQ(around.str(), "key=***;");
}

TEST(Secret, FmtFormatPrintsTheRedactionMarker) {
  Secret s("sk-live-VALUE123");
  EXPECT_EQ(fmt::format("{}", s), "***");
  EXPECT_EQ(fmt::format("key={} again={}", s, s), "key=*** again=***");
  EXPECT_THAT(fmt::format("{:>8}", s), Not(HasSubstr("VALUE123")));
}

TEST(Secret, RevealReturnsTheValue) {
  Secret s("sk-live-VALUE123");
  EXPECT_EQ(s.Reveal(), "sk-live-VALUE123");
  EXPECT_EQ(s.size(), 16u);
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
}

TEST(Secret, FingerprintIsStableAndDoesNotContainTheValue) {
  Secret a("sk-live-VALUE123");
  Secret b("sk-live-VALUE123");
  Secret c("sk-live-VALUE124");
  EXPECT_EQ(a.Fingerprint(), b.Fingerprint());
  EXPECT_EQ(a.Fingerprint(), Secret(a).Fingerprint());
  EXPECT_NE(a.Fingerprint(), c.Fingerprint());
  EXPECT_THAT(a.Fingerprint(), MatchesRegex("sha256:[0-9a-f]{12}"));
  EXPECT_THAT(a.Fingerprint(), Not(HasSubstr("VALUE")));
  // "abc" → sha256 ba7816bf8f01...
  EXPECT_EQ(Secret("abc").Fingerprint(), "sha256:ba7816bf8f01");
}

TEST(Secret, EmptyFingerprintIsNone) { EXPECT_EQ(Secret().Fingerprint(), "none"); }

TEST(Secret, ConstantTimeEquals) {
  Secret s("tok");
  EXPECT_TRUE(s.ConstantTimeEquals("tok"));
  EXPECT_FALSE(s.ConstantTimeEquals("to"));
  EXPECT_FALSE(s.ConstantTimeEquals("tok "));
  EXPECT_TRUE(Secret().ConstantTimeEquals(""));
}

TEST(Secret, CopiesAndMovesKeepTheValue) {
  Secret a("v");
  Secret b = a;
  Secret c = std::move(a);
  EXPECT_EQ(b.Reveal(), "v");
  EXPECT_EQ(c.Reveal(), "v");
  b = Secret("w");
  EXPECT_EQ(b.Reveal(), "w");
}

}  // namespace
}  // namespace warden
