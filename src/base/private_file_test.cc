#include "base/private_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "base/test_util.hpp"

namespace warden {
namespace {

using warden::test_util::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(SecureFile, ReadsOwnerOnlyFile) {
  TempDir dir;
  for (mode_t mode : {0600, 0400, 0700}) {
    auto path = dir.WriteFile("s" + std::to_string(mode), "sk-value\n", mode);
    auto r = ReadSecureFile(path);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(*r, "sk-value\n");
  }
}

TEST(SecureFile, RefusesGroupOrWorldBitsNamingChmod) {
  TempDir dir;
  for (mode_t mode : {0640, 0604, 0660, 0644, 0610, 0601, 0602}) {
    auto path = dir.WriteFile("s", "PLANTED-CONTENT", mode);
    auto r = ReadSecureFile(path);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "chmod 600 " + path)) << r.error().message;
    EXPECT_EQ(r.error().context, path);
    EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
  }
}

TEST(SecureFile, RefusesSymlinkEvenToASecureFile) {
  TempDir dir;
  auto target = dir.WriteFile("real", "sk-value", 0600);
  auto link = dir.Join("link");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto r = ReadSecureFile(link);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "symlink")) << r.error().message;
  EXPECT_TRUE(Contains(r.error().message, "replace the symlink with the file"));
}

TEST(SecureFile, RefusesRelativePath) {
  auto r = ReadSecureFile("secrets.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "absolute"));
}

TEST(SecureFile, MissingFileIsProviderErrorNamingPath) {
  TempDir dir;
  auto path = dir.Join("nope.json");
  auto r = ReadSecureFile(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(r.error().message, path));
}

TEST(SecureFile, RefusesDirectoryAndFifo) {
  TempDir dir;
  auto sub = dir.MakeDir("sub");
  auto r = ReadSecureFile(sub);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "not a regular file"));

  auto fifo = dir.Join("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto f = ReadSecureFile(fifo);  // must not block waiting for a writer
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kSecretFileInsecure);
}

TEST(SecureFile, RefusesFileOwnedBySomeoneElse) {
  TempDir dir;
  std::string path;
  if (::geteuid() == 0) {
    path = dir.WriteFile("s", "sk-value", 0600);
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  } else {
    // Any root-owned file will do; ownership is checked before the mode.
    path = "/etc/hostname";
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || st.st_uid == ::geteuid()) {
      GTEST_SKIP() << "no file owned by another user available";
    }
  }
  auto r = ReadSecureFile(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "chown")) << r.error().message;
}

TEST(SecureFile, RefusesOversizedFileWithoutQuotingIt) {
  TempDir dir;
  auto path = dir.WriteFile("big", std::string(100, 'P') + "PLANTED", 0600);
  auto r = ReadSecureFile(path, 64);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(r.error().message, "larger than 64 bytes"));
  EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
  auto exact = ReadSecureFile(path, 107);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->size(), 107u);
}

TEST(SecureFile, ChecksOnEveryRead) {
  TempDir dir;
  auto path = dir.WriteFile("s", "v", 0600);
  ASSERT_TRUE(ReadSecureFile(path));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_FALSE(ReadSecureFile(path));
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(ReadSecureFile(path));
}

TEST(CheckPrivateFile, AcceptsAnOwnerOnlyFileWithoutReadingIt) {
  TempDir dir;
  auto path = dir.WriteFile("s", "PLANTED", 0600);
  EXPECT_TRUE(CheckPrivateFile(path));
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);  // unreadable, yet nobody else can reach it either
  auto r = CheckPrivateFile(path);
  if (::geteuid() != 0) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  }
}

TEST(CheckPrivateFile, RefusesWhatReadSecureFileRefuses) {
  TempDir dir;
  auto open = dir.WriteFile("open", "x", 0644);
  auto r = CheckPrivateFile(open);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "chmod 600 " + open)) << r.error().message;

  auto target = dir.WriteFile("real", "x", 0600);
  auto link = dir.Join("link");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto l = CheckPrivateFile(link);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(l.error().message, "symlink"));

  auto d = CheckPrivateFile(dir.MakeDir("sub"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kSecretFileInsecure);
}

TEST(CheckPrivateFile, MissingFileIsNotInsecure) {
  TempDir dir;
  auto r = CheckPrivateFile(dir.Join("absent"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
}

TEST(CheckPrivateFile, TakesRelativePaths) {
  TempDir dir;
  dir.WriteFile("rel", "x", 0600);
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  auto r = CheckPrivateFile("rel");
  ASSERT_EQ(::chdir(cwd), 0);
  EXPECT_TRUE(r) << r.error().ToString();
}

}  // namespace
}  // namespace warden
