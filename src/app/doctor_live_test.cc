#include "app/doctor_live.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::app {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr const char* kWhere = "127.0.0.1:8787";
constexpr const char* kOrigin = "/etc/warden/warden.toml";

config::Config ConfigWith(std::vector<std::string> ids) {
  config::Config cfg;
  cfg.origin = kOrigin;
  for (auto& id : ids) {
    config::ProviderConfig p;
    p.id = std::move(id);
    cfg.providers.push_back(std::move(p));
  }
  return cfg;
}

proxy::ReadyzDocument LiveWith(std::vector<std::string> ids) {
  proxy::ReadyzDocument doc;
  doc.ready = true;
  doc.config = kOrigin;
  doc.auth_mode = "token";
  for (auto& id : ids) {
    proxy::ProviderReadiness p;
    p.id = std::move(id);
    p.enabled = true;
    p.available = true;
    doc.providers.push_back(std::move(p));
  }
  return doc;
}

TEST(CompareLiveGatewayTest, AgreeingGatewayHasNoFinding) {
  EXPECT_THAT(
      CompareLiveGateway(LiveWith({"openai", "sp"}), ConfigWith({"sp", "openai"}), kOrigin, kWhere),
      IsEmpty());
}

TEST(CompareLiveGatewayTest, ProvidersAddedOrRemovedOnDiskAreStale) {
  auto f = CompareLiveGateway(LiveWith({"openai", "old"}), ConfigWith({"openai", "new"}), kOrigin,
                              kWhere);
  ASSERT_THAT(f, SizeIs(1));
  EXPECT_EQ(f[0].code, kGatewayStaleConfig);
  EXPECT_THAT(f[0].message, HasSubstr("not running [new]"));
  EXPECT_THAT(f[0].message, HasSubstr("running [old] the file no longer lists"));
  EXPECT_THAT(f[0].message, HasSubstr("SIGHUP"));
}

TEST(CompareLiveGatewayTest, AnotherConfigFileIsNamed) {
  auto live = LiveWith({"openai"});
  live.config = "/srv/other.toml";
  auto f = CompareLiveGateway(live, ConfigWith({"sp"}), kOrigin, kWhere);
  ASSERT_THAT(f, SizeIs(1)) << "the provider sets of two files are not compared";
  EXPECT_EQ(f[0].code, kGatewayStaleConfig);
  EXPECT_THAT(f[0].message,
              HasSubstr("runs the config /srv/other.toml, not " + std::string(kOrigin)));
}

TEST(CompareLiveGatewayTest, AFailedReloadIsStaleWithItsReason) {
  auto live = LiveWith({"openai"});
  live.reload.failed = 1;
  live.reload.last_error = "CONFIG_INVALID: gateway.bind changes only on restart";
  auto f = CompareLiveGateway(live, ConfigWith({"openai"}), kOrigin, kWhere);
  ASSERT_THAT(f, SizeIs(1));
  EXPECT_EQ(f[0].code, kGatewayStaleConfig);
  EXPECT_THAT(f[0].message, HasSubstr("refused its last reload"));
  EXPECT_THAT(f[0].message, HasSubstr("gateway.bind changes only on restart"));
}

TEST(CompareLiveGatewayTest, AnotherAuthModeNeedsARestart) {
  auto live = LiveWith({"openai"});
  live.auth_mode = "none";
  auto f = CompareLiveGateway(live, ConfigWith({"openai"}), kOrigin, kWhere);
  ASSERT_THAT(f, SizeIs(1));
  EXPECT_THAT(f[0].message, HasSubstr("\"none\", the config says \"token\""));
  live.auth_mode.clear();  // an older gateway does not say: nothing to compare
  EXPECT_THAT(CompareLiveGateway(live, ConfigWith({"openai"}), kOrigin, kWhere), IsEmpty());
}

TEST(CompareLiveGatewayTest, UnavailableIsNotReadyNamingTheProviders) {
  auto live = LiveWith({"openai", "sp"});
  live.ready = false;
  for (auto& p : live.providers) p.available = false;
  auto f = CompareLiveGateway(live, ConfigWith({"openai", "sp"}), kOrigin, kWhere);
  ASSERT_THAT(f, SizeIs(1));
  EXPECT_EQ(f[0].code, kGatewayNotReady);
  EXPECT_THAT(f[0].message, HasSubstr("unavailable: openai, sp"));
}

}  // namespace
}  // namespace warden::app
