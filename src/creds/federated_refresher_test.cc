#include "creds/federated_refresher.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace warden::creds {
namespace {

using namespace std::chrono_literals;
namespace asio = net::asio;

constexpr std::int64_t kNowMs = 1'700'000'000'000;

// A JWT whose payload has `exp`; the signature is arbitrary (the refresher only decodes `exp`).
std::string Jwt(std::int64_t exp_s) {
  return crypto::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
         crypto::Base64UrlEncode("{\"sub\":\"ci\",\"exp\":" + std::to_string(exp_s) + "}") +
         ".c2ln";
}

class FederatedRefresherTest : public ::testing::Test {
 protected:
  // Configures provider "fed" (no token yet: due at once), awaits RefreshNow, which shares the
  // loop's first run, then stops the refresher and runs the control loop (this thread) dry.
  void RefreshOnce(FederatedRefresher& refresher) {
    config::FederatedConfig cfg;
    cfg.refresh_command = {"/usr/local/bin/fetch-oidc-token", "--audience", "warden"};
    refresher.Configure({{"fed", {cfg, token_}}});
    asio::co_spawn(io_, refresher.RefreshNow("fed", ""), [&](std::exception_ptr e) {
      EXPECT_FALSE(e);
      // Back on the control loop once the run is recorded.
      EXPECT_EQ(std::this_thread::get_id(), test_thread_);
      refresher.Stop();
    });
    io_.run_for(10s);
  }
  bool Counted(const std::string& result) {
    return metrics_.Render().find(R"(warden_token_refreshes_total{provider="fed",result=")" +
                                  result + "\"} 1") != std::string::npos;
  }

  asio::io_context io_;
  MapEnvironment env_;
  observe::Metrics metrics_;
  FakeClock clock_{kNowMs};
  std::shared_ptr<FederatedToken> token_ = std::make_shared<FederatedToken>("fed");
  const std::thread::id test_thread_ = std::this_thread::get_id();
  std::atomic<int> runs_{0};
  std::thread::id command_thread_;
};

TEST_F(FederatedRefresherTest, RunsTheCommandOffTheControlThread) {
  bool control_ran_meanwhile = false;
  FederatedRefresher refresher(
      io_.get_executor(), env_, metrics_, clock_,
      [&](const secrets::ProcessSpec& spec, const Environment&) {
        ++runs_;
        command_thread_ = std::this_thread::get_id();
        EXPECT_EQ(spec.command, "/usr/local/bin/fetch-oidc-token");
        EXPECT_EQ(spec.args, (std::vector<std::string>{"--audience", "warden"}));
        // While the command runs, the control loop must still run other work (a SIGHUP reload,
        // a SIGTERM): on the control thread this wait could only time out.
        auto handled = std::make_shared<std::promise<void>>();
        asio::post(io_, [handled] { handled->set_value(); });
        control_ran_meanwhile = handled->get_future().wait_for(5s) == std::future_status::ready;
        secrets::ProcessOutput out;
        out.stdout_data = Jwt(kNowMs / 1000 + 3600) + "\n";
        return Result<secrets::ProcessOutput>(out);
      });
  RefreshOnce(refresher);
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_NE(command_thread_, test_thread_);
  EXPECT_TRUE(control_ran_meanwhile);
  auto cur = token_->Current();
  ASSERT_TRUE(cur);
  EXPECT_EQ(cur->token.Reveal(), Jwt(kNowMs / 1000 + 3600));
  EXPECT_EQ(cur->exp_ms, kNowMs + 3600'000);
  EXPECT_EQ(cur->source, "refresh_command");
  EXPECT_EQ(token_->LastError(), "");
  EXPECT_TRUE(Counted("ok")) << metrics_.Render();
}

TEST_F(FederatedRefresherTest, AFailingCommandPublishesNothingAndRecordsWhy) {
  FederatedRefresher refresher(io_.get_executor(), env_, metrics_, clock_,
                               [&](const secrets::ProcessSpec&, const Environment&) {
                                 ++runs_;
                                 command_thread_ = std::this_thread::get_id();
                                 return Result<secrets::ProcessOutput>(Error::Make(
                                     ErrorCode::kSecretProviderError, "exited with status 3"));
                               });
  RefreshOnce(refresher);
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_NE(command_thread_, test_thread_);
  EXPECT_FALSE(token_->Current());
  EXPECT_NE(token_->LastError().find("exited with status 3"), std::string::npos)
      << token_->LastError();
  EXPECT_TRUE(Counted("failed")) << metrics_.Render();
}

}  // namespace
}  // namespace warden::creds
