#include "http/wire_head.hpp"

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace bhttp = net::http;

TEST(AppendField, NameColonValueCrlf) {
  std::string out = "GET / HTTP/1.1\r\n";
  AppendField("x-dup", "a", out);
  AppendField("Content-Length", "42", out);
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nx-dup: a\r\nContent-Length: 42\r\n");
}

// Fields of every size from an empty string on: each growth keeps what was written before.
TEST(AppendField, GrowsWithoutLosingEarlierFields) {
  std::string out;
  std::string expected;
  for (std::size_t i = 0; i < 300; ++i) {
    const std::string name = "x-" + std::to_string(i);
    const std::string value(i * 7 % 257, static_cast<char>('a' + i % 26));
    AppendField(name, value, out);
    expected += name + ": " + value + "\r\n";
  }
  AppendField("", "", out);
  expected += ": \r\n";
  EXPECT_EQ(out, expected);
}

TEST(AppendStatusLine, BeastsReasonsAndUnknownCodes) {
  std::string out;
  AppendStatusLine(200, out);
  AppendField("x-a", "1", out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nx-a: 1\r\n");
  out.clear();
  AppendStatusLine(529, out);
  EXPECT_EQ(out, "HTTP/1.1 529 <unknown-status>\r\n");
}

TEST(ChunkSizeLine, HexWithCrlf) {
  std::array<char, 24> buf;
  EXPECT_EQ(ChunkSizeLine(0, buf), "0\r\n");
  EXPECT_EQ(ChunkSizeLine(16384, buf), "4000\r\n");
  EXPECT_EQ(ChunkSizeLine(0xabcdef, buf), "abcdef\r\n");
  EXPECT_EQ(ChunkSizeLine(SIZE_MAX, buf), "ffffffffffffffff\r\n");
}

}  // namespace
}  // namespace warden::http
