#include "access/caller_auth.hpp"

#include <cctype>

namespace warden::access {

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return {};
  }
  std::string_view rest = authorization.substr(kScheme.size());
  if (rest.front() != ' ' && rest.front() != '\t') return {};
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  return rest;
}

AuthDecision Authenticate(const access::AccessPolicy& policy, std::string_view authorization,
                          std::string_view api_key, crypto::Sha256Memo& digests) {
  switch (policy.mode) {
    case config::AuthMode::kNone:
      return {};
    case config::AuthMode::kToken:
      break;
    default:
      return {AuthOutcome::kUnsupportedMode, "auth_mode_unsupported",
              "this gateway's auth mode is not supported by this build"};
  }
  std::string_view presented = BearerToken(authorization);
  if (presented.empty()) presented = api_key;
  if (presented.empty()) {
    return {AuthOutcome::kMissing, "missing_credentials",
            "missing gateway token: send `Authorization: Bearer <token>` or `x-api-key: <token>` "
            "(the token is in $WARDEN_HOME/gateway.token or WARDEN_GATEWAY_TOKEN)"};
  }
  const crypto::Sha256Digest presented_digest = digests.Of(presented);
  const bool gateway_token = policy.token.MatchesDigest(presented_digest);
  const CallerPolicy* caller =
      policy.callers.empty() ? nullptr : MatchToken(policy.callers, presented_digest);
  if (caller == nullptr && !gateway_token) {
    return {AuthOutcome::kWrong, "invalid_credentials",
            "invalid gateway token (compare with $WARDEN_HOME/gateway.token or "
            "WARDEN_GATEWAY_TOKEN on the server, or with a token of a [callers] entry)"};
  }
  AuthDecision allowed;
  if (!policy.callers.empty()) allowed.caller = caller ? caller : &policy.gateway_caller;
  return allowed;
}

AuthDecision Authenticate(const access::AccessPolicy& policy, std::string_view authorization,
                          std::string_view api_key) {
  crypto::Sha256Memo digests;
  return Authenticate(policy, authorization, api_key, digests);
}

AuthDecision IdentifyProxyUser(const access::AccessPolicy& policy, std::string_view user) {
  AuthDecision decision;
  if (policy.callers.empty()) return decision;
  decision.caller = MatchProxyUser(policy.callers, user);
  if (decision.caller == nullptr) {
    // The name is the caller's own, asserted by the proxy: safe to leave out, so it is.
    return {AuthOutcome::kForbidden, "caller_not_allowed",
            "no [callers] entry's proxy_users matches the user asserted by the trusted proxy"};
  }
  return decision;
}

}  // namespace warden::access
