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

// ---- trusted paths

constexpr std::size_t kMax = 1 << 20;
constexpr uid_t kNobody = 65534;

// Hands `path` to another user; only root can. False (the caller skips) for everyone else.
bool GiveAway(const std::string& path) {
  return geteuid() == 0 && ::chown(path.c_str(), kNobody, -1) == 0;
}

TEST(ReadTrustedFile, ReadsOwnFileWhateverItsReadBits) {
  TempDir dir;
  for (mode_t mode : {0600, 0400, 0644, 0640, 0604, 0755}) {
    auto path = dir.WriteFile("c" + std::to_string(mode), "bind = 1\n", mode);
    for (TrustedOwner owner : {TrustedOwner::kUser, TrustedOwner::kUserOrRoot}) {
      auto r = ReadTrustedFile(path, kMax, "config file", owner);
      ASSERT_TRUE(r) << std::oct << mode << " " << r.error().ToString();
      EXPECT_EQ(*r, "bind = 1\n");
    }
  }
}

TEST(ReadTrustedFile, RefusesGroupOrOtherWritableNamingChmodGoW) {
  TempDir dir;
  for (mode_t mode : {0620, 0602, 0664, 0666, 0622, 0660, 0606}) {
    auto path = dir.WriteFile("c", "PLANTED-CONTENT", mode);
    auto r = ReadTrustedFile(path, kMax, "config file", TrustedOwner::kUserOrRoot);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "config file " + path + " has mode"))
        << r.error().message;
    EXPECT_TRUE(Contains(r.error().message, "chmod go-w " + path)) << r.error().message;
    EXPECT_EQ(r.error().context, path);
    EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
  }
}

TEST(ReadTrustedFile, FollowsASymlinkAndChecksWhatItNames) {
  TempDir dir;
  auto good = dir.WriteFile("good", "ok", 0644);
  auto bad = dir.WriteFile("bad", "PLANTED", 0666);
  auto to_good = dir.Join("to-good");
  auto to_bad = dir.Join("to-bad");
  ASSERT_EQ(::symlink(good.c_str(), to_good.c_str()), 0);
  ASSERT_EQ(::symlink(bad.c_str(), to_bad.c_str()), 0);
  auto r = ReadTrustedFile(to_good, kMax, "config file", TrustedOwner::kUser);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, "ok");
  auto b = ReadTrustedFile(to_bad, kMax, "config file", TrustedOwner::kUser);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kFileInsecure);
  EXPECT_TRUE(Contains(b.error().message, "chmod go-w " + to_bad)) << b.error().message;
}

TEST(ReadTrustedFile, RefusesWhatIsNotARegularFileWithoutBlocking) {
  TempDir dir;
  auto fifo = dir.Join("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {dir.MakeDir("sub"), fifo}) {
    auto r = ReadTrustedFile(path, kMax, "dotenv file", TrustedOwner::kUser);
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "dotenv file " + path + " is not a regular file"))
        << r.error().message;
  }
}

TEST(ReadTrustedFile, MissingIsIoErrorAndTooLargeIsFileTooLarge) {
  TempDir dir;
  auto missing = ReadTrustedFile(dir.Join("absent"), kMax, "config file", TrustedOwner::kUser);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIoError);
  auto big = dir.WriteFile("big", std::string(100, 'x'), 0600);
  auto r = ReadTrustedFile(big, 10, "config file", TrustedOwner::kUser);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFileTooLarge);
}

TEST(ReadTrustedFile, RefusesAFileOwnedByAnotherUserNamingChown) {
  TempDir dir;
  auto path = dir.WriteFile("c", "x", 0644);
  if (!GiveAway(path)) GTEST_SKIP() << "needs root to create a file owned by another user";
  for (TrustedOwner owner : {TrustedOwner::kUser, TrustedOwner::kUserOrRoot}) {
    auto r = ReadTrustedFile(path, kMax, "config file", owner);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "is owned by uid 65534")) << r.error().message;
    EXPECT_TRUE(Contains(r.error().message, "chown " + std::to_string(geteuid()) + " " + path))
        << r.error().message;
  }
}

TEST(CheckTrustedStat, RootOwnedPassesOnlyWhereRootIsAllowed) {
  struct stat st {};
  ASSERT_EQ(::stat("/", &st), 0);
  ASSERT_EQ(st.st_uid, 0u) << "expected / to be owned by root";
  st.st_mode &= ~mode_t{S_IWGRP | S_IWOTH};
  EXPECT_TRUE(CheckTrustedStat(st, "/", "exec helper", TrustedOwner::kUserOrRoot));
  auto user_only = CheckTrustedStat(st, "/", "warden home", TrustedOwner::kUser);
  // Root is the current user when the tests run as root.
  EXPECT_EQ(static_cast<bool>(user_only), geteuid() == 0);
  if (!user_only) {
    EXPECT_EQ(user_only.error().code, ErrorCode::kFileInsecure);
    EXPECT_FALSE(Contains(user_only.error().message, "or root")) << user_only.error().message;
  }
}

TEST(CheckTrustedDir, AcceptsOwnDirectoryNotWritableByOthers) {
  TempDir dir;
  for (mode_t mode : {0700, 0750, 0755, 0500, 0711}) {
    auto d = dir.MakeDir("d" + std::to_string(mode), mode);
    ASSERT_EQ(::chmod(d.c_str(), mode), 0);  // mkdir's mode is filtered by the umask
    auto r = CheckTrustedDir(d, "warden home", TrustedOwner::kUser);
    EXPECT_TRUE(r) << std::oct << mode << " " << r.error().ToString();
  }
}

TEST(CheckTrustedDir, RefusesGroupOrOtherWritableEvenWithTheStickyBit) {
  TempDir dir;
  for (mode_t mode : {0770, 0707, 0777, 01777, 0730}) {
    auto d = dir.MakeDir("d" + std::to_string(mode), 0700);
    ASSERT_EQ(::chmod(d.c_str(), mode), 0);
    auto r = CheckTrustedDir(d, "warden home", TrustedOwner::kUser);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "warden home " + d + " has mode"));
    EXPECT_TRUE(Contains(r.error().message, "chmod go-w " + d)) << r.error().message;
  }
}

TEST(CheckTrustedDir, RefusesAFileAMissingPathAndAnotherUsersDirectory) {
  TempDir dir;
  auto file = CheckTrustedDir(dir.WriteFile("f", "x"), "warden home", TrustedOwner::kUser);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kFileInsecure);
  EXPECT_TRUE(Contains(file.error().message, "is not a directory"));
  auto missing = CheckTrustedDir(dir.Join("absent"), "warden home", TrustedOwner::kUser);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIoError);

  auto theirs = dir.MakeDir("theirs");
  if (!GiveAway(theirs)) GTEST_SKIP() << "needs root to create a directory owned by another user";
  auto r = CheckTrustedDir(theirs, "warden home", TrustedOwner::kUser);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "is owned by uid 65534")) << r.error().message;
}

}  // namespace
}  // namespace warden
