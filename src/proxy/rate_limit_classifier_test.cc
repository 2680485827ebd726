#include "proxy/rate_limit_classifier.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

struct Case {
  int status;
  std::string_view body;
  bool rate_limited;
};

TEST(IsRateLimited, Table) {
  const Case kCases[] = {
      {429, "", true},
      {429, R"({"error":{"message":"slow down"}})", true},
      {429, "<html>nope</html>", true},
      {403, R"({"error":{"type":"insufficient_quota","message":"x"}})", true},
      {400, R"({"error":{"code":"insufficient_quota"}})", true},
      {403, "You exceeded your current quota, please check your plan", false},  // free text
      {400, R"({"error":{"status":"RESOURCE_EXHAUSTED","message":"Quota exceeded"}})", true},
      {403, R"({"error":{"status":"resource_exhausted"}})", true},
      {400, R"({"error":{"type":"rate_limit_error"}})", true},
      {503, "Too Many Requests", false},  // free text
      {529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
       false},
      {400, R"({"error":{"code":"rate_limit_exceeded","type":"requests"}})", true},
      // A provider echoing the caller's words in its message: never a rate limit.
      {404,
       R"({"error":{"message":"The model `rate_limit_exceeded-insufficient_quota` does not exist","type":"invalid_request_error","code":"model_not_found"}})",
       false},
      {400,
       R"({"type":"error","error":{"type":"invalid_request_error","message":"rate_limit_error quota"}})",
       false},
      {404, "model rate_limit_exceeded not found; insufficient_quota", false},
      {400, R"(["rate_limit_exceeded"])", false},
      {400, R"({"error":"rate_limit_exceeded"})", false},
      {401, R"({"error":{"type":"insufficient_quota"}})", false},
      {401, "rate limit exceeded", false},
      {401, "", false},
      {500, "internal server error", false},
      {500, "", false},
      {400, R"({"error":{"message":"model not found"}})", false},
      {403, R"({"error":{"type":"permission_error"}})", false},
      {200, "rate_limit", false},
      {302, "insufficient_quota", false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(IsRateLimited(c.status, c.body), c.rate_limited) << c.status << " " << c.body;
  }
}

TEST(IsKeyRejected, Table) {
  const Case kCases[] = {
      // `rate_limited` reads "key rejected" here.
      {401, "", true},
      {401, R"({"error":{"code":"invalid_api_key"}})", true},
      {401, R"({"type":"error","error":{"type":"authentication_error"}})", true},
      {401,
       R"({"error":{"code":"mismatched_organization","message":"OpenAI-Organization header should match"}})",
       false},
      {401, R"({"error":{"code":"mismatched_project"}})", false},
      {403, R"({"type":"error","error":{"type":"authentication_error"}})", true},
      {403, R"({"error":{"code":"invalid_api_key"}})", true},
      {403, R"({"type":"error","error":{"type":"permission_error","message":"beta not allowed"}})",
       false},
      {403, R"({"error":{"code":"unsupported_country_region_territory"}})", false},
      {403, "", false},
      {403, "authentication_error", false},  // free text
      {400, R"({"error":{"code":"invalid_api_key"}})", false},
      {500, "", false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(IsKeyRejected(c.status, c.body), c.rate_limited) << c.status << " " << c.body;
  }
}

TEST(ParseRetryAfterMs, DeltaSecondsTable) {
  struct RetryCase {
    std::string_view value;
    std::optional<std::int64_t> ms;
  };
  const RetryCase kCases[] = {
      {"7", 7000},
      {"0", 0},
      {" 30 ", 30000},
      {"120", 120000},
      {"999999999", 999999999000LL},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"abc", std::nullopt},
      {"7s", std::nullopt},
      {"-1", std::nullopt},
      {"1.5", std::nullopt},
      {"+5", std::nullopt},
      {"1000000000", std::nullopt},  // more than 9 digits
      {"Wed, 21 Oct 2015 07:28:00 GMT", std::nullopt},
  };
  for (const RetryCase& c : kCases) {
    EXPECT_EQ(ParseRetryAfterMs(c.value), c.ms) << "'" << c.value << "'";
  }
}

}  // namespace
}  // namespace warden::proxy
