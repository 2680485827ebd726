#include "secrets/header_value.hpp"

#include <gtest/gtest.h>

#include <string>

namespace warden::secrets {
namespace {

TEST(HeaderValue, AcceptsPrintableAndHighBytes) {
  for (std::string v : {"sk-abc123", "Bearer wdn_x", "a b", "caf\xc3\xa9", "~!@#$%^&*()"}) {
    EXPECT_TRUE(CheckHeaderValue(v, "env:default:X")) << v;
  }
}

TEST(HeaderValue, RejectsEveryControlCharacterIncludingTab) {
  for (int c = 0; c < 0x20; ++c) {
    std::string v = "sk-" + std::string(1, static_cast<char>(c)) + "tail";
    auto r = CheckHeaderValue(v, "env:default:OPENAI_API_KEY");
    ASSERT_FALSE(r) << c;
    EXPECT_EQ(r.error().code, ErrorCode::kSecretValueInvalid);
  }
  EXPECT_FALSE(CheckHeaderValue("sk-\x7f", "x"));
  EXPECT_FALSE(CheckHeaderValue("sk-abc\n", "x"));
  EXPECT_FALSE(CheckHeaderValue("sk-abc\r\nX-Injected: 1", "x"));
}

TEST(HeaderValue, ErrorNamesTheRefNeverTheValue) {
  auto r = CheckHeaderValue("PLANTED-SECRET\n", "exec:vault:openai/key");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("value of exec:vault:openai/key contains control characters"),
            std::string::npos);
  EXPECT_EQ(r.error().context, "exec:vault:openai/key");
  EXPECT_EQ(r.error().ToString().find("PLANTED"), std::string::npos);
}

TEST(HeaderValue, AcceptsAValueOfExactlyTheLimit) {
  EXPECT_TRUE(CheckHeaderValue(std::string(kMaxHeaderValueBytes, 'k'), "env:default:X"));
  // Room for the scheme warden adds stays inside what a header value may hold (65,533 bytes).
  EXPECT_LE(std::string("Bearer ").size() + kMaxHeaderValueBytes, 65'533u);
}

TEST(HeaderValue, RefusesAValueOverTheLimitWithoutQuotingIt) {
  for (std::size_t size : {kMaxHeaderValueBytes + 1, std::size_t{64 * 1024}, std::size_t{70'000},
                           std::size_t{1} << 20}) {
    const std::string value = "PLANTED-" + std::string(size - 8, 'x');
    auto r = CheckHeaderValue(value, "file:main:openai");
    ASSERT_FALSE(r) << size;
    EXPECT_EQ(r.error().code, ErrorCode::kSecretValueInvalid);
    EXPECT_EQ(r.error().context, "file:main:openai");
    EXPECT_NE(r.error().message.find("value of file:main:openai is " + std::to_string(size) +
                                     " bytes, over the 63 KiB"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().ToString().find("PLANTED"), std::string::npos);
    EXPECT_EQ(r.error().ToString().find("xxxx"), std::string::npos);
  }
}

}  // namespace
}  // namespace warden::secrets
