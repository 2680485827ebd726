#include "config/model_ref.hpp"

#include <optional>
#include <string_view>

#include <gtest/gtest.h>

namespace warden::config {
namespace {

struct ValidCase {
  std::string_view text;
  std::string_view provider;
  std::string_view model;
  std::string_view profile;
};

TEST(ParseModelRef, SplitsProviderModelAndProfile) {
  const ValidCase kCases[] = {
      {"openai/gpt-4o", "openai", "gpt-4o", ""},
      {"openrouter/meta/llama-3@work", "openrouter", "meta/llama-3", "work"},
      {"openrouter/meta/llama-3", "openrouter", "meta/llama-3", ""},
      {"a/m@work", "a", "m", "work"},
      {"a/b/c/d", "a", "b/c/d", ""},
      {"anthropic/claude-3-5-sonnet@personal", "anthropic", "claude-3-5-sonnet", "personal"},
  };
  for (const ValidCase& c : kCases) {
    std::optional<ModelRef> r = ParseModelRef(c.text);
    ASSERT_TRUE(r.has_value()) << c.text;
    EXPECT_EQ(r->provider, c.provider) << c.text;
    EXPECT_EQ(r->model, c.model) << c.text;
    EXPECT_EQ(r->profile, c.profile) << c.text;
  }
}

TEST(ParseModelRef, DateAndQuantisationSuffixesStayInTheModel) {
  const ValidCase kCases[] = {
      {"a/claude@20250101", "a", "claude@20250101", ""},
      {"a/llama@q4_k_m", "a", "llama@q4_k_m", ""},
      {"a/llama@q4", "a", "llama@q4", ""},
      {"a/llama@iq4_xs", "a", "llama@iq4_xs", ""},
      {"a/m@8bit", "a", "m@8bit", ""},
      {"a/m@4bit", "a", "m@4bit", ""},
      {"a/claude@20250101@work", "a", "claude@20250101", "work"},
      {"a/llama@q4_k_m@work", "a", "llama@q4_k_m", "work"},
      {"a/claude@2025010@x", "a", "claude", "2025010@x"},  // 7 digits is not a date
      {"a/m@quick", "a", "m", "quick"},                    // "q" without a digit is a profile
      {"a/m@bit", "a", "m", "bit"},
  };
  for (const ValidCase& c : kCases) {
    std::optional<ModelRef> r = ParseModelRef(c.text);
    ASSERT_TRUE(r.has_value()) << c.text;
    EXPECT_EQ(r->provider, c.provider) << c.text;
    EXPECT_EQ(r->model, c.model) << c.text;
    EXPECT_EQ(r->profile, c.profile) << c.text;
  }
}

TEST(ParseModelRef, RefusesInvalidRefs) {
  const std::string_view kInvalid[] = {
      "", "gpt-4o", "/gpt-4o", "openai/", "/", "openai/@work", "openai/gpt-4o@", "a/m@q4@",
  };
  for (std::string_view text : kInvalid) {
    std::optional<ModelRef> r = ParseModelRef(text);
    EXPECT_FALSE(r.has_value()) << text << " → provider=" << r->provider << " model=" << r->model
                                << " profile=" << r->profile;
  }
}

TEST(ParseBareModel, SplitsAProfileWithTheSameRule) {
  struct Case {
    std::string_view text, model, profile;
  };
  const Case kCases[] = {
      {"claude-sonnet-4-5", "claude-sonnet-4-5", ""},
      {"claude-sonnet-4-5@work", "claude-sonnet-4-5", "work"},
      {"claude-3-5-sonnet@20240620", "claude-3-5-sonnet@20240620", ""},  // a date
      {"llama@q4_k_m", "llama@q4_k_m", ""},                              // quantisation
      {"llama@q4_k_m@home", "llama@q4_k_m", "home"},
      {"m@a@b", "m", "a@b"},   // the first "@" that is not a date or tag
      {"@work", "@work", ""},  // nothing before: all model
      {"gpt@", "gpt@", ""},    // nothing after: all model
  };
  for (const Case& c : kCases) {
    const ModelRef r = ParseBareModel(c.text);
    EXPECT_EQ(r.provider, "") << c.text;
    EXPECT_EQ(r.model, c.model) << c.text;
    EXPECT_EQ(r.profile, c.profile) << c.text;
  }
}

}  // namespace
}  // namespace warden::config
