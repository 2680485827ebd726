#include "creds/env_key_chain.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::creds {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Pair = std::pair<std::string, std::string>;

// (variable, value) of each key, in order.
std::vector<Pair> Chain(const std::map<std::string, std::string>& vars,
                        std::string_view prefix = "OPENAI") {
  MapEnvironment env(vars);
  std::vector<Pair> out;
  for (const EnvKey& k : EnvKeyChain(prefix, env)) {
    out.emplace_back(k.variable, std::string(k.value.Reveal()));
  }
  return out;
}

TEST(EnvKeyChain, LiveKeyIsUsedAlone) {
  EXPECT_THAT(Chain({{"WARDEN_LIVE_OPENAI_KEY", "live"},
                     {"OPENAI_API_KEYS", "a,b"},
                     {"OPENAI_API_KEY", "c"},
                     {"OPENAI_API_KEY_1", "d"}}),
              ElementsAre(Pair{"WARDEN_LIVE_OPENAI_KEY", "live"}));
}

TEST(EnvKeyChain, EmptyLiveKeyFallsThrough) {
  EXPECT_THAT(Chain({{"WARDEN_LIVE_OPENAI_KEY", ""}, {"OPENAI_API_KEY", "c"}}),
              ElementsAre(Pair{"OPENAI_API_KEY", "c"}));
}

TEST(EnvKeyChain, FullPrecedenceOrder) {
  EXPECT_THAT(Chain({{"OPENAI_API_KEY_B", "kb"},
                     {"OPENAI_API_KEY_A", "ka"},
                     {"OPENAI_API_KEY", "single"},
                     {"OPENAI_API_KEYS", "l0,l1"}}),
              ElementsAre(Pair{"OPENAI_API_KEYS[0]", "l0"}, Pair{"OPENAI_API_KEYS[1]", "l1"},
                          Pair{"OPENAI_API_KEY", "single"}, Pair{"OPENAI_API_KEY_A", "ka"},
                          Pair{"OPENAI_API_KEY_B", "kb"}));
}

TEST(EnvKeyChain, ListSplitsOnCommaWhitespaceAndSemicolon) {
  EXPECT_THAT(Chain({{"OPENAI_API_KEYS", " a, b;c  d\te\nf;;,g "}}),
              ElementsAre(Pair{"OPENAI_API_KEYS[0]", "a"}, Pair{"OPENAI_API_KEYS[1]", "b"},
                          Pair{"OPENAI_API_KEYS[2]", "c"}, Pair{"OPENAI_API_KEYS[3]", "d"},
                          Pair{"OPENAI_API_KEYS[4]", "e"}, Pair{"OPENAI_API_KEYS[5]", "f"},
                          Pair{"OPENAI_API_KEYS[6]", "g"}));
}

TEST(EnvKeyChain, NumberedKeysAreSortedByName) {
  EXPECT_THAT(
      Chain(
          {{"OPENAI_API_KEY_2", "two"}, {"OPENAI_API_KEY_10", "ten"}, {"OPENAI_API_KEY_1", "one"}}),
      ElementsAre(Pair{"OPENAI_API_KEY_1", "one"}, Pair{"OPENAI_API_KEY_10", "ten"},
                  Pair{"OPENAI_API_KEY_2", "two"}));
}

TEST(EnvKeyChain, DeduplicatesByValueFirstOccurrenceWins) {
  EXPECT_THAT(Chain({{"OPENAI_API_KEYS", "a,b,a"},
                     {"OPENAI_API_KEY", "b"},
                     {"OPENAI_API_KEY_X", "a"},
                     {"OPENAI_API_KEY_Y", "c"}}),
              ElementsAre(Pair{"OPENAI_API_KEYS[0]", "a"}, Pair{"OPENAI_API_KEYS[1]", "b"},
                          Pair{"OPENAI_API_KEY_Y", "c"}));
}

TEST(EnvKeyChain, EmptyValuesAreSkipped) {
  EXPECT_THAT(Chain({{"OPENAI_API_KEYS", ""}, {"OPENAI_API_KEY", ""}, {"OPENAI_API_KEY_1", ""}}),
              IsEmpty());
  EXPECT_THAT(Chain({{"OPENAI_API_KEYS", " , ; "}, {"OPENAI_API_KEY_1", "x"}}),
              ElementsAre(Pair{"OPENAI_API_KEY_1", "x"}));
}

TEST(EnvKeyChain, IgnoresOtherPrefixesAndTheBarePrefix) {
  EXPECT_THAT(Chain({{"OPENAI_API_KEY_", "bare"},
                     {"OPENAIX_API_KEY", "x"},
                     {"ANTHROPIC_API_KEY", "y"},
                     {"MY_OPENAI_API_KEY", "z"},
                     {"OPENAI_API_KEYS_OLD", "w"}}),
              IsEmpty());
}

TEST(EnvKeyChain, NothingSetIsEmpty) { EXPECT_THAT(Chain({}), IsEmpty()); }

TEST(EnvKeyChain, UsesTheGivenPrefix) {
  EXPECT_THAT(Chain({{"MY_PROV_API_KEY", "k"}, {"OPENAI_API_KEY", "o"}}, "MY_PROV"),
              ElementsAre(Pair{"MY_PROV_API_KEY", "k"}));
}

TEST(EnvKeyChainNames, NamesEveryVariable) {
  EXPECT_THAT(EnvKeyChainNames("MOCK"), ElementsAre("MOCK_API_KEY", "MOCK_API_KEYS",
                                                    "MOCK_API_KEY_*", "WARDEN_LIVE_MOCK_KEY"));
}

}  // namespace
}  // namespace warden::creds
