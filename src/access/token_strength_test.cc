#include "access/token_strength.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace warden::access {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TokenStrengthTest, GeneratedTokensAreStrong) {
  for (int i = 0; i < 200; ++i) EXPECT_EQ(TokenWeakness(crypto::NewToken()), std::nullopt);
  EXPECT_EQ(TokenWeakness("gw-DOCTOR-env-token-0123456789abcdef"), std::nullopt);
  EXPECT_EQ(TokenWeakness(std::string(kMinTokenLength - 1, 'a') + "Z"), std::nullopt)
      << "one differing character breaks the repetition";
}

TEST(TokenStrengthTest, PlaceholdersWhateverTheirCase) {
  for (const char* p : {"changeme", "CHANGEME", "secret", "password", "token", "test",
                        "your-token-here", "sk-...", "Admin"}) {
    EXPECT_EQ(TokenWeakness(p), "is a well-known placeholder") << p;
  }
}

TEST(TokenStrengthTest, ShortTokens) {
  EXPECT_EQ(TokenWeakness("Xk9#mQ2$vL7p"), "is shorter than 24 characters");
  EXPECT_EQ(TokenWeakness(""), "is shorter than 24 characters");
  EXPECT_EQ(TokenWeakness(std::string(kMinTokenLength - 1, 'q') + ""),
            "is shorter than 24 characters");
}

TEST(TokenStrengthTest, RepeatedCharactersAndShortPatterns) {
  EXPECT_EQ(TokenWeakness(std::string(40, 'a')), "repeats a short pattern");
  std::string abc;
  for (int i = 0; i < 10; ++i) abc += "abc";
  EXPECT_EQ(TokenWeakness(abc), "repeats a short pattern");
  std::string eight;
  for (int i = 0; i < 4; ++i) eight += "Q7#kLm2z";
  EXPECT_EQ(TokenWeakness(eight), "repeats a short pattern");
  std::string nine;  // a 9-character unit is past the rule: judged by the others
  for (int i = 0; i < 3; ++i) nine += "Q7#kLm2zW";
  EXPECT_EQ(TokenWeakness(nine), std::nullopt);
}

TEST(TokenStrengthTest, LongTemplatesWithPlaceholderText) {
  for (const char* t : {"sk-your-token-here-0123456789", "CHANGEME-please-0123456789abc",
                        "gateway-token-placeholder-1234", "sk-xxxxxxxxxxxxxxxxxxxxxxxxyz1",
                        "sk-ant-api03-...-0123456789ab"}) {
    EXPECT_EQ(TokenWeakness(t), "looks like a placeholder from an example") << t;
  }
}

TEST(TokenStrengthTest, ReasonsNeverQuoteTheToken) {
  for (const char* t : {"changeme", "hunter2", "sk-your-token-here-0123456789"}) {
    auto why = TokenWeakness(t);
    ASSERT_TRUE(why.has_value()) << t;
    EXPECT_THAT(*why, Not(HasSubstr(t)));
    EXPECT_THAT(*why, Not(HasSubstr("your-token")));
  }
}

}  // namespace
}  // namespace warden::access
