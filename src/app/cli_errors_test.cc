#include "app/cli_errors.hpp"

#include <gtest/gtest.h>

namespace warden::app {
namespace {

TEST(RedactArguments, AnUnexpectedArgumentIsNotQuoted) {
  const std::string out =
      RedactArguments("The following arguments were not expected: sk-live-0123456789abcdef",
                      {"status", "sk-live-0123456789abcdef"}, {"status"});
  EXPECT_EQ(out, "The following arguments were not expected: <value>");
}

TEST(RedactArguments, TheValueOfAnOptionIsReplacedButItsNameKept) {
  const std::string out = RedactArguments("Could not convert: --port = gw-token-abcdef",
                                          {"serve", "--port=gw-token-abcdef"}, {"serve"});
  EXPECT_EQ(out, "Could not convert: --port = <value>");
  EXPECT_EQ(RedactArguments("--port: Value hunter22 not in range", {"--port", "hunter22"}, {}),
            "--port: Value <value> not in range");
}

TEST(RedactArguments, SubcommandsAndShortWordsStay) {
  EXPECT_EQ(RedactArguments("doctor: unknown flag --x", {"doctor", "--x", "on"}, {"doctor"}),
            "doctor: unknown flag --x");
}

TEST(RedactArguments, AValueContainingAnotherIsReplacedWhole) {
  EXPECT_EQ(RedactArguments("extras: abcd abcdefgh", {"abcd", "abcdefgh"}, {}),
            "extras: <value> <value>");
}

}  // namespace
}  // namespace warden::app
