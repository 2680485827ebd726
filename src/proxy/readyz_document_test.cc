#include "proxy/readyz_document.hpp"

#include <string>
#include <string_view>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;

ReadyzDocument FullDocument() {
  ReadyzDocument doc;
  doc.ready = true;
  doc.generation = 12;
  doc.config = "/home/u/.warden/warden.toml";
  ProviderReadiness keys;
  keys.id = "openai";
  keys.enabled = true;
  keys.source = "env";
  keys.available = true;
  keys.cooling = 1;
  keys.keys.push_back({"sha256:111111111111", "OPENAI_API_KEYS[0]", false, 30, "rate_limited"});
  keys.keys.push_back({"sha256:222222222222", "OPENAI_API_KEYS[1]", true, 0, ""});
  doc.providers.push_back(keys);
  ProviderReadiness federated;
  federated.id = "vercel";
  federated.enabled = true;
  federated.source = "federated";
  federated.available = false;
  federated.federated = FederatedReadiness{1'700'000'600, "env:VERCEL_OIDC_TOKEN"};
  federated.refresh_error = "refresh_command exited with 1";
  doc.providers.push_back(federated);
  ProviderReadiness off;
  off.id = "anthropic";
  off.source = "none";
  off.disabled_reason = "no credential resolved";
  doc.providers.push_back(off);
  doc.reload = ReloadReadiness{3, 1, "warden.toml:3:1: bad"};
  return doc;
}

// The document as /readyz wrote it before the schema type existed (field order included).
constexpr std::string_view kFullJson =
    R"({"status":"ready","generation":12,"config":"/home/u/.warden/warden.toml","providers":{)"
    R"("openai":{"enabled":true,"source":"env","keys":2,"cooling":1,"key_status":[)"
    R"({"fingerprint":"sha256:111111111111","source":"OPENAI_API_KEYS[0]","usable":false,)"
    R"("retry_in_s":30,"reason":"rate_limited"},)"
    R"({"fingerprint":"sha256:222222222222","source":"OPENAI_API_KEYS[1]","usable":true}],)"
    R"("available":true},)"
    R"("vercel":{"enabled":true,"source":"federated","keys":0,"cooling":0,"key_status":[],)"
    R"("expires_at":1700000600,"token_source":"env:VERCEL_OIDC_TOKEN",)"
    R"("refresh_error":"refresh_command exited with 1","available":false},)"
    R"("anthropic":{"enabled":false,"source":"none","reason":"no credential resolved",)"
    R"("available":false}},)"
    R"("reload":{"ok":3,"failed":1,"last_error":"warden.toml:3:1: bad"}})";

TEST(ReadyzDocument, SerialisesInTheRouteFieldOrder) {
  EXPECT_EQ(boost::json::serialize(ToJson(FullDocument())), kFullJson);
}

TEST(ReadyzDocument, OptionalFieldsAreLeftOutWhenEmpty) {
  ReadyzDocument doc;
  doc.reload = ReloadReadiness{0, 0, ""};
  EXPECT_EQ(boost::json::serialize(ToJson(doc)),
            R"({"status":"unavailable","generation":0,"config":"","providers":{},)"
            R"("reload":{"ok":0,"failed":0}})");
}

TEST(ReadyzDocument, CarriesTheAuthModeAfterTheConfig) {
  ReadyzDocument doc;
  doc.config = "c.toml";
  doc.auth_mode = "trusted-proxy";
  const std::string text = boost::json::serialize(ToJson(doc));
  EXPECT_THAT(text, HasSubstr(R"("config":"c.toml","auth_mode":"trusted-proxy","providers")"));
  Result<ReadyzDocument> parsed = ParseReadyz(ToJson(doc));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->auth_mode, "trusted-proxy");
}

TEST(ParseReadyz, RoundTripsEveryField) {
  const ReadyzDocument doc = FullDocument();
  Result<ReadyzDocument> parsed = ParseReadyz(ToJson(doc));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(boost::json::serialize(ToJson(*parsed)), kFullJson);
  EXPECT_TRUE(parsed->ready);
  EXPECT_EQ(parsed->generation, 12u);
  ASSERT_EQ(parsed->providers.size(), 3u);
  const ProviderReadiness& p = parsed->providers[0];
  EXPECT_EQ(p.id, "openai");
  EXPECT_EQ(p.cooling, 1u);
  ASSERT_EQ(p.keys.size(), 2u);
  EXPECT_FALSE(p.keys[0].usable);
  EXPECT_EQ(p.keys[0].retry_in_s, 30);
  EXPECT_EQ(p.keys[0].reason, "rate_limited");
  EXPECT_TRUE(p.keys[1].usable);
  const ProviderReadiness& v = parsed->providers[1];
  ASSERT_TRUE(v.federated.has_value());
  EXPECT_EQ(v.federated->expires_at, 1'700'000'600);
  EXPECT_EQ(v.federated->token_source, "env:VERCEL_OIDC_TOKEN");
  EXPECT_EQ(v.refresh_error, "refresh_command exited with 1");
  EXPECT_EQ(parsed->providers[2].disabled_reason, "no credential resolved");
  EXPECT_EQ(parsed->reload.last_error, "warden.toml:3:1: bad");
}

TEST(ParseReadyz, RoundTripsTheJwksStateOfJwtMode) {
  ReadyzDocument doc = FullDocument();
  doc.auth_mode = "jwt";
  doc.jwks = JwksReadiness{true, 2, "https://issuer.example/jwks", "JWKS fetch: timeout"};
  const boost::json::value json = ToJson(doc);
  const boost::json::object& jwks = json.as_object().at("jwks").as_object();
  EXPECT_EQ(jwks.at("keys").as_uint64(), 2u);
  Result<ReadyzDocument> parsed = ParseReadyz(json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  ASSERT_TRUE(parsed->jwks.has_value());
  EXPECT_TRUE(parsed->jwks->loaded);
  EXPECT_EQ(parsed->jwks->source, "https://issuer.example/jwks");
  EXPECT_EQ(parsed->jwks->last_error, "JWKS fetch: timeout");
  // Other modes leave it out.
  EXPECT_FALSE(ToJson(FullDocument()).as_object().contains("jwks"));
}

TEST(ParseReadyz, RoundTripsProfileCountsAndReadsAnOlderGatewayWithoutNeedsLogin) {
  ReadyzDocument doc = FullDocument();
  doc.providers[0].profiles = ProfileReadiness{3, 1, 1, 1, 2};
  const std::string text = boost::json::serialize(ToJson(doc));
  EXPECT_THAT(text, HasSubstr(R"("profiles":{"total":3,"usable":1,"cooling":1,"expired":1,)"
                              R"("needs_login":2})"));
  Result<ReadyzDocument> parsed = ParseReadyz(ToJson(doc));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  ASSERT_TRUE(parsed->providers[0].profiles.has_value());
  EXPECT_EQ(parsed->providers[0].profiles->needs_login, 2u);
  // A gateway from before the field: none known, not an error.
  boost::json::value older = ToJson(doc);
  older.at("providers").at("openai").at("profiles").as_object().erase("needs_login");
  parsed = ParseReadyz(older);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->providers[0].profiles->needs_login, 0u);
  EXPECT_EQ(parsed->providers[0].profiles->total, 3u);
}

TEST(ParseReadyz, IgnoresFieldsItDoesNotKnow) {
  boost::json::value v = ToJson(FullDocument());
  v.as_object()["uptime_s"] = 5;
  v.as_object()["providers"].as_object()["openai"].as_object()["quota"] = boost::json::array{};
  Result<ReadyzDocument> parsed = ParseReadyz(v);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(boost::json::serialize(ToJson(*parsed)), kFullJson);
}

// Replaces the value at `path` (a JSON pointer) in the full document, or removes it when
// `replacement` is empty.
std::string Mutated(std::string_view pointer, std::string_view replacement) {
  boost::json::value v = ToJson(FullDocument());
  const std::string p(pointer);
  const auto slash = p.rfind('/');
  boost::json::value& parent = slash == 0 ? v : v.at_pointer(p.substr(0, slash));
  const std::string last = p.substr(slash + 1);
  if (parent.is_array()) {
    parent.as_array().at(std::stoul(last)) = boost::json::parse(replacement);
  } else if (replacement.empty()) {
    parent.as_object().erase(last);
  } else {
    parent.as_object()[last] = boost::json::parse(replacement);
  }
  return boost::json::serialize(v);
}

TEST(ParseReadyz, RejectsUnexpectedShapesWithoutThrowing) {
  struct Case {
    std::string document;
    std::string_view names;  // part of the error message
  };
  const Case kCases[] = {
      {"null", "not a JSON object"},
      {"[]", "not a JSON object"},
      {R"("ready")", "not a JSON object"},
      {"42", "not a JSON object"},
      {"{}", "status is missing"},
      {Mutated("/status", ""), "status is missing"},
      {Mutated("/status", R"("maybe")"), "status must be"},
      {Mutated("/status", "true"), "status must be a string"},
      {Mutated("/generation", "-1"), "generation must be a non-negative integer"},
      {Mutated("/generation", R"("12")"), "generation must be"},
      {Mutated("/generation", "1.5"), "generation must be"},
      {Mutated("/config", "null"), "config must be a string"},
      {Mutated("/providers", "[]"), "providers must be an object"},
      {Mutated("/providers", ""), "providers is missing"},
      {Mutated("/providers/openai", "[]"), "providers.openai must be an object"},
      {Mutated("/providers/openai", "null"), "providers.openai must be an object"},
      {Mutated("/providers/openai/enabled", ""), "providers.openai.enabled is missing"},
      {Mutated("/providers/openai/enabled", R"("yes")"), "providers.openai.enabled must be"},
      {Mutated("/providers/openai/available", "1"), "providers.openai.available must be"},
      {Mutated("/providers/openai/source", "{}"), "providers.openai.source must be a string"},
      {Mutated("/providers/openai/key_status", ""), "providers.openai.key_status is missing"},
      {Mutated("/providers/openai/key_status", "{}"), "key_status must be an array"},
      {Mutated("/providers/openai/key_status/0", R"("sha256:1")"),
       "providers.openai.key_status[0] must be an object"},
      {Mutated("/providers/openai/key_status/0/usable", ""), "key_status[0].usable is missing"},
      {Mutated("/providers/openai/key_status/0/usable", "null"), "key_status[0].usable must be"},
      {Mutated("/providers/openai/key_status/0/fingerprint", "7"),
       "key_status[0].fingerprint must be a string"},
      {Mutated("/providers/openai/key_status/0/reason", ""), "key_status[0].reason is missing"},
      {Mutated("/providers/openai/key_status/0/retry_in_s", ""),
       "key_status[0].retry_in_s is missing"},
      {Mutated("/providers/openai/key_status/0/retry_in_s", "1.5"),
       "key_status[0].retry_in_s must be an integer"},
      {Mutated("/providers/openai/key_status/0/retry_in_s", "18446744073709551615"),
       "key_status[0].retry_in_s must be an integer"},
      {Mutated("/providers/openai/keys", "3"), "providers.openai.keys does not match"},
      {Mutated("/providers/openai/keys", "-2"), "providers.openai.keys must be"},
      {Mutated("/providers/openai/cooling", ""), "providers.openai.cooling is missing"},
      {Mutated("/providers/vercel/expires_at", R"("soon")"), "vercel.expires_at must be"},
      {Mutated("/providers/vercel/token_source", ""), "vercel.token_source is missing"},
      {Mutated("/providers/vercel/refresh_error", "false"), "vercel.refresh_error must be"},
      {Mutated("/providers/anthropic/reason", ""), "providers.anthropic.reason is missing"},
      {Mutated("/reload", ""), "reload is missing"},
      {Mutated("/reload", "0"), "reload must be an object"},
      {Mutated("/reload/ok", "-1"), "reload.ok must be a non-negative integer"},
      {Mutated("/reload/failed", ""), "reload.failed is missing"},
      {Mutated("/reload/last_error", "[]"), "reload.last_error must be a string"},
  };
  for (const Case& c : kCases) {
    boost::json::value v = boost::json::parse(c.document);
    Result<ReadyzDocument> parsed = ReadyzDocument{};
    EXPECT_NO_THROW(parsed = ParseReadyz(v)) << c.document;
    ASSERT_FALSE(parsed.has_value()) << c.document;
    EXPECT_EQ(parsed.error().code, ErrorCode::kReadyzInvalid) << c.document;
    EXPECT_THAT(parsed.error().message, HasSubstr(std::string(c.names))) << c.document;
  }
}

}  // namespace
}  // namespace warden::proxy
