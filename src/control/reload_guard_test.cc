#include "control/reload_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::control {
namespace {

config::Config With(config::AuthMode mode, std::string bind = "127.0.0.1:8787") {
  config::Config c;
  c.gateway.auth.mode = mode;
  c.gateway.bind = std::move(bind);
  return c;
}

TEST(CheckReloadable, AcceptsAReloadThatKeepsModeAndBind) {
  auto running = With(config::AuthMode::kToken);
  auto next = With(config::AuthMode::kToken);
  next.gateway.idle_timeout = config::Duration(5000);
  EXPECT_TRUE(CheckReloadable(running, next, "127.0.0.1:8787"));
}

TEST(CheckReloadable, AcceptsNewTrustedProxySettings) {
  // proxies, user_header, required_headers and allow_users are policy, not how callers
  // authenticate: a reload may change them (the next snapshot carries them).
  auto running = With(config::AuthMode::kTrustedProxy, "0.0.0.0:8787");
  running.gateway.auth.trusted_proxy.proxies = {"10.0.0.1"};
  auto next = running;
  next.gateway.auth.trusted_proxy.proxies = {"10.0.0.2", "10.0.0.3"};
  next.gateway.auth.trusted_proxy.allow_users = {"*@example.com"};
  next.gateway.auth.trusted_proxy.user_header = "x-auth-request-email";
  EXPECT_TRUE(CheckReloadable(running, next, "0.0.0.0:8787"));
  EXPECT_FALSE(
      CheckReloadable(running, With(config::AuthMode::kToken, "0.0.0.0:8787"), "0.0.0.0:8787"));
}

TEST(CheckReloadable, RefusesAnAuthModeChange) {
  struct Case {
    config::AuthMode from, to;
  } const kCases[] = {
      {config::AuthMode::kToken, config::AuthMode::kNone},
      {config::AuthMode::kNone, config::AuthMode::kToken},
      {config::AuthMode::kToken, config::AuthMode::kJwt},
  };
  for (const auto& c : kCases) {
    auto r = CheckReloadable(With(c.from), With(c.to), "127.0.0.1:8787");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, "gateway.auth.mode");
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("restart"));
  }
}

TEST(CheckReloadable, TlsMayChangeFilesButNotBeTurnedOnOrOff) {
  auto plain = With(config::AuthMode::kToken);
  auto https = plain;
  https.gateway.tls = config::TlsConfig{"/etc/w/cert.pem", "/etc/w/key.pem", ""};
  auto renewed = https;
  renewed.gateway.tls->cert = "/etc/w/cert-2027.pem";
  EXPECT_TRUE(CheckReloadable(https, renewed, "127.0.0.1:8787"));
  for (const auto& [from, to] : {std::pair{plain, https}, std::pair{https, plain}}) {
    auto r = CheckReloadable(from, to, "127.0.0.1:8787");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, "gateway.tls");
  }
}

TEST(CheckReloadable, RefusesABindChange) {
  auto r = CheckReloadable(With(config::AuthMode::kToken, "127.0.0.1:8787"),
                           With(config::AuthMode::kToken, "127.0.0.1:9999"), "127.0.0.1:8787");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context, "gateway.bind");
}

TEST(CheckReloadable, JudgesModeNoneByTheAddressActuallyListenedOn) {
  // Started with --bind on a network address: the config's loopback bind does not matter.
  auto running = With(config::AuthMode::kNone);
  EXPECT_FALSE(CheckReloadable(running, With(config::AuthMode::kNone), "0.0.0.0:8787"));
  EXPECT_FALSE(CheckReloadable(running, With(config::AuthMode::kNone), "[::]:8787"));
  EXPECT_TRUE(CheckReloadable(running, With(config::AuthMode::kNone), "127.0.0.1:8787"));
}

}  // namespace
}  // namespace warden::control
