#include "base/paths.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace warden
