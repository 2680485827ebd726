#include "config/bind_exposure.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

GatewayConfig Gateway(const std::string& bind, AuthMode mode, bool tls) {
  GatewayConfig g;
  g.bind = bind;
  g.auth.mode = mode;
  if (tls) g.tls = TlsConfig{"/etc/warden/cert.pem", "/etc/warden/key.pem", ""};
  return g;
}

TEST(BindExposureTest, LoopbackBindsAreNotExposed) {
  for (const char* bind :
       {"127.0.0.1:8787", "127.1.2.3:0", "[::1]:8787", "localhost:9", "[::ffff:127.0.0.1]:8787"}) {
    EXPECT_EQ(AssessBindExposure(Gateway(bind, AuthMode::kNone, false)), std::nullopt) << bind;
  }
}

TEST(BindExposureTest, NetworkBindWithTokenIsAWarningNamingTlsAndTheFix) {
  auto e = AssessBindExposure(Gateway("0.0.0.0:8787", AuthMode::kToken, false));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->level, BindExposure::Level::kWarning);
  EXPECT_THAT(e->message, HasSubstr("gateway.bind = \"0.0.0.0:8787\""));
  EXPECT_THAT(e->message, HasSubstr("callers need the gateway token"));
  EXPECT_THAT(e->message, HasSubstr("without [gateway.tls]"));
  EXPECT_THAT(e->message, HasSubstr("fix: bind = \"127.0.0.1:8787\""));

  auto tls = AssessBindExposure(Gateway("[::]:443", AuthMode::kJwt, true));
  ASSERT_TRUE(tls.has_value());
  EXPECT_EQ(tls->level, BindExposure::Level::kProtected);
  EXPECT_THAT(tls->message, HasSubstr("served over TLS"));
  EXPECT_THAT(tls->message, HasSubstr("JWT"));
  EXPECT_THAT(tls->message, Not(HasSubstr("clear text")));
}

TEST(BindExposureTest, AHostNameIsAssumedToBeANetworkAddress) {
  auto e = AssessBindExposure(Gateway("gateway.internal:8787", AuthMode::kToken, true));
  ASSERT_TRUE(e.has_value());
}

TEST(BindExposureTest, NoAuthOrTrustedProxyOnANetworkBindIsADanger) {
  auto none = AssessBindExposure(Gateway("192.0.2.10:8787", AuthMode::kNone, true));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->level, BindExposure::Level::kDanger);
  EXPECT_THAT(none->message, HasSubstr("refuses to start"));
  auto proxy = AssessBindExposure(Gateway("0.0.0.0:8787", AuthMode::kTrustedProxy, false));
  ASSERT_TRUE(proxy.has_value());
  EXPECT_EQ(proxy->level, BindExposure::Level::kDanger);
  EXPECT_THAT(proxy->message, HasSubstr("only the proxy may reach it"));
}

TEST(BindExposureTest, ABindThatDoesNotParseIsLeftToTheLoader) {
  EXPECT_EQ(AssessBindExposure(Gateway("not a bind", AuthMode::kNone, false)), std::nullopt);
}

}  // namespace
}  // namespace warden::config
