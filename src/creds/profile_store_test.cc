#include "creds/profile_store.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/file_lock.hpp"
#include "base/test_util.hpp"

namespace warden::creds {
namespace {

using test_util::ModeOf;
using test_util::ReadAll;
using test_util::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

Profile TokenProfile(const std::string& id, const std::string& value) {
  Profile p;
  p.id = id;
  p.type = ProfileType::kToken;
  p.provider = SplitProfileId(id)->provider;
  p.secret = Secret(value);
  return p;
}

ProfileStore::Mutation Put(Profile p) {
  return [p = std::move(p)](ProfileDocument& doc) -> Result<bool> {
    doc.profiles[p.id] = p;
    return true;
  };
}

TEST(ProfileStore, AMissingStoreIsEmpty) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.Join("home"));
  EXPECT_FALSE(store.Exists());
  auto doc = store.Load();
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_TRUE(doc->profiles.empty());
}

TEST(ProfileStore, UpdateCreatesHomeAndAnOwnerOnlyStore) {
  TempDir dir;
  const std::string home = dir.Join("home");
  ProfileStore store = ProfileStore::InHome(home);
  auto doc = store.Update(Put(TokenProfile("anthropic:default", "sk-ant-1")));
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_EQ(ModeOf(home), 0700u);
  EXPECT_EQ(ModeOf(store.path()), 0600u);
  EXPECT_EQ(ModeOf(store.lock_path()), 0600u);
  auto again = store.Load();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->profiles.at("anthropic:default").secret.Reveal(), "sk-ant-1");
  // No temp files left beside it.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(home)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2);  // the store and its lock file
}

TEST(ProfileStore, UpdateRemovesTempFilesADeadWriterLeftBehind) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.path());
  const std::string stale = dir.WriteFile("auth-profiles.json.tmp-Ab12Cd", "{\"version\":1", 0600);
  const std::string other = dir.WriteFile("auth-profiles.json.bak", "keep", 0600);
  ASSERT_TRUE(store.Update(Put(TokenProfile("a:x", "v"))).has_value());
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(other));
}

TEST(ProfileStore, AnUnchangedMutationDoesNotWrite) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.path());
  ASSERT_TRUE(store.Update([](ProfileDocument&) -> Result<bool> { return false; }).has_value());
  EXPECT_FALSE(store.Exists());
}

TEST(ProfileStore, AMutationErrorWritesNothing) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.path());
  ASSERT_TRUE(store.Update(Put(TokenProfile("a:x", "v1"))).has_value());
  const std::string before = ReadAll(store.path());
  auto r = store.Update([](ProfileDocument& doc) -> Result<bool> {
    doc.profiles.clear();
    return Error::Make(ErrorCode::kProfileNotFound, "no");
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kProfileNotFound);
  EXPECT_EQ(ReadAll(store.path()), before);
}

TEST(ProfileStore, AChangeThatWouldMakeTheStoreUnreadableIsRefused) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.path());
  ASSERT_TRUE(store.Update(Put(TokenProfile("a:x", "v1"))).has_value());
  const std::string before = ReadAll(store.path());
  auto r = store.Update(Put(TokenProfile("a:y", "bad\r\nvalue")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kProfileInvalid);
  EXPECT_THAT(r.error().message, Not(HasSubstr("bad")));
  EXPECT_EQ(ReadAll(store.path()), before);
}

TEST(ProfileStore, AGroupOrWorldReadableStoreIsRefusedAndNeverOverwritten) {
  for (mode_t mode : {0640, 0604, 0660, 0644}) {
    TempDir dir;
    ProfileStore store = ProfileStore::InHome(dir.path());
    const std::string text = R"({"version":1,"profiles":{}})";
    dir.WriteFile(kProfileStoreFileName, text, mode);
    auto loaded = store.Load();
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, ErrorCode::kSecretFileInsecure);
    EXPECT_THAT(loaded.error().message, HasSubstr("chmod 600 " + store.path()));
    auto updated = store.Update(Put(TokenProfile("a:x", "v")));
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kSecretFileInsecure);
    EXPECT_EQ(ReadAll(store.path()), text);
    EXPECT_EQ(ModeOf(store.path()), mode);
  }
}

TEST(ProfileStore, ASymlinkedStoreIsRefused) {
  TempDir dir;
  const std::string target =
      dir.WriteFile("elsewhere.json", R"({"version":1,"profiles":{}})", 0600);
  ProfileStore store = ProfileStore::InHome(dir.path());
  ASSERT_EQ(::symlink(target.c_str(), store.path().c_str()), 0);
  auto loaded = store.Load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_FALSE(store.Update(Put(TokenProfile("a:x", "v"))).has_value());
  EXPECT_EQ(ReadAll(target), R"({"version":1,"profiles":{}})");
}

TEST(ProfileStore, CorruptTruncatedOrWrongVersionStoresAreRefusedAndKept) {
  for (const std::string& text : {std::string(R"({"version":1,"profiles":{"a:x":{"type":"tok)"),
                                  std::string(""), std::string(R"({"version":2,"profiles":{}})")}) {
    TempDir dir;
    ProfileStore store = ProfileStore::InHome(dir.path());
    dir.WriteFile(kProfileStoreFileName, text, 0600);
    auto loaded = store.Load();
    ASSERT_FALSE(loaded.has_value()) << text;
    EXPECT_EQ(loaded.error().code, ErrorCode::kProfileStoreCorrupt) << text;
    auto updated = store.Update(Put(TokenProfile("a:x", "v")));
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, ErrorCode::kProfileStoreCorrupt);
    EXPECT_EQ(ReadAll(store.path()), text);
  }
}

TEST(ProfileStore, UpdateWaitsForTheLockAndTimesOutWithoutWriting) {
  TempDir dir;
  ProfileStoreOptions options;
  options.lock_timeout = 50ms;
  ProfileStore store = ProfileStore::InHome(dir.path(), options);
  ASSERT_TRUE(store.Update(Put(TokenProfile("a:x", "v1"))).has_value());
  const std::string before = ReadAll(store.path());
  auto held = LockFile(store.lock_path(), 0ms);
  ASSERT_TRUE(held.has_value());
  auto r = store.Update(Put(TokenProfile("a:y", "v2")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kLockTimeout);
  EXPECT_EQ(ReadAll(store.path()), before);
  held->Release();
  EXPECT_TRUE(store.Update(Put(TokenProfile("a:y", "v2"))).has_value());
}

// Runs `body` in a forked child; returns its exit status (0 = body returned true).
template <typename Body>
pid_t Fork(Body body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body() ? 0 : 1);
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(ProfileStore, TwoProcessesUpdatingAtOnceLoseNoUpdate) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.path());
  constexpr int kEach = 40;
  auto writer = [&store](char who) {
    return [&store, who] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = std::string("p:") + who + std::to_string(i);
        if (!store.Update(Put(TokenProfile(id, "v"))).has_value()) return false;
      }
      return true;
    };
  };
  pid_t a = Fork(writer('a'));
  pid_t b = Fork(writer('b'));
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  EXPECT_EQ(Wait(a), 0);
  EXPECT_EQ(Wait(b), 0);
  auto doc = store.Load();
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  EXPECT_EQ(doc->profiles.size(), std::size_t(2 * kEach));
}

TEST(ProfileStore, AReaderNeverSeesATornFileWhileAnotherProcessWrites) {
  TempDir dir;
  ProfileStore store = ProfileStore::InHome(dir.path());
  // Large values make each write span many blocks, so a torn read would show.
  const std::string big(40 * 1024, 'x');
  ASSERT_TRUE(store.Update(Put(TokenProfile("p:seed", big))).has_value());
  pid_t writer = Fork([&] {
    for (int i = 0; i < 30; ++i) {
      if (!store.Update(Put(TokenProfile("p:w" + std::to_string(i), big))).has_value()) {
        return false;
      }
    }
    return true;
  });
  ASSERT_GT(writer, 0);
  int loads = 0;
  int status = -1;
  while (true) {
    auto doc = store.Load();
    ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
    ++loads;
    if (::waitpid(writer, &status, WNOHANG) == writer) break;
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GT(loads, 1);
  EXPECT_EQ(store.Load()->profiles.size(), 31u);
}

}  // namespace
}  // namespace warden::creds
