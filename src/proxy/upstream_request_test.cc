#include "proxy/upstream_request.hpp"

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

namespace bhttp = net::http;

TEST(ForwardRequestHeader, DropsWhatWardenOwnsAndHopByHopHeaders) {
  const std::string_view kDropped[] = {
      // hop-by-hop
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
      "upgrade", "proxy-authorization", "proxy-authenticate",
      // framing
      "content-length",
      // owned by warden
      "host", "authorization", "x-api-key", "cookie", "accept-encoding", "expect", "forwarded",
      "x-real-ip",
      // client-address claims
      "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-user",
      // any case
      "Authorization", "X-API-Key", "Transfer-Encoding", "X-Forwarded-For", "HOST"};
  for (std::string_view name : kDropped) {
    EXPECT_FALSE(ForwardRequestHeader(name, "")) << name;
  }
}

TEST(ForwardRequestHeader, ForwardsEverythingElse) {
  const std::string_view kForwarded[] = {
      "content-type",      "accept",           "user-agent",   "openai-beta",
      "anthropic-version", "anthropic-beta",   "x-request-id", "x-forwarded",
      "x-forwardedfor",    "x-stainless-lang", "set-cookie",   "idempotency-key"};
  for (std::string_view name : kForwarded) {
    EXPECT_TRUE(ForwardRequestHeader(name, "")) << name;
  }
}

TEST(ForwardRequestHeader, AccountScopeHeadersOnlyWhenTheProviderOptsIn) {
  for (std::string_view name : {"openai-organization", "OpenAI-Project"}) {
    EXPECT_FALSE(ForwardRequestHeader(name, "")) << name;
    EXPECT_TRUE(ForwardRequestHeader(name, "", {"openai-organization", "openai-project"})) << name;
  }
  EXPECT_FALSE(ForwardRequestHeader("openai-project", "", {"openai-organization"}));
}

TEST(ForwardRequestHeader, DropsHeadersNamedInConnection) {
  struct Case {
    std::string_view name;
    std::string_view connection;
    bool forwarded;
  };
  const Case kCases[] = {
      {"x-hop-only", "keep-alive, x-hop-only", false},
      {"x-hop-only", "X-Hop-Only", false},
      {"x-hop-only", " \tx-hop-only\t ,close", false},
      {"x-hop-only", "close,x-hop-only", false},
      {"x-hop", "x-hop-only", true},
      {"x-hop-only-not", "x-hop-only", true},
      {"x-hop-only", "", true},
      {"x-hop-only", ",,", true},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ForwardRequestHeader(c.name, c.connection), c.forwarded)
        << c.name << " / Connection: " << c.connection;
  }
}

TEST(ForwardResponseHeader, DropsHopByHopFramingAndWardensOwnUpstreamSession) {
  struct Case {
    std::string_view name;
    bool forwarded;
  };
  const Case kCases[] = {
      {"connection", false},
      {"keep-alive", false},
      {"proxy-connection", false},
      {"te", false},
      {"trailer", false},
      {"transfer-encoding", false},
      {"upgrade", false},
      {"proxy-authorization", false},
      {"proxy-authenticate", false},
      {"content-length", false},
      {"Content-Length", false},
      {"Transfer-Encoding", false},
      // What warden owns towards providers is the provider's to send back.
      {"content-type", true},
      {"retry-after", true},
      {"x-request-id", true},
      {"www-authenticate", true},
      {"authorization", true},
      // Warden's own session and account with the provider stay with warden.
      {"set-cookie", false},
      {"Set-Cookie2", false},
      {"openai-organization", false},
      {"openai-project", false},
      {"anthropic-organization-id", false},
      {"x-forwarded-for", true},
      {"anthropic-ratelimit-requests-remaining", true},
  };
  for (const Case& c : kCases) EXPECT_EQ(ForwardResponseHeader(c.name), c.forwarded) << c.name;
}

TEST(ForwardResponseHeader, DropsHeadersTheProviderNamesInConnection) {
  EXPECT_FALSE(ForwardResponseHeader("x-upstream-session", "keep-alive, X-Upstream-Session"));
  EXPECT_TRUE(ForwardResponseHeader("x-request-id", "keep-alive, X-Upstream-Session"));
}

// The WebSocket 101 is still a Beast message: its Connection fields are read as one list, so a
// header named only in the second one is hop-by-hop too.
TEST(ForwardResponseHeader, EveryConnectionFieldOfABeastMessageCounts) {
  net::http::fields f;
  f.insert(net::http::field::connection, "upgrade");
  f.insert(net::http::field::upgrade, "websocket");
  f.insert(net::http::field::connection, "X-Upstream-Session");
  const std::string tokens = ConnectionTokens(f);
  EXPECT_EQ(tokens, "upgrade, X-Upstream-Session");
  EXPECT_FALSE(ForwardResponseHeader("x-upstream-session", tokens));
  EXPECT_TRUE(ForwardResponseHeader("x-request-id", tokens));
  EXPECT_EQ(ConnectionTokens(net::http::fields{}), "");
}

snapshot::ProviderRuntime Provider(config::Api api) {
  snapshot::ProviderRuntime p;
  p.id = "prov";
  p.api = api;
  p.enabled = true;
  p.origin.host_header = "upstream.example:8443";
  p.base_path = "/gw/v1";
  return p;
}

http::Request Post(std::string_view target) {
  http::Request req;
  req.SetLine("POST", target, 11);
  return req;
}

http::Request CallerRequest() {
  http::Request req = Post("/v1/chat/completions?stream=true&x=%20");
  req.fields().Add("Host", "127.0.0.1:8787");
  req.fields().Add("Authorization", "Bearer gateway-token");
  req.fields().Add("x-api-key", "gateway-token");
  req.fields().Add("Content-Type", "application/json");
  req.fields().Add("Content-Length", "999");
  req.fields().Add("Connection", "keep-alive, x-hop-only");
  req.fields().Add("x-hop-only", "hop");
  req.fields().Add("x-forwarded-for", "10.0.0.1");
  req.fields().Add("cf-aig-authorization", "caller value");
  req.fields().Add("openai-beta", "assistants=v2");
  return req;
}

TEST(BuildUpstreamRequest, AppliesThePolicyAndTheProviderHeaders) {
  snapshot::ProviderRuntime prov = Provider(config::Api::kOpenAi);
  prov.headers.emplace_back("CF-AIG-Authorization", Secret("Bearer cf-token"));
  const UpstreamRequest up = BuildUpstreamRequest(CallerRequest(), prov, "/chat/completions", 42);
  EXPECT_EQ(up.method(), bhttp::verb::post);
  EXPECT_EQ(up.target(), "/gw/v1/chat/completions?stream=true&x=%20");
  EXPECT_EQ(up.version(), 11u);
  EXPECT_EQ(up[bhttp::field::host], "upstream.example:8443");
  EXPECT_EQ(up[bhttp::field::content_length], "42");
  EXPECT_EQ(up[bhttp::field::content_type], "application/json");
  EXPECT_EQ(up["openai-beta"], "assistants=v2");
  EXPECT_EQ(up.count(bhttp::field::authorization), 0u);
  EXPECT_EQ(up.count("x-api-key"), 0u);
  EXPECT_EQ(up.count("x-hop-only"), 0u);
  EXPECT_EQ(up.count("x-forwarded-for"), 0u);
  EXPECT_EQ(up.count(bhttp::field::connection), 0u);  // HTTP/1.1 keep-alive is the default
  EXPECT_EQ(up.count("anthropic-version"), 0u);       // an OpenAI provider
  // The provider's extra header replaces the caller's of the same name (any case).
  EXPECT_EQ(up.count("cf-aig-authorization"), 1u);
  EXPECT_EQ(up["cf-aig-authorization"], "Bearer cf-token");
}

TEST(SerializeUpstreamHead, DropsWhatAnyConnectionFieldNames) {
  http::Request req = Post("/v1/chat/completions");
  req.fields().Add("Connection", "keep-alive");
  req.fields().Add("Connection", "x-internal");
  req.fields().Add("x-internal", "secret hop");
  req.fields().Add("x-kept", "1");
  std::string out;
  SerializeUpstreamHead(req, Provider(config::Api::kOpenAi), "/chat/completions", 0, {}, out);
  EXPECT_EQ(out.find("x-internal"), std::string::npos) << out;
  EXPECT_NE(out.find("x-kept: 1\r\n"), std::string::npos) << out;
}

TEST(BuildUpstreamRequest, WithholdsTrustedProxyIdentityHeaders) {
  access::AccessPolicy access;
  access.mode = config::AuthMode::kTrustedProxy;
  access.trusted_proxy.user_header = "x-auth-request-email";
  access.trusted_proxy.required_headers = {"x-auth-request-groups"};
  const std::vector<std::string> withheld = WithheldCallerHeaders(access);
  http::Request req = CallerRequest();
  req.fields().Add("X-Auth-Request-Email", "nick@example.com");
  req.fields().Add("x-auth-request-groups", "admins");
  req.fields().Add("X-Forwarded-For", "203.0.113.7");
  const UpstreamRequest up =
      BuildUpstreamRequest(req, Provider(config::Api::kOpenAi), "/chat/completions", 0, withheld);
  EXPECT_EQ(up.count("x-auth-request-email"), 0u);
  EXPECT_EQ(up.count("x-auth-request-groups"), 0u);
  EXPECT_EQ(up.count("x-forwarded-for"), 0u);
  EXPECT_EQ(up["openai-beta"], "assistants=v2");
  access.mode = config::AuthMode::kToken;
  EXPECT_TRUE(WithheldCallerHeaders(access).empty());
}

TEST(BuildUpstreamRequest, AddsAnthropicVersionUnlessTheCallerSentOne) {
  const snapshot::ProviderRuntime prov = Provider(config::Api::kAnthropic);
  http::Request req = Post("/v1/messages");
  EXPECT_EQ(BuildUpstreamRequest(req, prov, "/messages", 0)["anthropic-version"], "2023-06-01");
  req.fields().Add("anthropic-version", "2024-01-01");
  const UpstreamRequest up = BuildUpstreamRequest(req, prov, "/messages", 0);
  EXPECT_EQ(up.count("anthropic-version"), 1u);
  EXPECT_EQ(up["anthropic-version"], "2024-01-01");
  EXPECT_EQ(up.target(), "/gw/v1/messages");
}

// The exchange's bytes are the WebSocket upgrade's request, serialized: same policy, same order.
TEST(SerializeUpstreamHead, IsBuildUpstreamRequestsHeadWithoutTheCredential) {
  snapshot::ProviderRuntime prov = Provider(config::Api::kOpenAi);
  prov.headers.emplace_back("CF-AIG-Authorization", Secret("Bearer cf-token"));
  prov.headers.emplace_back("Authorization", Secret("Bearer configured"));  // the credential's
  std::string out = "stale bytes";
  SerializeUpstreamHead(CallerRequest(), prov, "/chat/completions", 42, {}, out);
  EXPECT_EQ(out,
            "POST /gw/v1/chat/completions?stream=true&x=%20 HTTP/1.1\r\n"
            "Content-Type: application/json\r\n"
            "openai-beta: assistants=v2\r\n"
            "Host: upstream.example:8443\r\n"
            "CF-AIG-Authorization: Bearer cf-token\r\n"
            "Content-Length: 42\r\n");
  std::string expected = "POST /gw/v1/chat/completions?stream=true&x=%20 HTTP/1.1\r\n";
  for (const auto& f : BuildUpstreamRequest(CallerRequest(), prov, "/chat/completions", 42)) {
    expected.append(f.name_string()).append(": ").append(f.value()).append("\r\n");
  }
  EXPECT_EQ(out, expected);
}

TEST(SerializeUpstreamHead, KeepsAnUnknownMethodAndAddsAnthropicVersionOnce) {
  const snapshot::ProviderRuntime prov = Provider(config::Api::kAnthropic);
  http::Request req;
  req.SetLine("PROPFIND", "/v1/messages", 11);
  std::string out;
  SerializeUpstreamHead(req, prov, "/messages", 0, {}, out);
  EXPECT_EQ(out,
            "PROPFIND /gw/v1/messages HTTP/1.1\r\nHost: upstream.example:8443\r\n"
            "anthropic-version: 2023-06-01\r\nContent-Length: 0\r\n");
  req.fields().Add("Anthropic-Version", "2024-01-01");
  SerializeUpstreamHead(req, prov, "/messages", 0, {}, out);
  EXPECT_EQ(out,
            "PROPFIND /gw/v1/messages HTTP/1.1\r\nAnthropic-Version: 2024-01-01\r\n"
            "Host: upstream.example:8443\r\nContent-Length: 0\r\n");
}

TEST(SerializeUpstreamHead, WithholdsTrustedProxyIdentityHeaders) {
  http::Request req = Post("/v1/chat/completions");
  req.fields().Add("X-Auth-Request-Email", "nick@example.com");
  req.fields().Add("x-other", "kept");
  std::string out;
  SerializeUpstreamHead(req, Provider(config::Api::kOpenAi), "/chat/completions", 2,
                        {"x-auth-request-email"}, out);
  EXPECT_EQ(out.find("nick@example.com"), std::string::npos) << out;
  EXPECT_NE(out.find("x-other: kept\r\n"), std::string::npos) << out;
}

TEST(CredentialFieldFor, AnthropicKeysInXApiKeyEverythingElseABearer) {
  const creds::PooledKey key{Secret("sk-static"), "sha256:aaaaaaaaaaaa", "K[0]",
                             std::make_shared<creds::KeyState>()};
  Credential static_key;
  static_key.key = &key;
  Credential federated;
  federated.federated = std::make_shared<const creds::FederatedTokenValue>(
      creds::FederatedTokenValue{Secret("jwt-token"), 1, "env:T"});
  EXPECT_EQ(CredentialFieldFor(config::Api::kAnthropic, static_key).name, "x-api-key");
  EXPECT_EQ(CredentialFieldFor(config::Api::kAnthropic, static_key).scheme, "");
  EXPECT_EQ(CredentialFieldFor(config::Api::kAnthropic, federated).name, "Authorization");
  EXPECT_EQ(CredentialFieldFor(config::Api::kAnthropic, federated).scheme, "Bearer ");
  EXPECT_EQ(CredentialFieldFor(config::Api::kOpenAi, static_key).name, "Authorization");
  EXPECT_EQ(CredentialFieldFor(config::Api::kOpenAi, static_key).scheme, "Bearer ");
}

TEST(SetCredential, PutsEachCredentialInItsHeader) {
  const creds::PooledKey key{Secret("sk-static"), "sha256:aaaaaaaaaaaa", "K[0]",
                             std::make_shared<creds::KeyState>()};
  auto token = std::make_shared<const creds::FederatedTokenValue>(
      creds::FederatedTokenValue{Secret("jwt-token"), 1, "env:T"});
  struct Case {
    config::Api api;
    bool static_key;
    std::string_view header;
    std::string_view value;
  };
  const Case kCases[] = {
      {config::Api::kOpenAi, true, "authorization", "Bearer sk-static"},
      {config::Api::kOpenAi, false, "authorization", "Bearer jwt-token"},
      {config::Api::kAnthropic, true, "x-api-key", "sk-static"},
      {config::Api::kAnthropic, false, "authorization", "Bearer jwt-token"},
  };
  for (const Case& c : kCases) {
    Credential cred;
    if (c.static_key)
      cred.key = &key;
    else
      cred.federated = token;
    UpstreamRequest up{bhttp::verb::post, "/", 11};
    SetCredential(up, c.api, cred);
    EXPECT_EQ(up[c.header], c.value) << c.header;
    const std::string_view other = c.header == "x-api-key" ? "authorization" : "x-api-key";
    EXPECT_EQ(up.count(other), 0u) << c.header;
    // A second attempt replaces the credential instead of adding one.
    SetCredential(up, c.api, cred);
    EXPECT_EQ(up.count(c.header), 1u) << c.header;
  }
}

}  // namespace
}  // namespace warden::proxy
