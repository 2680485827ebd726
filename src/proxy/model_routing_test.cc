#include "proxy/model_routing.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

snapshot::ProviderRuntime Provider(std::string id, config::Api api, bool enabled) {
  snapshot::ProviderRuntime p;
  p.id = std::move(id);
  p.api = api;
  p.enabled = enabled;
  p.how_to_enable = {p.id == "anthropic" ? "ANTHROPIC_API_KEY" : "X_API_KEY"};
  return p;
}

// providers: openai (0), anthropic (1), openrouter (2, OpenAI wire), off (3, disabled OpenAI),
// claude-compat (4, an OpenAI-compatible provider that serves claude-* names).
struct Fixture {
  snapshot::Snapshot snap;

  Fixture() {
    snap.providers.push_back(Provider("openai", config::Api::kOpenAi, true));
    snap.providers.push_back(Provider("anthropic", config::Api::kAnthropic, true));
    snap.providers.push_back(Provider("openrouter", config::Api::kOpenAi, true));
    snap.providers.push_back(Provider("off", config::Api::kOpenAi, false));
    snap.providers.push_back(Provider("claude-compat", config::Api::kOpenAi, true));
    snap.enabled_names = "openai, anthropic, openrouter, claude-compat";
  }

  Fixture& Rule(std::string pattern, std::size_t provider) {
    snap.models.rules.push_back({pattern, provider, "models.\"" + pattern + "\""});
    return *this;
  }

  Fixture& Alias(std::string name, std::size_t provider, std::string model) {
    const std::string target = snap.providers[provider].id + "/" + model;
    snap.models.aliases.push_back({name, provider, target, model, "models.aliases." + name});
    return *this;
  }

  // Only these providers stay enabled.
  Fixture& OnlyEnabled(std::vector<std::string_view> ids) {
    for (auto& p : snap.providers) {
      p.enabled = false;
      for (std::string_view id : ids) p.enabled = p.enabled || p.id == id;
    }
    return *this;
  }

  ModelChoice Choose(WireFormat wire, std::string_view model) const {
    return ChooseModel(snap, wire, model);
  }
};

std::string ProviderOf(const ModelChoice& c) {
  return c.provider == nullptr ? "<none>" : c.provider->id;
}

TEST(ChooseModel, ExplicitNamesAreUnchanged) {
  Fixture f;
  f.Rule("*", 0);
  const ModelChoice c = f.Choose(WireFormat::kOpenAi, "openrouter/anthropic/claude-3@20240229");
  ASSERT_FALSE(c.reply.has_value());
  EXPECT_EQ(ProviderOf(c), "openrouter");
  EXPECT_EQ(c.model, "anthropic/claude-3@20240229");
  EXPECT_TRUE(c.rewrite);
  EXPECT_EQ(c.qualified, "openrouter/anthropic/claude-3@20240229");
  EXPECT_EQ(c.via, "");
}

TEST(ChooseModel, ExplicitUnknownProviderAndMalformedNames) {
  Fixture f;
  EXPECT_EQ(f.Choose(WireFormat::kOpenAi, "nope/x").reply->code, "unknown_provider");
  for (std::string_view bad : {"", "openai/", "/gpt-4o", "openai/@work"}) {
    const ModelChoice c = f.Choose(WireFormat::kOpenAi, bad);
    ASSERT_TRUE(c.reply.has_value()) << bad;
    EXPECT_EQ(c.reply->code, "model_invalid") << bad;
  }
}

TEST(ChooseModel, FirstMatchingRuleInOrderWins) {
  Fixture f;
  f.Rule("gpt-4o-mini*", 2).Rule("gpt-*", 0).Rule("*", 4);
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "gpt-4o-mini-2024")), "openrouter");
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "gpt-4o")), "openai");
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "mistral-large")), "claude-compat");
  const ModelChoice c = f.Choose(WireFormat::kOpenAi, "gpt-5");
  EXPECT_EQ(c.model, "gpt-5");
  EXPECT_FALSE(c.rewrite) << "a bare name reaches the upstream unchanged";
  EXPECT_EQ(c.qualified, "");
  EXPECT_EQ(c.via, "models.\"gpt-*\"");
}

TEST(ChooseModel, RuleForTheOtherWireFormatIsSkipped) {
  Fixture f;
  f.Rule("claude-*", 1).Rule("claude-*", 4);
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kAnthropic, "claude-opus-4-1")), "anthropic");
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "claude-opus-4-1")), "claude-compat");
}

TEST(ChooseModel, RuleToADisabledProviderStillDecides) {
  Fixture f;
  f.Rule("o3*", 3);
  const ModelChoice c = f.Choose(WireFormat::kOpenAi, "o3-mini");
  ASSERT_FALSE(c.reply.has_value());
  EXPECT_EQ(ProviderOf(c), "off") << "planning answers provider_disabled naming the rule";
  EXPECT_EQ(c.via, "models.\"o3*\"");
}

TEST(ChooseModel, WithoutARuleTheSoleProviderOfTheWireFormatTakesIt) {
  Fixture f;  // one enabled Anthropic provider
  const ModelChoice c = f.Choose(WireFormat::kAnthropic, "claude-haiku-4-5");
  ASSERT_FALSE(c.reply.has_value());
  EXPECT_EQ(ProviderOf(c), "anthropic");
  EXPECT_EQ(c.via, "");
  f.OnlyEnabled({"anthropic", "openrouter"});  // "off" is disabled and does not count
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "llama-3")), "openrouter");
}

TEST(ChooseModel, SeveralProvidersWithoutARuleIsAmbiguousAndNamesThem) {
  Fixture f;
  f.Rule("gpt-*", 0);
  const ModelChoice c = f.Choose(WireFormat::kOpenAi, "mistral-large");
  ASSERT_TRUE(c.reply.has_value());
  EXPECT_EQ(c.reply->status, 400);
  EXPECT_EQ(c.reply->code, "model_ambiguous");
  EXPECT_THAT(c.reply->message, HasSubstr("3 enabled providers speak the OpenAI API (openai, "
                                          "openrouter, claude-compat)"));
  EXPECT_THAT(c.reply->message, HasSubstr("write \"openai/mistral-large\""));
  EXPECT_THAT(c.reply->message, HasSubstr("\"mistral-large*\" = \"openai\""));
  EXPECT_THAT(c.reply->message, Not(HasSubstr("'off'")));
}

TEST(ChooseModel, NoProviderForTheWireFormatSaysHowToEnableOne) {
  Fixture f;
  f.OnlyEnabled({"openai"});
  const ModelChoice c = f.Choose(WireFormat::kAnthropic, "claude-sonnet-4-5");
  ASSERT_TRUE(c.reply.has_value());
  EXPECT_EQ(c.reply->code, "model_unroutable");
  EXPECT_THAT(c.reply->message, HasSubstr("no enabled provider speaks the Anthropic API"));
  EXPECT_THAT(c.reply->message, HasSubstr("'anthropic' would (set ANTHROPIC_API_KEY)"));
  EXPECT_THAT(c.reply->message, HasSubstr("enabled providers: openai"));
}

TEST(ChooseModel, EmptyTableAndMatchNothingTableFallBack) {
  Fixture f;
  f.OnlyEnabled({"openai", "anthropic"});
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "gpt-4o")), "openai");
  f.Rule("never-*", 2);
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "gpt-4o")), "openai");
}

TEST(ChooseModel, MatchEverythingRuleTakesEveryBareNameOfItsWireFormat) {
  Fixture f;
  f.Rule("*", 2);
  for (std::string_view m : {"gpt-4o", "claude-x", "x", "@", "a b"}) {
    EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, m)), "openrouter") << m;
  }
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kAnthropic, "claude-x")), "anthropic");
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "openai/gpt-4o")), "openai")
      << "explicit names never look at the rules";
}

TEST(ChooseModel, AliasesComeBeforeRulesAndRewriteToTheirTarget) {
  Fixture f;
  f.Rule("*", 0).Alias("fast", 1, "claude-haiku-4-5");
  const ModelChoice c = f.Choose(WireFormat::kAnthropic, "fast");
  ASSERT_FALSE(c.reply.has_value());
  EXPECT_EQ(ProviderOf(c), "anthropic");
  EXPECT_EQ(c.model, "claude-haiku-4-5");
  EXPECT_TRUE(c.rewrite);
  EXPECT_EQ(c.qualified, "anthropic/claude-haiku-4-5");
  EXPECT_EQ(c.via, "models.aliases.fast");
  // On the other wire format the alias still names its provider; planning answers
  // wire_format_mismatch, as for the explicit name.
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "fast")), "anthropic");
  EXPECT_EQ(ProviderOf(f.Choose(WireFormat::kOpenAi, "faster")), "openai");
}

TEST(ChooseModel, LongNamesAreCutInMessages) {
  Fixture f;
  const std::string name = std::string(300, 'm') + "\xc3\xa9";
  const ModelChoice c = f.Choose(WireFormat::kOpenAi, name);
  ASSERT_TRUE(c.reply.has_value());
  EXPECT_THAT(c.reply->message, Not(HasSubstr(std::string(101, 'm'))));
  EXPECT_THAT(c.reply->message, HasSubstr(std::string(100, 'm') + "..."));
}

}  // namespace
}  // namespace warden::proxy
