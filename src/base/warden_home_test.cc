#include "base/warden_home.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <optional>
#include <string>

#include "base/test_util.hpp"

namespace warden {
namespace {

using test_util::TempDir;

TEST(WardenHome, WardenHomeThenHomeThenThePasswdEntry) {
  struct Case {
    std::map<std::string, std::string> env;
    std::optional<std::string> passwd_home;
    std::string home;
  };
  const Case kCases[] = {
      {{{"WARDEN_HOME", "/w"}, {"HOME", "/h"}}, "/p", "/w"},
      {{{"WARDEN_HOME", ""}, {"HOME", "/h"}}, "/p", "/h/.warden"},
      {{{"HOME", "/h"}}, "/p", "/h/.warden"},
      {{{"HOME", "/h/"}}, std::nullopt, "/h/.warden"},
      {{}, "/p", "/p/.warden"},
      {{{"HOME", ""}, {"WARDEN_HOME", ""}}, "/p", "/p/.warden"},
      {{}, "/", "/.warden"},
  };
  for (const Case& c : kCases) {
    auto home = WardenHome(MapEnvironment(c.env), c.passwd_home);
    ASSERT_TRUE(home) << home.error().ToString();
    EXPECT_EQ(*home, c.home);
  }
}

TEST(WardenHome, NoHomeAnywhereIsRefusedNeverASharedDirectory) {
  for (const auto& env :
       {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"HOME", ""}}}) {
    auto home = WardenHome(MapEnvironment(env), std::nullopt);
    ASSERT_FALSE(home) << *home;
    EXPECT_EQ(home.error().code, ErrorCode::kHomeUnset);
    EXPECT_NE(home.error().message.find("set WARDEN_HOME (or HOME)"), std::string::npos)
        << home.error().message;
  }
}

TEST(WardenHome, WithoutHomeUsesTheEffectiveUsersPasswdEntry) {
  std::optional<std::string> passwd_home = PasswdHome();
  if (!passwd_home) GTEST_SKIP() << "the current uid has no passwd entry with a home";
  auto home = WardenHome(MapEnvironment());
  ASSERT_TRUE(home) << home.error().ToString();
  EXPECT_EQ(*home, (passwd_home->back() == '/' ? *passwd_home : *passwd_home + "/") + ".warden");
}

TEST(CheckedWardenHome, AMissingHomePassesAnInsecureOneIsRefused) {
  TempDir dir;
  const std::string home = dir.Join("home");
  MapEnvironment env({{"WARDEN_HOME", home}});
  auto missing = CheckedWardenHome(env);
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ(*missing, home);

  ASSERT_EQ(::mkdir(home.c_str(), 0700), 0);
  EXPECT_TRUE(CheckedWardenHome(env));
  for (mode_t mode : {0770, 0757, 0777}) {
    ASSERT_EQ(::chmod(home.c_str(), mode), 0);
    auto r = CheckedWardenHome(env);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_NE(r.error().message.find("warden home " + home), std::string::npos);
    EXPECT_NE(r.error().message.find("chmod go-w " + home), std::string::npos);
  }
  ASSERT_EQ(::chmod(home.c_str(), 0755), 0);
  EXPECT_TRUE(CheckedWardenHome(env));

  auto file = dir.WriteFile("file", "");
  auto not_dir = CheckedWardenHome(MapEnvironment({{"WARDEN_HOME", file}}));
  ASSERT_FALSE(not_dir);
  EXPECT_EQ(not_dir.error().code, ErrorCode::kFileInsecure);
  // A home that cannot exist (under a file) holds nothing to distrust, like a missing one.
  auto unreachable = CheckedWardenHome(MapEnvironment({{"WARDEN_HOME", file + "/home"}}));
  ASSERT_TRUE(unreachable) << unreachable.error().ToString();
}

}  // namespace
}  // namespace warden
