#include "base/file_lock.hpp"

#include <sys/stat.h>

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/test_util.hpp"

namespace warden {
namespace {

using test_util::ModeOf;
using test_util::TempDir;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(FileLock, CreatesTheLockFileOwnerOnly) {
  TempDir dir;
  auto lock = LockFile(dir.Join("x.lock"), 100ms);
  ASSERT_TRUE(lock.has_value()) << lock.error().ToString();
  EXPECT_TRUE(lock->held());
  EXPECT_EQ(ModeOf(dir.Join("x.lock")), 0600u);
}

TEST(FileLock, ASecondHolderTimesOutWithLockTimeoutNamingTheFile) {
  TempDir dir;
  const std::string path = dir.Join("x.lock");
  auto first = LockFile(path, 100ms);
  ASSERT_TRUE(first.has_value());
  const auto start = std::chrono::steady_clock::now();
  auto second = LockFile(path, 50ms);
  ASSERT_FALSE(second.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_EQ(second.error().code, ErrorCode::kLockTimeout);
  EXPECT_THAT(second.error().message, HasSubstr(path));
  EXPECT_THAT(second.error().message, HasSubstr("fuser"));
}

TEST(FileLock, ReleasingLetsTheNextHolderIn) {
  TempDir dir;
  const std::string path = dir.Join("x.lock");
  auto first = LockFile(path, 100ms);
  ASSERT_TRUE(first.has_value());
  first->Release();
  EXPECT_FALSE(first->held());
  auto second = LockFile(path, 0ms);
  EXPECT_TRUE(second.has_value());
}

TEST(FileLock, RefusesASymlinkedLockFile) {
  TempDir dir;
  dir.WriteFile("target", "");
  ASSERT_EQ(::symlink(dir.Join("target").c_str(), dir.Join("x.lock").c_str()), 0);
  auto lock = LockFile(dir.Join("x.lock"), 10ms);
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().code, ErrorCode::kIoError);
}

}  // namespace
}  // namespace warden
