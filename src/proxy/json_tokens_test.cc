#include "proxy/json_tokens.hpp"

#include <string>
#include <string_view>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

TEST(ValidStringEscapes, AcceptsJsonEscapesOnly) {
  for (std::string_view ok : {"", "plain", R"(\" \\ \/ \b \f \n \r \t)", R"(\u0041\u00e9\uFFFF)",
                              R"(\ud83d\ude00)", R"(\\u12)", R"(\\\\)", R"(a\\\"b)"}) {
    EXPECT_TRUE(ValidStringEscapes(ok)) << ok;
  }
  for (std::string_view bad :
       {R"(\x)", R"(\')", R"(\a)", R"(\u12)", R"(\u12g4)", R"(\U0041)", R"(\ud800)", R"(\ud800x)",
        R"(\ud800\n)", R"(\ud800\u0041)", R"(\udc00)", R"(\udc00\ud800)", R"(\\\x)", "\\"}) {
    EXPECT_FALSE(ValidStringEscapes(bad)) << bad;
  }
}

// The checks run 64 bytes at a time: each escape, good and bad, at every position of three chunks.
TEST(ValidStringEscapes, SameVerdictAtEveryChunkPosition) {
  for (std::size_t at = 0; at < 192; ++at) {
    for (std::string_view escape : {R"(\n)", R"(\\)", R"(\\\")", R"(\ud83d\ude00)"}) {
      const std::string text = "\\t" + std::string(at, 'x') + std::string(escape) + "y";
      EXPECT_TRUE(ValidStringEscapes(text)) << at << " " << escape;
    }
    for (std::string_view escape : {R"(\q)", R"(\\\q)", R"(\ud83d)", R"(\u00)", R"(\udc00)"}) {
      const std::string text = "\\t" + std::string(at, 'x') + std::string(escape) + "y";
      EXPECT_FALSE(ValidStringEscapes(text)) << at << " " << escape;
    }
  }
}

TEST(ValidNumberToken, FollowsTheJsonGrammarAndBoostJsonsLimits) {
  for (std::string_view ok : {"0", "-0", "12", "1.5", "-0.0e-5", "1E+2", "1e400", "0e400",
                              "123456789012345678901234567890", "1 ", "2\n\t\r", "1e123456789"}) {
    EXPECT_TRUE(ValidNumberToken(ok)) << ok;
  }
  for (std::string_view bad : {"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x1", "1a", "1 2",
                               "NaN", "1e99999999999999999999"}) {
    EXPECT_FALSE(ValidNumberToken(bad)) << bad;
  }
}

// Near INT_MAX the verdict depends on the mantissa's digits (Boost.JSON's decimal shift): the same
// as Boost.JSON's own for mantissas of every shape, exponents on both sides of the edge.
TEST(ValidNumberToken, ExponentsNearIntMaxAsBoostJsonDecides) {
  int checked = 0;
  for (std::string_view mantissa :
       {"1", "-1", "0", "10", "1.5", "0.0001", "123456789012345678901234",
        "1.234567890123456789012", "99999999999999999999.9"}) {
    for (long long exponent = 2147483600LL; exponent <= 2147483650LL; ++exponent) {
      for (std::string_view sign : {"", "+", "-"}) {
        const std::string number =
            std::string(mantissa) + "e" + std::string(sign) + std::to_string(exponent);
        boost::system::error_code ec;
        boost::json::parse(number, ec);
        EXPECT_EQ(ValidNumberToken(number), !ec.failed()) << number;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 9 * 51 * 3);
}

}  // namespace
}  // namespace warden::proxy
