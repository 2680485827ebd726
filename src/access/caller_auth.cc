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
                          std::string_view api_key) {
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
  if (!policy.token.ConstantTimeEquals(presented)) {
    return {AuthOutcome::kWrong, "invalid_credentials",
            "invalid gateway token (compare with $WARDEN_HOME/gateway.token or "
            "WARDEN_GATEWAY_TOKEN on the server)"};
  }
  return {};
}

}  // namespace warden::access
