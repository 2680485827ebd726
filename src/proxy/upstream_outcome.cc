#include "proxy/upstream_outcome.hpp"

#include <string>

#include "config/duration.hpp"
#include "proxy/rate_limit_classifier.hpp"

namespace warden::proxy {

UpstreamFailureKind DescribeUpstreamFailure(const Error& failure) {
  switch (failure.code) {
    case ErrorCode::kUpstreamTimeout:
      return {504, "timeout", "upstream_timeout"};
    case ErrorCode::kUpstreamBusy:
      return {503, "busy", "upstream_busy"};
    case ErrorCode::kUpstreamTls:
      return {502, "tls", "upstream_error"};
    case ErrorCode::kUpstreamConnect:
      return {502, "connect", "upstream_error"};
    default:
      return {502, "protocol", "upstream_error"};
  }
}

Error FirstByteFailure(std::string_view provider, bool timed_out,
                       std::chrono::milliseconds first_byte_timeout, std::string_view reason) {
  const std::string who = "provider '" + std::string(provider) + "'";
  if (timed_out) {
    return Error::Make(ErrorCode::kUpstreamTimeout, who + " did not answer within " +
                                                        config::FormatDuration(first_byte_timeout));
  }
  return Error::Make(
      ErrorCode::kUpstreamProtocol,
      who + " closed the connection or sent an invalid response (" + std::string(reason) + ")");
}

bool NeedsClassification(int status, CredentialKind kind) {
  return status >= 400 && (kind == CredentialKind::kStaticKey || status == 401);
}

ErrorVerdict ClassifyErrorResponse(int status, std::string_view body, CredentialKind kind,
                                   bool may_refresh) {
  if (kind == CredentialKind::kStaticKey) {
    if (IsRateLimited(status, body)) return ErrorVerdict::kRotateKey;
    if (IsKeyRejected(status, body)) return ErrorVerdict::kKeyRejected;
    return ErrorVerdict::kPassThrough;
  }
  if (kind == CredentialKind::kFederated && status == 401 && may_refresh)
    return ErrorVerdict::kRefreshAndRetry;
  return ErrorVerdict::kPassThrough;
}

}  // namespace warden::proxy
