#include "proxy/model_list.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

TEST(ModelIdsFor, ListsOnlyWhatTheCallerMayUse) {
  snapshot::ProviderRuntime openai;
  openai.id = "openai";
  openai.enabled = true;
  snapshot::ProviderRuntime anthropic;
  anthropic.id = "anthropic";
  anthropic.enabled = true;
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ModelIdsFor(openai, nullptr), Ids{"openai/*"});

  access::CallerPolicy ci;
  ci.name = "ci";
  ci.providers = {"openai"};
  EXPECT_EQ(ModelIdsFor(openai, &ci), Ids{"openai/*"});
  EXPECT_EQ(ModelIdsFor(anthropic, &ci), Ids{});
  ci.models = Ids{"openai/gpt-4o*", "anthropic/claude-*", "*"};
  EXPECT_EQ(ModelIdsFor(openai, &ci), (Ids{"openai/gpt-4o*"}));

  openai.enabled = false;
  EXPECT_EQ(ModelIdsFor(openai, nullptr), Ids{});
}

snapshot::Snapshot TwoProvidersAndAliases() {
  snapshot::Snapshot snap;
  snapshot::ProviderRuntime openai;
  openai.id = "openai";
  openai.enabled = true;
  snapshot::ProviderRuntime anthropic;
  anthropic.id = "anthropic";
  anthropic.api = config::Api::kAnthropic;
  anthropic.enabled = true;
  snap.providers.push_back(std::move(openai));
  snap.providers.push_back(std::move(anthropic));
  snap.models.aliases.push_back(
      {"fast", 1, "anthropic/claude-haiku-4-5", "claude-haiku-4-5", "models.aliases.fast"});
  snap.models.aliases.push_back({"cheap", 0, "openai/gpt-4o-mini", "gpt-4o-mini", "x"});
  return snap;
}

TEST(ModelListBody, OpenAiShapeListsProvidersThenAliases) {
  const boost::json::value doc =
      boost::json::parse(ModelListBody(TwoProvidersAndAliases(), nullptr, WireFormat::kOpenAi));
  EXPECT_EQ(std::string(doc.at("object").as_string()), "list");
  const auto& data = doc.at("data").as_array();
  std::vector<std::string> ids;
  for (const auto& m : data) {
    ids.emplace_back(m.at("id").as_string());
    EXPECT_EQ(std::string(m.at("object").as_string()), "model");
    EXPECT_TRUE(m.at("created").is_int64());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"openai/*", "anthropic/*", "fast", "cheap"}));
  EXPECT_EQ(std::string(data[2].at("owned_by").as_string()), "anthropic");
}

TEST(ModelListBody, AnthropicShapeListsOnlyAnthropicApiNames) {
  const std::string body = ModelListBody(TwoProvidersAndAliases(), nullptr, WireFormat::kAnthropic);
  EXPECT_EQ(
      body,
      R"x({"data":[{"type":"model","id":"anthropic/*","display_name":"anthropic: any model",)x"
      R"x("created_at":"1970-01-01T00:00:00Z"},{"type":"model","id":"fast","display_name":)x"
      R"x("fast (anthropic/claude-haiku-4-5)","created_at":"1970-01-01T00:00:00Z"}],)x"
      R"x("has_more":false,"first_id":"anthropic/*","last_id":"fast"})x");
}

TEST(ModelListBody, AliasesFollowTheCallersPolicyAndEmptyListsHaveNullIds) {
  snapshot::Snapshot snap = TwoProvidersAndAliases();
  access::CallerPolicy ci;
  ci.name = "ci";
  ci.providers = {"openai"};
  const boost::json::value doc = boost::json::parse(ModelListBody(snap, &ci, WireFormat::kOpenAi));
  std::vector<std::string> ids;
  for (const auto& m : doc.at("data").as_array()) ids.emplace_back(m.at("id").as_string());
  EXPECT_EQ(ids, (std::vector<std::string>{"openai/*", "cheap"}));
  EXPECT_EQ(ModelListBody(snap, &ci, WireFormat::kAnthropic),
            R"({"data":[],"has_more":false,"first_id":null,"last_id":null})");
}

}  // namespace
}  // namespace warden::proxy
