#include "control/file_watch.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/test_util.hpp"

namespace warden::control {
namespace {

using namespace std::chrono_literals;

class FileWatchTest : public ::testing::Test {
 protected:
  // Replaces dir/name by renaming a new file into place, as editors and `replaceConfig` do.
  void Replace(const std::string& name, const std::string& text) {
    dir_.WriteFile(name + ".tmp", text);
    ASSERT_EQ(std::rename(dir_.Join(name + ".tmp").c_str(), dir_.Join(name).c_str()), 0);
  }

  // Runs one Next() to completion (at most 5 s) and returns what it reported.
  std::optional<std::vector<std::string>> NextChange(FileWatch& watch) {
    std::optional<std::vector<std::string>> got;
    net::asio::co_spawn(
        io_,
        [&]() -> net::Task<void> {
          got = co_await watch.Next();
          io_.stop();
        },
        net::asio::detached);
    io_.run_for(5s);
    io_.restart();
    return got;
  }

  test_util::TempDir dir_;
  net::asio::io_context io_;
};

TEST_F(FileWatchTest, ReportsAFileReplacedByRename) {
  FileWatch watch(io_.get_executor());
  ASSERT_TRUE(watch.ok());
  const std::string config = dir_.WriteFile("warden.toml", "a");
  watch.SetFiles({config});
  Replace("warden.toml", "b");
  EXPECT_EQ(NextChange(watch), std::vector<std::string>{config});
}

// A reload re-arms the watch (SetFiles) after publishing the new snapshot. A file replaced in
// between has its event queued already; re-arming must not make that event unrecognisable, or
// the change is never reloaded (seen as a missed reload under load).
TEST_F(FileWatchTest, AChangeQueuedBeforeRearmingIsStillReported) {
  FileWatch watch(io_.get_executor());
  const std::string config = dir_.WriteFile("warden.toml", "a");
  const std::string store = dir_.WriteFile("auth-profiles.json", "{}");
  watch.SetFiles({config});
  Replace("warden.toml", "b");
  watch.SetFiles({config, store});
  EXPECT_EQ(NextChange(watch), std::vector<std::string>{config});
  Replace("auth-profiles.json", "{ }");
  EXPECT_EQ(NextChange(watch), std::vector<std::string>{store});
}

TEST_F(FileWatchTest, ADirectoryNoLongerWatchedReportsNothing) {
  FileWatch watch(io_.get_executor());
  const std::string sub = dir_.MakeDir("tls");
  const std::string cert = dir_.WriteFile("tls/cert.pem", "x");
  const std::string config = dir_.WriteFile("warden.toml", "a");
  watch.SetFiles({config, cert});
  watch.SetFiles({config});
  Replace("tls/cert.pem", "y");
  Replace("warden.toml", "b");
  EXPECT_EQ(NextChange(watch), std::vector<std::string>{config});
}

}  // namespace
}  // namespace warden::control
