#include "access/callers.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "base/glob.hpp"

namespace warden::access {

bool CallerPolicy::AllowsProvider(std::string_view provider) const {
  if (unrestricted || providers.empty()) return true;
  return std::find(providers.begin(), providers.end(), provider) != providers.end();
}

bool CallerPolicy::AllowsModel(std::string_view model) const {
  if (unrestricted || !models) return true;
  return std::any_of(models->begin(), models->end(),
                     [&](const std::string& glob) { return GlobMatches(glob, model); });
}

bool CallerPolicy::AllowsProfile(std::string_view profile) const {
  if (unrestricted || !profiles) return true;
  return std::any_of(profiles->begin(), profiles->end(),
                     [&](const std::string& glob) { return GlobMatches(glob, profile); });
}

std::optional<std::string> ProfileRefusal(const CallerPolicy& caller, std::string_view profile) {
  if (caller.AllowsProfile(profile)) return std::nullopt;
  return "caller \"" + caller.name + "\" may not use profile \"" + std::string(profile) +
         "\" (callers." + caller.name + ".profiles)";
}

std::optional<std::string> PolicyRefusal(const CallerPolicy& caller, std::string_view provider,
                                         std::string_view model) {
  const std::string rule = "callers." + caller.name;
  if (!caller.AllowsProvider(provider)) {
    return "caller \"" + caller.name + "\" may not use provider \"" + std::string(provider) +
           "\" (" + rule + ".providers)";
  }
  if (!caller.AllowsModel(model)) {
    return "caller \"" + caller.name + "\" may not use model \"" + std::string(model) + "\" (" +
           rule + ".models)";
  }
  return std::nullopt;
}

const CallerPolicy* MatchToken(const std::vector<CallerPolicy>& callers, std::string_view token) {
  return MatchToken(callers, crypto::Sha256(token));
}

const CallerPolicy* MatchToken(const std::vector<CallerPolicy>& callers,
                               const crypto::Sha256Digest& presented) {
  const CallerPolicy* match = nullptr;
  for (const CallerPolicy& caller : callers) {
    for (const crypto::Sha256Digest& digest : caller.token_digests) {
      // No early exit: every digest is compared whatever matched before.
      if (crypto::DigestEquals(presented, digest)) match = &caller;
    }
  }
  return match;
}

const CallerPolicy* MatchProxyUser(const std::vector<CallerPolicy>& callers,
                                   std::string_view user) {
  for (const CallerPolicy& caller : callers) {
    for (const std::string& pattern : caller.proxy_users) {
      if (GlobMatches(pattern, user)) return &caller;
    }
  }
  return nullptr;
}

namespace {

bool ClaimMatches(const boost::json::value* claim, std::string_view glob) {
  if (claim == nullptr) return false;
  if (claim->is_string()) return GlobMatches(glob, claim->get_string());
  if (!claim->is_array()) return false;
  return std::any_of(claim->get_array().begin(), claim->get_array().end(),
                     [&](const boost::json::value& v) {
                       return v.is_string() && GlobMatches(glob, v.get_string());
                     });
}

bool JwtMatches(const CallerPolicy& caller, const crypto::VerifiedJwt& jwt) {
  if (!caller.jwt_subject && caller.jwt_claims.empty()) return false;
  if (caller.jwt_subject) {
    const boost::json::value* sub = jwt.claims.if_contains("sub");
    if (sub == nullptr || !sub->is_string() || !GlobMatches(*caller.jwt_subject, sub->get_string()))
      return false;
  }
  return std::all_of(caller.jwt_claims.begin(), caller.jwt_claims.end(), [&](const auto& rule) {
    return ClaimMatches(jwt.claims.if_contains(rule.first), rule.second);
  });
}

}  // namespace

const CallerPolicy* MatchJwtCaller(const std::vector<CallerPolicy>& callers,
                                   const crypto::VerifiedJwt& jwt) {
  for (const CallerPolicy& caller : callers) {
    if (JwtMatches(caller, jwt)) return &caller;
  }
  return nullptr;
}

}  // namespace warden::access
