#include "access/trusted_proxy.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/glob.hpp"

namespace warden::access {
namespace {

using ::testing::HasSubstr;

// A request header as a list of fields, looked up case-insensitively like Beast does.
class FakeHeader final : public HeaderLookup {
 public:
  FakeHeader(std::initializer_list<std::pair<std::string, std::string>> fields) : fields_(fields) {}
  std::vector<std::string_view> Values(std::string_view name) const override {
    std::vector<std::string_view> out;
    for (const auto& [n, v] : fields_) {
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        out.push_back(v);
      }
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

TrustedProxyPolicy Policy(std::vector<std::string> allow_users = {},
                          std::vector<std::string> required = {}) {
  config::TrustedProxyConfig cfg;
  cfg.proxies = {"127.0.0.2/32", "10.0.0.0/8", "2001:db8::/64"};
  cfg.user_header = "X-Forwarded-User";
  cfg.required_headers = std::move(required);
  cfg.allow_users = std::move(allow_users);
  auto policy = BuildTrustedProxyPolicy(cfg);
  EXPECT_TRUE(policy.has_value());
  return policy.value();
}

TEST(TrustedProxy, AllowsAUserAssertedByATrustedPeer) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy(), "127.0.0.2", FakeHeader{{"x-forwarded-user", "nick"}});
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(r.user, "nick");
  EXPECT_TRUE(r.trusted_peer);
  EXPECT_EQ(r.client_address, "127.0.0.2");
}

TEST(TrustedProxy, Ipv4MappedPeerMatchesIpv4Entry) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy(), "::ffff:10.1.2.3", FakeHeader{{"X-FORWARDED-USER", "nick"}});
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(r.client_address, "10.1.2.3");
}

TEST(TrustedProxy, IdentityFromAnUntrustedPeerIsRefusedAndCounted) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy(), "127.0.0.1", FakeHeader{{"x-forwarded-user", "admin"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_untrusted_source");
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kWrong);
  EXPECT_FALSE(r.trusted_peer);
  EXPECT_TRUE(r.user.empty());
}

TEST(TrustedProxy, GatewayTokenFromAnUntrustedPeerIsRefusedAndCounted) {
  for (const char* header : {"authorization", "x-api-key"}) {
    ProxyAuthResult r =
        AuthenticateViaProxy(Policy(), "203.0.113.9", FakeHeader{{header, "Bearer wdn_x"}});
    EXPECT_EQ(r.decision.code, "trusted_proxy_untrusted_source");
    EXPECT_EQ(r.decision.outcome, AuthOutcome::kWrong) << header;
  }
}

TEST(TrustedProxy, BareRequestFromAnUntrustedPeerIsNotCounted) {
  ProxyAuthResult r = AuthenticateViaProxy(Policy(), "203.0.113.9", FakeHeader{});
  EXPECT_EQ(r.decision.code, "trusted_proxy_untrusted_source");
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kMissing);
}

TEST(TrustedProxy, ForwardedForFromAnUntrustedPeerIsIgnored) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy(), "203.0.113.9", FakeHeader{{"x-forwarded-for", "127.0.0.2"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_untrusted_source");
  EXPECT_EQ(r.client_address, "203.0.113.9");
}

TEST(TrustedProxy, ChecksRunInDesignOrder) {
  const TrustedProxyPolicy policy = Policy({"nick"}, {"x-forwarded-proto"});
  struct Case {
    FakeHeader header;
    std::string_view code;
    AuthOutcome outcome;
  } const kCases[] = {
      // Missing required header comes before a missing or disallowed user.
      {FakeHeader{}, "trusted_proxy_missing_header", AuthOutcome::kMissing},
      {FakeHeader{{"x-forwarded-user", "eve"}}, "trusted_proxy_missing_header",
       AuthOutcome::kMissing},
      {FakeHeader{{"x-forwarded-proto", "  "}, {"x-forwarded-user", "nick"}},
       "trusted_proxy_missing_header", AuthOutcome::kMissing},
      {FakeHeader{{"x-forwarded-proto", "https"}}, "trusted_proxy_user_missing",
       AuthOutcome::kMissing},
      {FakeHeader{{"x-forwarded-proto", "https"}, {"x-forwarded-user", " \t "}},
       "trusted_proxy_user_missing", AuthOutcome::kMissing},
      {FakeHeader{{"x-forwarded-proto", "https"}, {"x-forwarded-user", "eve"}},
       "trusted_proxy_user_not_allowed", AuthOutcome::kRefused},
      {FakeHeader{{"x-forwarded-proto", "https"}, {"x-forwarded-user", "nick"}}, "",
       AuthOutcome::kAllowed},
  };
  for (const Case& c : kCases) {
    ProxyAuthResult r = AuthenticateViaProxy(policy, "10.0.0.1", c.header);
    EXPECT_EQ(r.decision.code, c.code);
    EXPECT_EQ(r.decision.outcome, c.outcome) << c.code;
  }
}

TEST(TrustedProxy, MissingHeaderMessageNamesTheHeader) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy({}, {"x-forwarded-proto", "X-Auth-Request-Email"}), "10.0.0.1",
                           FakeHeader{{"x-forwarded-proto", "https"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_missing_header");
  EXPECT_THAT(r.decision.message, HasSubstr("`x-auth-request-email`"));
}

TEST(TrustedProxy, UserValueIsTrimmedOfOwsOnly) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy({"nick@example.com"}), "10.0.0.1",
                           FakeHeader{{"X-Forwarded-User", " \tnick@example.com\t "}});
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(r.user, "nick@example.com");
  // Inner whitespace is part of the name: "nick @example.com" is someone else.
  r = AuthenticateViaProxy(Policy({"nick@example.com"}), "10.0.0.1",
                           FakeHeader{{"x-forwarded-user", "nick @example.com"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_user_not_allowed");
}

TEST(TrustedProxy, DuplicateUserHeadersAreRefused) {
  ProxyAuthResult r =
      AuthenticateViaProxy(Policy(), "10.0.0.1",
                           FakeHeader{{"x-forwarded-user", "nick"}, {"X-Forwarded-User", "admin"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_user_duplicate");
  EXPECT_EQ(r.decision.outcome, AuthOutcome::kRefused);
  EXPECT_TRUE(r.user.empty());
  // Even when both say the same.
  r = AuthenticateViaProxy(Policy(), "10.0.0.1",
                           FakeHeader{{"x-forwarded-user", "nick"}, {"x-forwarded-user", "nick"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_user_duplicate");
}

TEST(TrustedProxy, ControlCharactersAndOverlongUsersAreRefused) {
  for (const std::string& user : {std::string("nick\x01"), std::string("a\x7f"),
                                  std::string("ni\tck"), std::string(kMaxUserBytes + 1, 'a')}) {
    ProxyAuthResult r =
        AuthenticateViaProxy(Policy(), "10.0.0.1", FakeHeader{{"x-forwarded-user", user}});
    EXPECT_EQ(r.decision.code, "trusted_proxy_user_invalid") << user.size();
  }
  ProxyAuthResult ok = AuthenticateViaProxy(
      Policy(), "10.0.0.1", FakeHeader{{"x-forwarded-user", std::string(kMaxUserBytes, 'a')}});
  EXPECT_EQ(ok.decision.outcome, AuthOutcome::kAllowed);
}

TEST(TrustedProxy, NotAllowedMessageNeverEchoesTheUser) {
  ProxyAuthResult r = AuthenticateViaProxy(Policy({"nick"}), "10.0.0.1",
                                           FakeHeader{{"x-forwarded-user", "<script>"}});
  EXPECT_EQ(r.decision.code, "trusted_proxy_user_not_allowed");
  EXPECT_THAT(r.decision.message, ::testing::Not(HasSubstr("<script>")));
}

TEST(UserPattern, Table) {
  struct Case {
    std::string_view pattern;
    std::string_view user;
    bool match;
  } const kCases[] = {
      {"nick@example.com", "nick@example.com", true},
      {"nick@example.com", "Nick@example.com", false},
      {"nick@example.com", "nick@example.com.evil", false},
      {"*@example.com", "ann@example.com", true},
      {"*@example.com", "ann@example.com.evil", false},
      {"*@example.com", "@example.com", true},
      {"*@example.com", "ann@evil.com", false},
      {"team-*", "team-a", true},
      {"a*b*c", "aXXbYYc", true},
      {"a*b*c", "aXXbYY", false},
      {"*", "anyone", true},
      {"", "", true},
      {"", "x", false},
      {"**", "x", true},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(GlobMatches(c.pattern, c.user), c.match) << c.pattern << " " << c.user;
  }
}

TEST(ForwardedFor, WalksRightToLeftSkippingTrustedProxies) {
  const std::vector<IpNetwork> proxies = Policy().proxies;
  const IpAddress peer = *ParseIpAddress("127.0.0.2");
  struct Case {
    std::vector<std::string_view> xff;
    std::string_view client;
  } const kCases[] = {
      {{}, "127.0.0.2"},                                      // no header: the peer
      {{"203.0.113.7"}, "203.0.113.7"},                       // one hop
      {{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},         // forged left part ignored
      {{"203.0.113.7, 10.0.0.5"}, "203.0.113.7"},             // trusted hop skipped
      {{"203.0.113.7,10.0.0.5 , 10.9.9.9"}, "203.0.113.7"},   // several, odd spacing
      {{"1.1.1.1, 203.0.113.7", "10.0.0.5"}, "203.0.113.7"},  // across two fields
      {{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},                   // all trusted: leftmost
      {{"::ffff:203.0.113.7"}, "203.0.113.7"},                // mapped
      {{"[2001:db8:1::1]:4711"}, "2001:db8:1::1"},            // bracketed with port
      {{"203.0.113.7:4711"}, "203.0.113.7"},                  // v4 with port
      {{"2001:db8::9, 2001:db8:1::1"}, "2001:db8:1::1"},      // v6
      {{"2001:db8:1::1, 2001:db8::9"}, "2001:db8:1::1"},      // v6 trusted hop skipped
      {{"203.0.113.7, unknown"}, "127.0.0.2"},                // garbage: stop at the peer
      {{"unknown, 10.0.0.5"}, "10.0.0.5"},                    // garbage after a hop
      {{"203.0.113.7, , 10.0.0.5"}, "203.0.113.7"},           // empty entries skipped
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ClientFromForwardedFor(proxies, peer, c.xff).ToString(), c.client)
        << (c.xff.empty() ? "" : c.xff.front());
  }
}

TEST(TrustedProxy, ClientAddressComesFromForwardedForOfATrustedPeer) {
  ProxyAuthResult r = AuthenticateViaProxy(
      Policy(), "127.0.0.2",
      FakeHeader{{"x-forwarded-user", "nick"}, {"X-Forwarded-For", "6.6.6.6, 203.0.113.7"}});
  EXPECT_EQ(r.client_address, "203.0.113.7");
}

TEST(BuildTrustedProxyPolicy, LowerCasesHeaderNamesAndNeedsProxies) {
  config::TrustedProxyConfig cfg;
  cfg.proxies = {"::1"};
  cfg.user_header = "X-Auth-Request-Email";
  cfg.required_headers = {"X-Forwarded-Proto"};
  auto policy = BuildTrustedProxyPolicy(cfg);
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->user_header, "x-auth-request-email");
  EXPECT_EQ(policy->required_headers.front(), "x-forwarded-proto");
  cfg.proxies.clear();
  EXPECT_FALSE(BuildTrustedProxyPolicy(cfg).has_value());
}

}  // namespace
}  // namespace warden::access
