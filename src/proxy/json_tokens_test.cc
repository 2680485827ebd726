#include "proxy/json_tokens.hpp"

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

// Every way of scanning this machine has: the portable one always, AVX-512BW where the CPU has it.
std::vector<EscapeScan> Scans() {
  std::vector<EscapeScan> scans{EscapeScan::kPortable};
  if (EscapeScanAvailable(EscapeScan::kAvx512)) scans.push_back(EscapeScan::kAvx512);
  return scans;
}

TEST(ValidStringEscapes, AcceptsJsonEscapesOnly) {
  for (EscapeScan scan : Scans()) {
    for (std::string_view ok : {"", "plain", R"(\" \\ \/ \b \f \n \r \t)", R"(\u0041\u00e9\uFFFF)",
                                R"(\ud83d\ude00)", R"(\\u12)", R"(\\\\)", R"(a\\\"b)"}) {
      EXPECT_TRUE(ValidStringEscapesWith(scan, ok)) << ok << " scan " << int(scan);
    }
    for (std::string_view bad :
         {R"(\x)", R"(\')", R"(\a)", R"(\u12)", R"(\u12g4)", R"(\U0041)", R"(\ud800)", R"(\ud800x)",
          R"(\ud800\n)", R"(\ud800\u0041)", R"(\udc00)", R"(\udc00\ud800)", R"(\\\x)", "\\"}) {
      EXPECT_FALSE(ValidStringEscapesWith(scan, bad)) << bad << " scan " << int(scan);
    }
  }
}

// The checks run 64 bytes at a time: each escape, good and bad, at every position of three chunks.
TEST(ValidStringEscapes, SameVerdictAtEveryChunkPosition) {
  for (EscapeScan scan : Scans()) {
    for (std::size_t at = 0; at < 192; ++at) {
      for (std::string_view escape : {R"(\n)", R"(\\)", R"(\\\")", R"(\ud83d\ude00)"}) {
        const std::string text = "\\t" + std::string(at, 'x') + std::string(escape) + "y";
        EXPECT_TRUE(ValidStringEscapesWith(scan, text)) << at << " " << escape;
      }
      for (std::string_view escape : {R"(\q)", R"(\\\q)", R"(\ud83d)", R"(\u00)", R"(\udc00)"}) {
        const std::string text = "\\t" + std::string(at, 'x') + std::string(escape) + "y";
        EXPECT_FALSE(ValidStringEscapesWith(scan, text)) << at << " " << escape;
      }
    }
  }
}

// A content that ends where its memory ends: the last chunk reads nothing past it (ASan checks
// the portable scan; the AVX-512 scan's masked load cannot fault on the bytes it leaves out).
TEST(ValidStringEscapes, ReadsNothingPastTheContent) {
  for (EscapeScan scan : Scans()) {
    for (std::size_t size = 2; size < 140; ++size) {
      const std::string text = std::string(size - 2, 'a') + "\\n";
      auto exact = std::make_unique<char[]>(size);
      std::memcpy(exact.get(), text.data(), size);
      EXPECT_TRUE(ValidStringEscapesWith(scan, std::string_view(exact.get(), size))) << size;
      exact[size - 1] = 'q';
      EXPECT_FALSE(ValidStringEscapesWith(scan, std::string_view(exact.get(), size))) << size;
    }
  }
}

// The whole-document form names where the first bad escape begins, at any chunk position.
TEST(InvalidEscapeOffset, PointsAtTheFirstBadEscape) {
  for (EscapeScan scan : Scans()) {
    EXPECT_EQ(InvalidEscapeOffsetWith(scan, R"({"a":"\n\"","b":"ok"})"), std::string_view::npos);
    for (std::size_t at = 0; at < 150; ++at) {
      for (std::string_view bad : {R"(\q)", R"(\ud800")", R"(\u12")", R"(\udc00)"}) {
        const std::string text =
            R"({"s":"\t)" + std::string(at, 'x') + std::string(bad) + R"(\x"})";
        EXPECT_EQ(InvalidEscapeOffsetWith(scan, text), 8 + at) << text;
      }
      const std::string last = std::string(at, 'x') + "\\\\\\";  // a backslash left last
      EXPECT_EQ(InvalidEscapeOffsetWith(scan, last), last.size()) << at;
    }
  }
}

// Both scans give the same verdict on random mixes of the bytes escapes are made of.
TEST(ValidStringEscapes, ScansAgreeOnRandomText) {
  const std::vector<EscapeScan> scans = Scans();
  if (scans.size() < 2) GTEST_SKIP() << "this CPU has no AVX-512BW";
  std::mt19937 random(20261129);
  constexpr std::string_view kAlphabet = R"(\\\\\\\\nnu"tbx0dDaF)";
  std::size_t valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text(std::size_t(random() % 200), 'x');
    for (char& c : text) c = kAlphabet[random() % kAlphabet.size()];
    const bool portable = ValidStringEscapesWith(EscapeScan::kPortable, text);
    EXPECT_EQ(ValidStringEscapesWith(EscapeScan::kAvx512, text), portable) << text;
    EXPECT_EQ(InvalidEscapeOffsetWith(EscapeScan::kAvx512, text),
              InvalidEscapeOffsetWith(EscapeScan::kPortable, text))
        << text;
    valid += portable;
  }
  EXPECT_GT(valid, 100u);  // both verdicts were exercised
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
