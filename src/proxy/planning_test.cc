#include "proxy/planning.hpp"

#include <list>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;
namespace bhttp = net::http;

snapshot::ProviderRuntime Provider(std::string id, config::Api api, bool enabled) {
  snapshot::ProviderRuntime p;
  p.id = std::move(id);
  p.api = api;
  p.enabled = enabled;
  if (!enabled) {
    p.disabled_reason = "no credential resolved";
    p.how_to_enable = {"OFF_API_KEY", "OFF_API_KEYS"};
  }
  return p;
}

snapshot::Snapshot TestSnapshot() {
  snapshot::Snapshot snap;
  snap.providers.push_back(Provider("openai", config::Api::kOpenAi, true));
  snap.providers.push_back(Provider("anthropic", config::Api::kAnthropic, true));
  snap.providers.push_back(Provider("off", config::Api::kOpenAi, false));
  snap.enabled_names = "openai, anthropic";
  return snap;
}

http::Request MakeRequest(bhttp::verb method, std::string_view target, std::string_view body) {
  http::Request req;
  req.SetLine(std::string_view(bhttp::to_string(method)), target, 11);
  req.SetBody(body);
  return req;
}

// A plan's body views its request: requests passed inline are kept for the binary's lifetime.
const http::Request& KeptRequest(bhttp::verb method, std::string_view target,
                                 std::string_view body) {
  static std::list<http::Request> kept;
  return kept.emplace_back(MakeRequest(method, target, body));
}

struct Rejection {
  std::string_view what;
  bhttp::verb method;
  std::string_view target;
  std::string_view body;
  int status;
  std::string_view code;
  std::string_view message_part;
  std::string_view provider;  // the plan's provider for the log line; "" = none
};

TEST(PlanProxy, RejectsWithOneCodePerReason) {
  const Rejection kCases[] = {
      {"method", bhttp::verb::get, "/v1/chat/completions", R"({"model":"openai/gpt-4o"})", 405,
       "method_not_allowed", "use POST for /v1/chat/completions", ""},
      {"method, query dropped from the message", bhttp::verb::put, "/v1/messages?beta=1",
       R"({"model":"anthropic/claude"})", 405, "method_not_allowed", "use POST for /v1/messages",
       ""},
      {"invalid json", bhttp::verb::post, "/v1/chat/completions", R"({"model":)", 400,
       "invalid_json", "not valid JSON", ""},
      {"not an object", bhttp::verb::post, "/v1/chat/completions", "[1,2]", 400, "invalid_body",
       "must be a JSON object", ""},
      {"model missing", bhttp::verb::post, "/v1/chat/completions", R"({"messages":[]})", 400,
       "model_missing", "no \"model\" field", ""},
      {"model not a string", bhttp::verb::post, "/v1/chat/completions", R"({"model":42})", 400,
       "model_not_string", "must be a string", ""},
      {"model twice", bhttp::verb::post, "/v1/chat/completions",
       R"({"model":"openai/a","model":"openai/b"})", 400, "model_duplicate", "more than one", ""},
      {"empty model", bhttp::verb::post, "/v1/chat/completions", R"({"model":""})", 400,
       "model_invalid", "enabled providers: openai, anthropic", ""},
      {"model with empty part", bhttp::verb::post, "/v1/chat/completions", R"({"model":"openai/"})",
       400, "model_invalid", "\"provider/model\"", ""},
      {"unknown provider", bhttp::verb::post, "/v1/chat/completions", R"({"model":"nope/x"})", 400,
       "unknown_provider", "unknown provider 'nope'; enabled providers: openai, anthropic", ""},
      {"unknown profile", bhttp::verb::post, "/v1/chat/completions",
       R"({"model":"openai/gpt-4o@work"})", 400, "profile_unknown",
       "provider 'openai' has no profile 'openai:work'; it has no profiles", "openai"},
      {"disabled provider", bhttp::verb::post, "/v1/chat/completions", R"({"model":"off/x"})", 503,
       "provider_disabled",
       "provider 'off' is disabled: no credential resolved; to enable it set OFF_API_KEY, "
       "OFF_API_KEYS",
       "off"},
      {"anthropic provider on an OpenAI route", bhttp::verb::post, "/v1/chat/completions",
       R"({"model":"anthropic/claude"})", 400, "wire_format_mismatch",
       "provider 'anthropic' speaks the Anthropic API; use /v1/messages", "anthropic"},
      {"openai provider on an Anthropic route", bhttp::verb::post, "/v1/messages",
       R"({"model":"openai/gpt-4o"})", 400, "wire_format_mismatch",
       "provider 'openai' speaks the OpenAI API; use /v1/chat/completions", "openai"},
  };
  const snapshot::Snapshot snap = TestSnapshot();
  for (const Rejection& c : kCases) {
    const http::Request req = MakeRequest(c.method, c.target, c.body);
    const ProxyPlan plan = PlanProxy(snap, MatchRoute(PathOf(c.target)), req);
    ASSERT_TRUE(plan.reply.has_value()) << c.what;
    EXPECT_EQ(plan.reply->status, c.status) << c.what;
    EXPECT_EQ(plan.reply->code, c.code) << c.what;
    EXPECT_THAT(plan.reply->message, HasSubstr(std::string(c.message_part))) << c.what;
    EXPECT_EQ(plan.provider != nullptr ? plan.provider->id : "", c.provider) << c.what;
    EXPECT_TRUE(plan.upstream_body.empty()) << c.what;
  }
}

TEST(PlanProxy, MethodRejectionSaysWhichMethodIsAllowed) {
  const http::Request req = MakeRequest(bhttp::verb::get, "/v1/embeddings", "");
  const ProxyPlan plan = PlanProxy(TestSnapshot(), MatchRoute("/v1/embeddings"), req);
  ASSERT_TRUE(plan.reply.has_value());
  ASSERT_EQ(plan.reply->extra.size(), 1u);
  EXPECT_EQ(plan.reply->extra[0].first, "allow");
  EXPECT_EQ(plan.reply->extra[0].second, "POST");
}

TEST(PlanProxy, NoEnabledProviderIsNamedNone) {
  snapshot::Snapshot snap;
  const http::Request req =
      KeptRequest(bhttp::verb::post, "/v1/chat/completions", R"({"model":"x/y"})");
  const ProxyPlan plan = PlanProxy(snap, MatchRoute("/v1/chat/completions"), req);
  ASSERT_TRUE(plan.reply.has_value());
  EXPECT_EQ(plan.reply->code, "unknown_provider");
  EXPECT_THAT(plan.reply->message, HasSubstr("enabled providers: none"));
}

TEST(PlanProxy, PlansTheProviderAndRewritesOnlyTheModel) {
  struct Case {
    std::string_view target;
    std::string_view body;
    std::string_view provider;
    std::string_view upstream_body;
  };
  const Case kCases[] = {
      {"/v1/chat/completions", R"({"model":"openai/gpt-4o","stream":true})", "openai",
       R"({"model":"gpt-4o","stream":true})"},
      {"/v1/responses?x=1", "{ \"input\" : \"hi\",\n \"model\" : \"openai/o3\" }\n", "openai",
       "{ \"input\" : \"hi\",\n \"model\" : \"o3\" }\n"},
      {"/v1/messages", R"({"model":"anthropic/claude-sonnet-4-5@20250929","max_tokens":1})",
       "anthropic", R"({"model":"claude-sonnet-4-5@20250929","max_tokens":1})"},
      {"/v1/messages/count_tokens", R"({"messages":[{"model":"keep"}],"model":"anthropic/a/b"})",
       "anthropic", R"({"messages":[{"model":"keep"}],"model":"a/b"})"},
      // Bare names: the sole enabled provider of the wire format; the body is unchanged.
      {"/v1/chat/completions", R"({"model" : "gpt-4o","n":1})", "openai",
       R"({"model" : "gpt-4o","n":1})"},
      {"/v1/messages", R"({"model":"claude-opus-4-1"})", "anthropic",
       R"({"model":"claude-opus-4-1"})"},
  };
  const snapshot::Snapshot snap = TestSnapshot();
  for (const Case& c : kCases) {
    const http::Request req = MakeRequest(bhttp::verb::post, c.target, c.body);
    const ProxyPlan plan = PlanProxy(snap, MatchRoute(PathOf(c.target)), req);
    ASSERT_FALSE(plan.reply.has_value()) << c.body << ": " << plan.reply->code;
    ASSERT_NE(plan.provider, nullptr) << c.body;
    EXPECT_EQ(plan.provider->id, c.provider) << c.body;
    EXPECT_EQ(plan.upstream_body.ToString(), c.upstream_body) << c.body;
  }
}

TEST(WireCodeForBodyError, MapsEachModelFieldCode) {
  struct Case {
    ErrorCode error_code;
    std::string_view wire_code;
  };
  const Case kCases[] = {
      {ErrorCode::kBodyInvalidJson, "invalid_json"},
      {ErrorCode::kModelMissing, "model_missing"},
      {ErrorCode::kModelNotString, "model_not_string"},
      {ErrorCode::kModelDuplicate, "model_duplicate"},
      {ErrorCode::kBodyNotObject, "invalid_body"},
      {ErrorCode::kIoError, "invalid_body"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(WireCodeForBodyError(Error::Make(c.error_code, "m")), c.wire_code)
        << WireName(c.error_code);
  }
}

TEST(PlanProxy, RefusesWhatTheCallersPolicyDoesNotAllow) {
  const snapshot::Snapshot snap = TestSnapshot();
  access::CallerPolicy ci;
  ci.name = "ci";
  ci.providers = {"openai"};
  ci.models = std::vector<std::string>{"openai/gpt-4o*"};
  const Route chat = MatchRoute("/v1/chat/completions");
  const Route messages = MatchRoute("/v1/messages");

  ProxyPlan ok = PlanProxy(
      snap, chat,
      KeptRequest(bhttp::verb::post, "/v1/chat/completions", R"({"model":"openai/gpt-4o-mini"})"),
      &ci);
  EXPECT_FALSE(ok.reply);

  ProxyPlan provider = PlanProxy(
      snap, messages,
      KeptRequest(bhttp::verb::post, "/v1/messages", R"({"model":"anthropic/claude"})"), &ci);
  ASSERT_TRUE(provider.reply);
  EXPECT_EQ(provider.reply->status, 403);
  EXPECT_EQ(provider.reply->code, "caller_not_allowed");
  EXPECT_EQ(provider.reply->message,
            "caller \"ci\" may not use provider \"anthropic\" (callers.ci.providers)");
  ASSERT_NE(provider.provider, nullptr);  // still logged
  EXPECT_EQ(provider.provider->id, "anthropic");

  ProxyPlan model = PlanProxy(
      snap, chat,
      KeptRequest(bhttp::verb::post, "/v1/chat/completions", R"({"model":"openai/o3"})"), &ci);
  ASSERT_TRUE(model.reply);
  EXPECT_EQ(model.reply->status, 403);
  EXPECT_THAT(model.reply->message, HasSubstr("(callers.ci.models)"));
}

TEST(PlanProxy, PolicyJudgesABareNameAsTheProviderItWasRoutedTo) {
  const snapshot::Snapshot snap = TestSnapshot();
  access::CallerPolicy ci;
  ci.name = "ci";
  ci.providers = {"openai"};
  ci.models = std::vector<std::string>{"openai/gpt-4o*"};
  const Route chat = MatchRoute("/v1/chat/completions");
  EXPECT_FALSE(
      PlanProxy(
          snap, chat,
          KeptRequest(bhttp::verb::post, "/v1/chat/completions", R"({"model":"gpt-4o-mini"})"), &ci)
          .reply);
  const ProxyPlan model = PlanProxy(
      snap, chat, KeptRequest(bhttp::verb::post, "/v1/chat/completions", R"({"model":"o3"})"), &ci);
  ASSERT_TRUE(model.reply);
  EXPECT_EQ(model.reply->message,
            "caller \"ci\" may not use model \"openai/o3\" (callers.ci.models)");
  const ProxyPlan provider =
      PlanProxy(snap, MatchRoute("/v1/messages"),
                KeptRequest(bhttp::verb::post, "/v1/messages", R"({"model":"claude-x"})"), &ci);
  ASSERT_TRUE(provider.reply);
  EXPECT_EQ(provider.reply->message,
            "caller \"ci\" may not use provider \"anthropic\" (callers.ci.providers)");
}

TEST(PlanProxy, ARuleToADisabledProviderAnswersProviderDisabledNamingTheRule) {
  snapshot::Snapshot snap = TestSnapshot();
  snap.models.rules.push_back({"o3*", 2, "models.\"o3*\""});
  const ProxyPlan plan =
      PlanProxy(snap, MatchRoute("/v1/responses"),
                KeptRequest(bhttp::verb::post, "/v1/responses", R"({"model":"o3-pro"})"));
  ASSERT_TRUE(plan.reply);
  EXPECT_EQ(plan.reply->status, 503);
  EXPECT_EQ(plan.reply->code, "provider_disabled");
  EXPECT_THAT(plan.reply->message, HasSubstr("OFF_API_KEY"));
  EXPECT_THAT(plan.reply->message, HasSubstr("routed to it by models.\"o3*\""));
}

TEST(PlanProxy, AnAliasIsRewrittenToItsTarget) {
  snapshot::Snapshot snap = TestSnapshot();
  snap.models.aliases.push_back(
      {"fast", 1, "anthropic/claude-haiku-4-5", "claude-haiku-4-5", "models.aliases.fast"});
  const ProxyPlan plan = PlanProxy(
      snap, MatchRoute("/v1/messages"),
      KeptRequest(bhttp::verb::post, "/v1/messages", R"({"model":"fast","max_tokens":1})"));
  ASSERT_FALSE(plan.reply) << plan.reply->message;
  EXPECT_EQ(plan.provider->id, "anthropic");
  EXPECT_EQ(plan.upstream_body.ToString(), R"({"model":"claude-haiku-4-5","max_tokens":1})");
}

// openai with the profiles "openai:work" and "openai:home".
snapshot::Snapshot WithProfiles() {
  snapshot::Snapshot snap = TestSnapshot();
  std::vector<creds::PooledProfile> pooled;
  for (std::string name : {"work", "home"}) {
    creds::PooledProfile p;
    p.id = "openai:" + name;
    p.name = name;
    p.type = creds::ProfileType::kToken;
    p.key = creds::PooledKey{Secret("secret-" + name), "fp", "src",
                             std::make_shared<creds::KeyState>()};
    pooled.push_back(std::move(p));
  }
  snap.providers[0].profiles = creds::ProfilePool(std::move(pooled), false);
  return snap;
}

ProxyPlan Plan(const snapshot::Snapshot& snap, std::string_view body,
               const access::CallerPolicy* caller = nullptr) {
  return PlanProxy(snap, MatchRoute("/v1/chat/completions"),
                   KeptRequest(bhttp::verb::post, "/v1/chat/completions", body), caller);
}

TEST(PlanProxy, PinsTheProfileAndSendsTheModelWithoutIt) {
  const snapshot::Snapshot snap = WithProfiles();
  const ProxyPlan plan = Plan(snap, R"({"model":"openai/gpt-4o@home","n":1})");
  ASSERT_FALSE(plan.reply) << plan.reply->message;
  ASSERT_NE(plan.profile, nullptr);
  EXPECT_EQ(plan.profile->id, "openai:home");
  EXPECT_EQ(plan.upstream_body.ToString(), R"({"model":"gpt-4o","n":1})");
  EXPECT_EQ(Plan(snap, R"({"model":"openai/gpt-4o"})").profile, nullptr);
}

TEST(PlanProxy, ABareNameAndAnAliasMayPinAProfileToo) {
  snapshot::Snapshot snap = WithProfiles();
  snap.providers.pop_back();  // "off": openai is then the one OpenAI-format provider
  ProxyPlan plan = Plan(snap, R"({"model":"gpt-4o@work"})");
  ASSERT_FALSE(plan.reply) << plan.reply->message;
  EXPECT_EQ(plan.provider->id, "openai");
  EXPECT_EQ(plan.profile->id, "openai:work");
  EXPECT_EQ(plan.upstream_body.ToString(), R"({"model":"gpt-4o"})");
  // A date after "@" stays part of a bare name.
  plan = Plan(snap, R"({"model":"gpt-4o@20240513"})");
  ASSERT_FALSE(plan.reply) << plan.reply->message;
  EXPECT_EQ(plan.profile, nullptr);
  EXPECT_EQ(plan.upstream_body.ToString(), R"({"model":"gpt-4o@20240513"})");

  snap.models.aliases.push_back(
      {"fast", 0, "openai/gpt-4o-mini@home", "gpt-4o-mini", "models.aliases.fast", "home"});
  plan = Plan(snap, R"({"model":"fast"})");
  ASSERT_FALSE(plan.reply) << plan.reply->message;
  EXPECT_EQ(plan.profile->id, "openai:home");
  EXPECT_EQ(plan.upstream_body.ToString(), R"({"model":"gpt-4o-mini"})");
  plan = Plan(snap, R"({"model":"fast@work"})");  // the suffix wins over the target's
  ASSERT_FALSE(plan.reply) << plan.reply->message;
  EXPECT_EQ(plan.profile->id, "openai:work");
}

TEST(PlanProxy, AnUnknownProfileListsTheIdsTheCallerMayUseNeverValues) {
  const snapshot::Snapshot snap = WithProfiles();
  ProxyPlan plan = Plan(snap, R"({"model":"openai/gpt-4o@play"})");
  ASSERT_TRUE(plan.reply);
  EXPECT_EQ(plan.reply->status, 400);
  EXPECT_EQ(plan.reply->code, "profile_unknown");
  EXPECT_EQ(plan.reply->message,
            "provider 'openai' has no profile 'openai:play'; its profiles: openai:work, "
            "openai:home");
  EXPECT_EQ(plan.reply->message.find("secret-"), std::string::npos);

  access::CallerPolicy ci;
  ci.name = "ci";
  ci.profiles = std::vector<std::string>{"openai:w*", "openai:play"};
  plan = Plan(snap, R"({"model":"openai/gpt-4o@play"})", &ci);
  ASSERT_TRUE(plan.reply);
  EXPECT_EQ(plan.reply->message,
            "provider 'openai' has no profile 'openai:play'; its profiles: openai:work");
}

TEST(PlanProxy, APinOutsideTheCallersProfilesIs403NamingTheRule) {
  const snapshot::Snapshot snap = WithProfiles();
  access::CallerPolicy ci;
  ci.name = "ci";
  ci.profiles = std::vector<std::string>{"openai:work"};
  EXPECT_FALSE(Plan(snap, R"({"model":"openai/gpt-4o@work"})", &ci).reply);
  const ProxyPlan plan = Plan(snap, R"({"model":"openai/gpt-4o@home"})", &ci);
  ASSERT_TRUE(plan.reply);
  EXPECT_EQ(plan.reply->status, 403);
  EXPECT_EQ(plan.reply->code, "caller_not_allowed");
  EXPECT_EQ(plan.reply->message,
            "caller \"ci\" may not use profile \"openai:home\" (callers.ci.profiles)");
  // The model policy sees "provider/model" without the profile.
  ci.models = std::vector<std::string>{"openai/gpt-4o"};
  EXPECT_FALSE(Plan(snap, R"({"model":"openai/gpt-4o@work"})", &ci).reply);
}

}  // namespace
}  // namespace warden::proxy
