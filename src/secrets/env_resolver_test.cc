#include "secrets/env_resolver.hpp"

#include <gtest/gtest.h>

#include <string>

namespace warden::secrets {
namespace {

using Vars = std::map<std::string, std::string>;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

config::SecretRef EnvRef(const std::string& id, const std::string& alias = "default") {
  return config::SecretRef{config::SecretSource::kEnv, alias, id};
}

TEST(EnvResolver, ReadsVariableWithDefaultAlias) {
  MapEnvironment env(Vars{{"OPENAI_API_KEY", "sk-abc"}});
  auto r = ResolveEnvRef(EnvRef("OPENAI_API_KEY"), nullptr, env);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->Reveal(), "sk-abc");
}

TEST(EnvResolver, UnsetOrEmptyIsNotFoundNamingTheVariable) {
  MapEnvironment env(Vars{{"EMPTY", ""}});
  for (const char* name : {"UNSET_VAR", "EMPTY"}) {
    auto r = ResolveEnvRef(EnvRef(name), nullptr, env);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kSecretRefNotFound);
    EXPECT_TRUE(Contains(r.error().message, name));
    EXPECT_EQ(r.error().context, "env:default:" + std::string(name));
  }
}

TEST(EnvResolver, AllowlistRestrictsAnAlias) {
  MapEnvironment env(Vars{{"A", "a-value"}, {"B", "b-value"}});
  config::SecretProviderConfig provider;
  provider.alias = "ci";
  provider.source = config::SecretSource::kEnv;
  provider.allowlist = {"A"};
  auto ok = ResolveEnvRef(EnvRef("A", "ci"), &provider, env);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->Reveal(), "a-value");
  auto denied = ResolveEnvRef(EnvRef("B", "ci"), &provider, env);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kSecretRefInvalid);
  EXPECT_TRUE(Contains(denied.error().message, "not in allowlist"));
  EXPECT_FALSE(Contains(denied.error().ToString(), "b-value"));

  provider.allowlist.clear();  // empty = any variable
  EXPECT_TRUE(ResolveEnvRef(EnvRef("B", "ci"), &provider, env));
}

TEST(EnvResolver, RejectsMalformedNames) {
  MapEnvironment env;
  for (const char* name : {"", "A=B"}) {
    auto r = ResolveEnvRef(EnvRef(name), nullptr, env);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kSecretRefInvalid);
  }
}

}  // namespace
}  // namespace warden::secrets
