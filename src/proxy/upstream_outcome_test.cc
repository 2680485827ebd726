#include "proxy/upstream_outcome.hpp"

#include <chrono>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;

constexpr CredentialKind kKey = CredentialKind::kStaticKey;
constexpr CredentialKind kFederated = CredentialKind::kFederated;

TEST(NeedsClassification, ErrorsToKeysAnd401sToTokens) {
  struct Case {
    int status;
    CredentialKind kind;
    bool needed;
  };
  const Case kCases[] = {
      {200, kKey, false},       {204, kKey, false},       {304, kKey, false},
      {399, kKey, false},       {400, kKey, true},        {401, kKey, true},
      {403, kKey, true},        {429, kKey, true},        {500, kKey, true},
      {529, kKey, true},        {200, kFederated, false}, {400, kFederated, false},
      {401, kFederated, true},  {403, kFederated, false}, {429, kFederated, false},
      {503, kFederated, false},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(NeedsClassification(c.status, c.kind), c.needed)
        << c.status << " kind " << static_cast<int>(c.kind);
  }
}

TEST(ClassifyErrorResponse, Table) {
  struct Case {
    int status;
    std::string_view body;
    CredentialKind kind;
    bool may_refresh;
    ErrorVerdict verdict;
  };
  const Case kCases[] = {
      // Static keys: rate limits and quotas rotate, whatever the status.
      {429, "", kKey, false, ErrorVerdict::kRotateKey},
      {429, R"({"error":{"type":"rate_limit_error"}})", kKey, true, ErrorVerdict::kRotateKey},
      {400, R"({"error":{"code":"insufficient_quota"}})", kKey, false, ErrorVerdict::kRotateKey},
      {403, R"({"error":{"type":"insufficient_quota"}})", kKey, false, ErrorVerdict::kRotateKey},
      {503, R"({"error":{"status":"RESOURCE_EXHAUSTED"}})", kKey, false, ErrorVerdict::kRotateKey},
      // 401/403 that are not quota errors: the key is rejected.
      {401, "", kKey, false, ErrorVerdict::kKeyRejected},
      {401, R"({"error":{"type":"insufficient_quota"}})", kKey, false, ErrorVerdict::kKeyRejected},
      {403, R"({"type":"error","error":{"type":"authentication_error"}})", kKey, false,
       ErrorVerdict::kKeyRejected},
      // A 403 about the request (a model, a beta, a region) is not the key's fault.
      {403, R"({"error":{"type":"permission_error"}})", kKey, false, ErrorVerdict::kPassThrough},
      {403, "", kKey, true, ErrorVerdict::kPassThrough},
      // Anything else reaches the caller as is.
      {400, R"({"error":{"message":"model not found"}})", kKey, false, ErrorVerdict::kPassThrough},
      {404, "", kKey, false, ErrorVerdict::kPassThrough},
      {500, "internal error", kKey, false, ErrorVerdict::kPassThrough},
      {529, R"({"type":"error","error":{"type":"overloaded_error"}})", kKey, false,
       ErrorVerdict::kPassThrough},
      // Federated tokens: refresh once on 401, never rotate.
      {401, "", kFederated, true, ErrorVerdict::kRefreshAndRetry},
      {401, "", kFederated, false, ErrorVerdict::kPassThrough},
      {429, "", kFederated, true, ErrorVerdict::kPassThrough},
      {403, "", kFederated, true, ErrorVerdict::kPassThrough},
      {400, "insufficient_quota", kFederated, true, ErrorVerdict::kPassThrough},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ClassifyErrorResponse(c.status, c.body, c.kind, c.may_refresh), c.verdict)
        << c.status << " " << c.body << " kind " << static_cast<int>(c.kind) << " may_refresh "
        << c.may_refresh;
  }
}

TEST(DescribeUpstreamFailure, MapsEachCodeToStatusMetricAndWireCode) {
  struct Case {
    ErrorCode code;
    int status;
    std::string_view metric_label;
    std::string_view wire_code;
  };
  const Case kCases[] = {
      {ErrorCode::kUpstreamTimeout, 504, "timeout", "upstream_timeout"},
      {ErrorCode::kUpstreamBusy, 503, "busy", "upstream_busy"},
      {ErrorCode::kUpstreamTls, 502, "tls", "upstream_error"},
      {ErrorCode::kUpstreamConnect, 502, "connect", "upstream_error"},
      {ErrorCode::kUpstreamProtocol, 502, "protocol", "upstream_error"},
      {ErrorCode::kIoError, 502, "protocol", "upstream_error"},
  };
  for (const Case& c : kCases) {
    const UpstreamFailureKind kind = DescribeUpstreamFailure(Error::Make(c.code, "m"));
    EXPECT_EQ(kind.status, c.status) << WireName(c.code);
    EXPECT_EQ(kind.metric_label, c.metric_label) << WireName(c.code);
    EXPECT_EQ(kind.wire_code, c.wire_code) << WireName(c.code);
  }
}

TEST(FirstByteFailure, TimeoutNamesTheLimitOtherwiseTheReason) {
  const Error timeout = FirstByteFailure("openai", true, std::chrono::milliseconds(90'000), "x");
  EXPECT_EQ(DescribeUpstreamFailure(timeout).status, 504);
  EXPECT_EQ(timeout.message, "provider 'openai' did not answer within 1m30s");

  const Error broken =
      FirstByteFailure("openai", false, std::chrono::milliseconds(90'000), "end of stream");
  EXPECT_EQ(DescribeUpstreamFailure(broken).status, 502);
  EXPECT_EQ(DescribeUpstreamFailure(broken).metric_label, "protocol");
  EXPECT_THAT(broken.message,
              HasSubstr("provider 'openai' closed the connection or sent an invalid response "
                        "(end of stream)"));
}

}  // namespace
}  // namespace warden::proxy
