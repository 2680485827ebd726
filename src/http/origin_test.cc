#include "http/origin.hpp"

#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseBaseUrl, ValidTable) {
  struct Case {
    std::string_view url;
    bool tls;
    std::string_view host;
    std::uint16_t port;
    std::string_view host_header;
    std::string_view key;
    std::string_view path;
  };
  const Case kCases[] = {
      {"https://api.openai.com/v1", true, "api.openai.com", 443, "api.openai.com",
       "https://api.openai.com:443", "/v1"},
      {"https://api.openai.com", true, "api.openai.com", 443, "api.openai.com",
       "https://api.openai.com:443", ""},
      {"https://api.openai.com/", true, "api.openai.com", 443, "api.openai.com",
       "https://api.openai.com:443", ""},
      {"https://api.openai.com:443/v1/", true, "api.openai.com", 443, "api.openai.com",
       "https://api.openai.com:443", "/v1"},
      {"https://x.example:8443/a/b//", true, "x.example", 8443, "x.example:8443",
       "https://x.example:8443", "/a/b"},
      {"http://127.0.0.1:8080/v1", false, "127.0.0.1", 8080, "127.0.0.1:8080",
       "http://127.0.0.1:8080", "/v1"},
      {"http://localhost/v1", false, "localhost", 80, "localhost", "http://localhost:80", "/v1"},
      {"http://[::1]:9/v1/", false, "::1", 9, "[::1]:9", "http://[::1]:9", "/v1"},
      {"https://[2001:db8::1]/x", true, "2001:db8::1", 443, "[2001:db8::1]",
       "https://[2001:db8::1]:443", "/x"},
      {"http://x.example:/v1", false, "x.example", 80, "x.example", "http://x.example:80", "/v1"},
  };
  for (const Case& c : kCases) {
    Result<ParsedBaseUrl> r = ParseBaseUrl(c.url);
    ASSERT_TRUE(r.has_value()) << c.url << ": " << r.error().ToString();
    EXPECT_EQ(r->origin.tls, c.tls) << c.url;
    EXPECT_EQ(r->origin.host, c.host) << c.url;
    EXPECT_EQ(r->origin.port, c.port) << c.url;
    EXPECT_EQ(r->origin.host_header, c.host_header) << c.url;
    EXPECT_EQ(r->origin.key, c.key) << c.url;
    EXPECT_EQ(r->path, c.path) << c.url;
  }
}

TEST(ParseBaseUrl, InvalidTable) {
  const std::string_view kInvalid[] = {
      "api.openai.com/v1",       // not absolute
      "",                        //
      "ftp://x.example/v1",      // bad scheme
      "ws://x.example/v1",       //
      "file:///etc/passwd",      // no host
      "https:///v1",             //
      "https://x.example:0/v1",  // port 0
      "https://user:pw@x.example/v1",
      "https://user@x.example/v1",
      "https://x .example/v1",
  };
  for (std::string_view url : kInvalid) {
    Result<ParsedBaseUrl> r = ParseBaseUrl(url);
    ASSERT_FALSE(r.has_value()) << url << " → " << r->origin.key << r->path;
    EXPECT_EQ(r.error().code, ErrorCode::kConfigInvalid) << url;
  }
}

TEST(ParseBaseUrl, UserinfoIsRejectedNamingCredentials) {
  Result<ParsedBaseUrl> r = ParseBaseUrl("https://user:pw@x.example/v1");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("credentials"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("pw")));
}

// A refused base_url with user:password@ must not reach logs through the error's message or
// context (result.hpp: they never contain a secret value), even for callers that skip
// config::Validate, which refuses such URLs first.
TEST(ParseBaseUrl, UserinfoErrorNeverEchoesThePassword) {
  Result<ParsedBaseUrl> r = ParseBaseUrl("https://user:sk-SEKRIT@x.example/v1");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().ToString(), Not(HasSubstr("sk-SEKRIT")));
}

// An out-of-range port is refused, not truncated to 16 bits ("https://x.example:99999/v1" would
// otherwise connect to port 34463).
TEST(ParseBaseUrl, OutOfRangePortIsRefused) {
  for (std::string_view url : {"https://x.example:99999/v1", "http://x.example:65536/v1",
                               "http://x.example:4294967377/v1"}) {
    Result<ParsedBaseUrl> r = ParseBaseUrl(url);
    EXPECT_FALSE(r.has_value()) << url << " → port " << r->origin.port;
  }
}

TEST(Origin, HostIsIpLiteral) {
  EXPECT_TRUE(ParseBaseUrl("http://127.0.0.1:1")->origin.HostIsIpLiteral());
  EXPECT_TRUE(ParseBaseUrl("http://[::1]:1")->origin.HostIsIpLiteral());
  EXPECT_FALSE(ParseBaseUrl("https://api.openai.com")->origin.HostIsIpLiteral());
}

}  // namespace
}  // namespace warden::http
