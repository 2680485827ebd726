#include "base/strings.hpp"

#include <gtest/gtest.h>

namespace warden {
namespace {

TEST(TrimWhitespace, RemovesAsciiWhitespaceAtBothEndsOnly) {
  EXPECT_EQ(TrimWhitespace(""), "");
  EXPECT_EQ(TrimWhitespace(" \t\r\n\v\f"), "");
  EXPECT_EQ(TrimWhitespace("  tok en\r\n"), "tok en");
  EXPECT_EQ(TrimWhitespace("\ttoken"), "token");
  EXPECT_EQ(TrimWhitespace("token"), "token");
}

TEST(Quoted, WrapsInDoubleQuotes) {
  EXPECT_EQ(Quoted("alias"), "\"alias\"");
  EXPECT_EQ(Quoted(""), "\"\"");
}

}  // namespace
}  // namespace warden
