#include "base/paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/test_util.hpp"

namespace warden {
namespace {

TEST(IsInside, ComparesWholeComponentsAfterNormalisation) {
  struct Case {
    const char* path;
    const char* dir;
    bool inside;
  };
  const Case kCases[] = {
      {"/usr/bin/x", "/usr/bin", true},
      {"/usr/bin/x", "/usr/bin/", true},
      {"/usr/bin/sub/x", "/usr/bin", true},
      {"/x", "/", true},
      {"/usr/bin/./x", "/usr/bin", true},
      {"/usr/bin", "/usr/bin", false},  // the directory itself is not inside it
      {"/usr/bin", "/usr/bin/", false},
      {"/usr/binx", "/usr/bin", false},  // a prefix of a name is not a parent
      {"/usr/bin/../../tmp/r", "/usr/bin", false},
      {"/usr/lib/x", "/usr/bin/../lib", true},
      {"/bin/r", "bin", false},  // an absolute path is never inside a relative dir
      {"bin/r", "/bin", false},
      {"/opt/r", "/usr/bin", false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(IsInside(c.path, c.dir), c.inside) << c.path << " in " << c.dir;
  }
}

using test_util::TempDir;

// dir/trusted/sub, dir/elsewhere, dir/trusted/escape → dir/elsewhere, dir/alias → dir/trusted.
struct Tree {
  TempDir dir;
  std::string real;  // realpath of dir (/tmp may itself be a symlink)
  std::string trusted, elsewhere, escape, alias;
  Tree() {
    real = RealPath(dir.path()).value();
    trusted = dir.MakeDir("trusted");
    dir.MakeDir("trusted/sub");
    elsewhere = dir.MakeDir("elsewhere");
    escape = trusted + "/escape";
    alias = dir.Join("alias");
    EXPECT_EQ(::symlink(elsewhere.c_str(), escape.c_str()), 0);
    EXPECT_EQ(::symlink(trusted.c_str(), alias.c_str()), 0);
  }
};

TEST(RealPath, ResolvesSymlinksAndDotsAndFailsOnMissing) {
  Tree t;
  EXPECT_EQ(RealPath(t.escape), t.real + "/elsewhere");
  EXPECT_EQ(RealPath(t.alias + "/sub/.."), t.real + "/trusted");
  EXPECT_FALSE(RealPath(t.dir.Join("absent")).has_value());
}

TEST(ResolveDirectory, ResolvesTheDirectoryAndKeepsTheLastComponent) {
  Tree t;
  struct Case {
    std::string in;
    std::optional<std::string> out;
  };
  const Case kCases[] = {
      {t.trusted + "/sub/x", t.real + "/trusted/sub/x"},
      {t.escape + "/x", t.real + "/elsewhere/x"},
      {t.escape + "/../x", t.real + "/x"},  // ".." of the target, as the kernel does it
      {t.alias + "/sub/x", t.real + "/trusted/sub/x"},
      {t.trusted + "/escape", t.real + "/trusted/escape"},  // a symlink stays a symlink
      {"/x", "/x"},
      {t.dir.Join("absent/x"), std::nullopt},
      {t.trusted + "/", std::nullopt},
      {t.trusted + "/..", std::nullopt},
      {t.trusted + "/.", std::nullopt},
  };
  for (const Case& c : kCases) EXPECT_EQ(ResolveDirectory(c.in), c.out) << c.in;
}

TEST(IsInsideResolved, JudgesWhereTheKernelFindsThePath) {
  Tree t;
  struct Case {
    std::string path;
    std::vector<std::string> dirs;
    bool inside;
  };
  const Case kCases[] = {
      {t.trusted + "/sub/x", {t.trusted}, true},
      {t.trusted + "/x", {t.trusted + "/"}, true},
      {t.escape + "/x", {t.trusted}, false},     // a symlinked directory does not extend it
      {t.escape + "/../x", {t.trusted}, false},  // lexically "trusted/x"; really "dir/x"
      {t.trusted + "/../elsewhere/x", {t.trusted}, false},
      {t.alias + "/sub/x", {t.trusted}, true},  // reached through a symlink to it
      {t.trusted + "/sub/x", {t.alias}, true},  // the trusted dir named through a symlink
      {t.trusted + "/sub/x", {t.dir.Join("absent"), t.trusted}, true},
      {"/nonexistent-warden/t/x", {"/nonexistent-warden/t"}, true},  // unresolved: as written
      {"/nonexistent-warden/t/../x", {"/nonexistent-warden/t"}, false},
      {t.trusted + "/sub/x", {"trusted"}, false},  // relative dirs never match
      {t.trusted + "/sub/x", {}, false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(IsInsideResolved(c.path, c.dirs), c.inside) << c.path;
  }
}

}  // namespace
}  // namespace warden
