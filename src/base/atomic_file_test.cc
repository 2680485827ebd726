#include "base/atomic_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"

namespace warden {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using warden::test_util::ModeOf;
using warden::test_util::ReadAll;
using warden::test_util::TempDir;

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

// Sets the process umask for the scope of a test.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t m) : old_(::umask(m)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(WriteFileAtomically, CreatesOwnerOnlyFileEvenWithUmaskZero) {
  TempDir dir;
  ScopedUmask umask(0);
  const std::string path = dir.Join("secret.txt");
  ASSERT_TRUE(WriteFileAtomically(path, "value\n").has_value());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ReadAll(path), "value\n");
}

TEST(WriteFileAtomically, AppliesTheExactModeDespiteARestrictiveUmask) {
  TempDir dir;
  ScopedUmask umask(077);
  const std::string path = dir.Join("f");
  ASSERT_TRUE(WriteFileAtomically(path, "x", 0640).has_value());
  EXPECT_EQ(ModeOf(path), 0640u);
}

TEST(WriteFileAtomically, ReplacesExistingContentAndMode) {
  TempDir dir;
  const std::string path = dir.WriteFile("f", "old content that is longer", 0644);
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  ASSERT_TRUE(WriteFileAtomically(path, "new").has_value());
  EXPECT_EQ(ReadAll(path), "new");
  EXPECT_EQ(ModeOf(path), 0600u);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);  // a new inode renamed over, not rewritten in place
}

TEST(WriteFileAtomically, LeavesNoTempFilesBehindOnSuccess) {
  TempDir dir;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(WriteFileAtomically(dir.Join("a"), "v" + std::to_string(i)).has_value());
  }
  ASSERT_TRUE(WriteFileAtomically(dir.Join("b"), "").has_value());
  EXPECT_THAT(Entries(dir.path()), ElementsAre("a", "b"));
  EXPECT_EQ(ReadAll(dir.Join("a")), "v4");
  EXPECT_EQ(ReadAll(dir.Join("b")), "");
}

TEST(WriteFileAtomically, WritesLargeContent) {
  TempDir dir;
  std::string big(3u << 20, 'z');
  ASSERT_TRUE(WriteFileAtomically(dir.Join("big"), big).has_value());
  EXPECT_EQ(ReadAll(dir.Join("big")), big);
}

TEST(WriteFileAtomically, MissingDirectoryFailsWithIoErrorAndCreatesNothing) {
  TempDir dir;
  Result<void> r = WriteFileAtomically(dir.Join("missing/f"), "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kIoError);
  EXPECT_TRUE(Entries(dir.path()).empty());
}

TEST(WriteFileAtomically, FailedRenameLeavesTargetAndNoTempFile) {
  TempDir dir;
  const std::string target = dir.MakeDir("target");  // rename(file, dir) fails with EISDIR
  dir.WriteFile("target/inside", "keep", 0600);
  Result<void> r = WriteFileAtomically(target, "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(Entries(dir.path()), ElementsAre("target"));
  EXPECT_EQ(ReadAll(dir.Join("target/inside")), "keep");
}

TEST(EnsurePrivateDir, CreatesDirectoryAndParentsWith0700) {
  TempDir dir;
  ScopedUmask umask(0);
  const std::string path = dir.Join("a/b/c");
  ASSERT_TRUE(EnsurePrivateDir(path).has_value());
  EXPECT_EQ(ModeOf(dir.Join("a")), 0700u);
  EXPECT_EQ(ModeOf(dir.Join("a/b")), 0700u);
  EXPECT_EQ(ModeOf(path), 0700u);
}

TEST(EnsurePrivateDir, ExistingDirectoryIsFine) {
  TempDir dir;
  ASSERT_TRUE(EnsurePrivateDir(dir.path()).has_value());
  ASSERT_TRUE(EnsurePrivateDir(dir.Join("x")).has_value());
  ASSERT_TRUE(EnsurePrivateDir(dir.Join("x")).has_value());
}

TEST(EnsurePrivateDir, FailsUnderARegularFile) {
  TempDir dir;
  dir.WriteFile("file", "x", 0600);
  Result<void> r = EnsurePrivateDir(dir.Join("file/sub"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kIoError);
}

TEST(ReadWholeFile, ReadsAndEnforcesTheLimit) {
  TempDir dir;
  const std::string path = dir.WriteFile("f", "0123456789", 0600);
  Result<std::string> ok = ReadWholeFile(path, 10);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "0123456789");
  Result<std::string> big = ReadWholeFile(path, 9);
  ASSERT_FALSE(big.has_value());
  EXPECT_THAT(big.error().message, HasSubstr("larger than 9 bytes"));
  EXPECT_FALSE(ReadWholeFile(dir.Join("missing"), 10).has_value());
}

}  // namespace
}  // namespace warden
