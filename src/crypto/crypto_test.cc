#include "crypto/crypto.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace warden::crypto {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Hex, LowercaseTwoDigitsPerByte) {
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(Hex(bytes, sizeof bytes), "000fa0ff");
  EXPECT_EQ(Hex(bytes, 0), "");
}

TEST(Base64Url, EncodesWithoutPadding) {
  struct Case {
    std::string_view plain;
    std::string_view encoded;
  };
  const Case kCases[] = {
      {"", ""},
      {"f", "Zg"},
      {"fo", "Zm8"},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"},
      {"\xfb\xff", "-_8"},  // the url-safe characters
      {"\xff\xff\xff", "____"},
      {std::string_view("\0\0", 2), "AAA"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(Base64UrlEncode(c.plain), c.encoded) << c.encoded;
    std::optional<std::string> back = Base64UrlDecode(c.encoded);
    ASSERT_TRUE(back.has_value()) << c.encoded;
    EXPECT_EQ(*back, c.plain) << c.encoded;
  }
}

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  std::string data;
  for (int n = 0; n < 300; ++n) {
    std::optional<std::string> back = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, data) << n;
    data += char((n * 37 + 11) & 0xff);
  }
}

TEST(Base64Url, AcceptsPaddedInput) {
  struct Case {
    std::string_view encoded;
    std::string_view plain;
  };
  const Case kCases[] = {
      {"Zg==", "f"},   {"Zg=", "f"},         {"Zm8=", "fo"},
      {"Zm9v", "foo"}, {"Zm9vYg==", "foob"}, {"Zm9vYmE=", "fooba"},
  };
  for (const Case& c : kCases) {
    std::optional<std::string> got = Base64UrlDecode(c.encoded);
    ASSERT_TRUE(got.has_value()) << c.encoded;
    EXPECT_EQ(*got, c.plain) << c.encoded;
  }
}

TEST(Base64Url, RefusesInvalidInput) {
  const std::string_view kInvalid[] = {
      "Zm9v!",
      "Zm 9v",
      "Zm9v\n",
      "Z",
      "Zm9vY",
      "Zg=a",
      "=Zg",
      "Zm9v.",
      "Zm9v*",
      "\xc3\xa9",
      "-_+/",
      "ab+c",
      "ab/c",  // plain base64's alphabet is not base64url
      std::string_view("Zm\0v", 4),
  };
  for (std::string_view s : kInvalid) {
    EXPECT_FALSE(Base64UrlDecode(s).has_value()) << s;
  }
}

TEST(ConstantTimeEquals, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("wdn_abc", "wdn_abc"));
  EXPECT_FALSE(ConstantTimeEquals("wdn_abc", "wdn_abd"));
  EXPECT_FALSE(ConstantTimeEquals("wdn_abc", "wdn_ab"));
  EXPECT_FALSE(ConstantTimeEquals("wdn_abc", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ABC"));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(RandomBytes, HasTheRequestedSizeAndVaries) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(NewToken, HasThePrefixAnd43Base64UrlCharacters) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string t = NewToken();
    ASSERT_EQ(t.size(), 4u + 43u) << t;
    EXPECT_EQ(t.substr(0, 4), "wdn_");
    for (char c : t.substr(4)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    }
    std::optional<std::string> raw = Base64UrlDecode(t.substr(4));
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->size(), 32u);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 20u);
}

}  // namespace
}  // namespace warden::crypto
