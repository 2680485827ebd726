#include "proxy/wire_format.hpp"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

TEST(ErrorBody, OpenAiShape) {
  std::string body = ErrorBody(WireFormat::kOpenAi, 404, "unknown_provider", "no \"x\" provider");
  boost::json::value doc = boost::json::parse(body);
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc.as_object().size(), 1u);
  const boost::json::object& err = doc.at("error").as_object();
  EXPECT_EQ(err.at("message").as_string(), "no \"x\" provider");
  EXPECT_EQ(err.at("type").as_string(), "not_found_error");
  EXPECT_EQ(err.at("code").as_string(), "unknown_provider");
}

TEST(ErrorBody, AnthropicShape) {
  std::string body = ErrorBody(WireFormat::kAnthropic, 401, "invalid_credentials", "bad\ntoken");
  boost::json::value doc = boost::json::parse(body);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.at("type").as_string(), "error");
  const boost::json::object& err = doc.at("error").as_object();
  EXPECT_EQ(err.at("type").as_string(), "authentication_error");
  EXPECT_EQ(err.at("message").as_string(), "bad\ntoken");
  EXPECT_EQ(err.at("code").as_string(), "invalid_credentials");
}

TEST(ErrorBody, TypeFollowsStatusInBothFormats) {
  struct Case {
    int status;
    std::string_view openai;
    std::string_view anthropic;
  };
  const Case kCases[] = {
      {400, "invalid_request_error", "invalid_request_error"},
      {401, "authentication_error", "authentication_error"},
      {403, "permission_error", "permission_error"},
      {404, "not_found_error", "not_found_error"},
      {413, "request_too_large", "request_too_large"},
      {429, "rate_limit_error", "rate_limit_error"},
      {500, "server_error", "api_error"},
      {502, "upstream_error", "api_error"},
      {503, "upstream_error", "overloaded_error"},
      {504, "upstream_error", "api_error"},
      {529, "server_error", "overloaded_error"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(OpenAiErrorType(c.status), c.openai) << c.status;
    EXPECT_EQ(AnthropicErrorType(c.status), c.anthropic) << c.status;
    boost::json::value o = boost::json::parse(ErrorBody(WireFormat::kOpenAi, c.status, "c", "m"));
    EXPECT_EQ(o.at("error").at("type").as_string(), c.openai) << c.status;
    boost::json::value a =
        boost::json::parse(ErrorBody(WireFormat::kAnthropic, c.status, "c", "m"));
    EXPECT_EQ(a.at("error").at("type").as_string(), c.anthropic) << c.status;
  }
}

TEST(ErrorBody, NonAsciiMessageStaysValidJson) {
  std::string body = ErrorBody(WireFormat::kOpenAi, 400, "c", "modèle \"ü\" \\ \x01");
  boost::json::value doc = boost::json::parse(body);
  EXPECT_EQ(doc.at("error").at("message").as_string(), "modèle \"ü\" \\ \x01");
}

}  // namespace
}  // namespace warden::proxy
