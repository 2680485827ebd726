#include "config/dotenv.hpp"

#include <stdlib.h>

#include <map>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"

namespace warden::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseDotenv, ParsesTheDocumentedSyntax) {
  const std::string_view text =
      "# a comment\n"
      "\n"
      "PLAIN=value\n"
      "export EXPORTED=yes\n"
      "export   SPACED_EXPORT = padded  \n"
      "  INDENTED=1\n"
      "SINGLE='lit \\n $HOME \"x\"'\n"
      "DOUBLE=\"a\\nb\\t\\\"q\\\" \\\\ \\r\\z\"\n"
      "EMPTY=\n"
      "EMPTY_QUOTED=\"\"\n"
      "COMMENTED=val # trailing comment\n"
      "HASH_IN_VALUE=val#not-a-comment\n"
      "QUOTED_THEN_COMMENT=\"q\"   # c\n"
      "EQUALS=a=b=c\n"
      "CRLF=win\r\n"
      "   # indented comment\n"
      "_UNDERSCORE1=u\n"
      "LAST=no-newline";
  Result<std::map<std::string, std::string>> r = ParseDotenv(text);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const std::map<std::string, std::string> want = {
      {"PLAIN", "value"},
      {"EXPORTED", "yes"},
      {"SPACED_EXPORT", "padded"},
      {"INDENTED", "1"},
      {"SINGLE", "lit \\n $HOME \"x\""},
      {"DOUBLE", "a\nb\t\"q\" \\ \rz"},
      {"EMPTY", ""},
      {"EMPTY_QUOTED", ""},
      {"COMMENTED", "val"},
      {"HASH_IN_VALUE", "val#not-a-comment"},
      {"QUOTED_THEN_COMMENT", "q"},
      {"EQUALS", "a=b=c"},
      {"CRLF", "win"},
      {"_UNDERSCORE1", "u"},
      {"LAST", "no-newline"},
  };
  EXPECT_EQ(*r, want);
}

TEST(ParseDotenv, LaterAssignmentWins) {
  Result<std::map<std::string, std::string>> r = ParseDotenv("A=1\nA=2\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at("A"), "2");
}

TEST(ParseDotenv, EmptyTextIsEmpty) {
  for (std::string_view text : {"", "\n\n", "# only\n  \n"}) {
    Result<std::map<std::string, std::string>> r = ParseDotenv(text);
    ASSERT_TRUE(r.has_value()) << text;
    EXPECT_TRUE(r->empty());
  }
}

TEST(ParseDotenv, InvalidLinesNameTheLineNumberButNeverTheValue) {
  struct Case {
    std::string_view text;
    std::string_view line;
    std::string_view why;
  };
  const Case kCases[] = {
      {"sk-SEKRIT-no-equals", "line 1", "expected KEY=VALUE"},
      {"A=1\n# c\nsk-SEKRIT", "line 3", "expected KEY=VALUE"},
      {"1BAD=sk-SEKRIT", "line 1", "invalid variable name"},
      {"A=1\nBAD-NAME=sk-SEKRIT", "line 2", "invalid variable name"},
      {"=sk-SEKRIT", "line 1", "invalid variable name"},
      {"A B=sk-SEKRIT", "line 1", "invalid variable name"},
      {"\n\nK=\"sk-SEKRIT", "line 3", "unterminated quote"},
      {"K='sk-SEKRIT", "line 1", "unterminated quote"},
      {"K=\"sk-SEKRIT\\\"", "line 1", "unterminated quote"},
      {"K='sk-SEKRIT' trailing", "line 1", "text after closing quote"},
      {"K=\"a\"sk-SEKRIT", "line 1", "text after closing quote"},
  };
  for (const Case& c : kCases) {
    Result<std::map<std::string, std::string>> r = ParseDotenv(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().code, ErrorCode::kDotenvInvalid) << c.text;
    EXPECT_THAT(r.error().message, HasSubstr(std::string(c.line) + ":")) << c.text;
    EXPECT_THAT(r.error().message, HasSubstr(std::string(c.why))) << c.text;
    EXPECT_THAT(r.error().ToString(), Not(HasSubstr("SEKRIT"))) << c.text;
  }
}

// ---- LoadDotenvInto (sets real process variables: each test uses names of its own)

using test_util::TempDir;

TEST(LoadDotenvInto, AMissingFileSetsNothing) {
  TempDir dir;
  Result<int> n = LoadDotenvInto(dir.Join(".env"));
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 0);
}

TEST(LoadDotenvInto, SetsVariablesFromAFileOnlyTheUserCanWrite) {
  TempDir dir;
  ::unsetenv("WARDEN_DOTENV_TEST_A");
  auto path = dir.WriteFile(".env", "WARDEN_DOTENV_TEST_A=from-file\n", 0644);
  Result<int> n = LoadDotenvInto(path);
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 1);
  EXPECT_STREQ(std::getenv("WARDEN_DOTENV_TEST_A"), "from-file");
  ::unsetenv("WARDEN_DOTENV_TEST_A");
}

TEST(LoadDotenvInto, RefusesAFileGroupOrOthersCanWriteAndSetsNothing) {
  TempDir dir;
  ::unsetenv("WARDEN_DOTENV_TEST_B");
  for (mode_t mode : {0660, 0602, 0666}) {
    auto path = dir.WriteFile(".env", "WARDEN_DOTENV_TEST_B=sk-PLANTED-value\n", mode);
    Result<int> n = LoadDotenvInto(path);
    ASSERT_FALSE(n.has_value()) << std::oct << mode;
    EXPECT_EQ(n.error().code, ErrorCode::kFileInsecure);
    EXPECT_THAT(n.error().message, HasSubstr("dotenv file " + path));
    EXPECT_THAT(n.error().message, HasSubstr("chmod go-w " + path));
    EXPECT_THAT(n.error().ToString(), Not(HasSubstr("PLANTED")));
    EXPECT_EQ(std::getenv("WARDEN_DOTENV_TEST_B"), nullptr);
  }
}

}  // namespace
}  // namespace warden::config
