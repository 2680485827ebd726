#include "proxy/retry_advice.hpp"

#include <string_view>

#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

TEST(ShouldRetry, OneAnswerPerGatewayErrorClass) {
  struct Case {
    int status;
    std::string_view code;
    bool retry;
  };
  const Case kCases[] = {
      {400, "invalid_json", false},
      {400, "model_invalid", false},
      {400, "model_ambiguous", false},
      {400, "model_unroutable", false},
      {400, "unknown_provider", false},
      {400, "wire_format_mismatch", false},
      {400, "bad_request", false},
      {401, "missing_credentials", false},
      {401, "invalid_credentials", false},
      {401, "trusted_proxy_missing_header", false},
      {403, "caller_not_allowed", false},
      {404, "route_not_found", false},
      {405, "method_not_allowed", false},
      {408, "request_timeout", true},
      {413, "request_too_large", false},
      {431, "header_too_large", false},
      {429, "auth_locked_out", false},
      {429, "all_keys_cooling", true},
      {429, "too_many_connections", true},
      {502, "upstream_error", true},
      {503, "upstream_busy", true},
      {503, "too_many_connections", true},
      {503, "provider_disabled", false},
      {503, "provider_keys_rejected", false},
      {503, "provider_unavailable", false},
      {504, "upstream_timeout", true},
      {505, "http_version_not_supported", false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ShouldRetry(c.status, c.code), c.retry) << c.status << " " << c.code;
  }
}

}  // namespace
}  // namespace warden::proxy
