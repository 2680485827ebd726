// Named callers ([callers.NAME], DESIGN §3): who a request is, and what it may use.
//
// Recognition: in token mode the presented token's SHA-256 is compared with every digest of
// every caller (config "sha256:" entries and resolved SecretRefs alike), in constant time per
// comparison and without stopping at a match, so timing does not tell which caller matched. The
// gateway token stays valid as the unrestricted caller "gateway". In trusted-proxy mode the
// asserted user is matched against `proxy_users`, first match in config order. In jwt mode a
// verified token's claims are matched against `jwt_subject` and every `jwt_claims` entry, first
// match in config order (MatchJwtCaller).
// Policy: `providers` (empty = all), `models` (globs on "provider/model" as the caller wrote
// it, without "@profile"; unset = all) and `profiles` (globs on profile ids "provider:name";
// unset = all). A refusal names the rule, never a credential.
// Ownership: plain values, built by the snapshot builder and held in the Snapshot.
// Thread safety: immutable once built; all functions are pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <utility>

#include "crypto/crypto.hpp"
#include "crypto/jwt_verify.hpp"

namespace warden::access {

// The name of the implicit, unrestricted caller that the gateway token is (token mode).
inline constexpr std::string_view kGatewayCallerName = "gateway";

struct CallerPolicy {
  std::string name;
  std::vector<crypto::Sha256Digest> token_digests;  // token mode
  std::vector<std::string> proxy_users;             // trusted-proxy mode: names or '*' patterns
  std::vector<std::string> providers;               // empty = every provider
  std::optional<std::vector<std::string>> models;   // unset = every model
  bool unrestricted = false;                        // the implicit "gateway" caller
  // jwt mode: a glob on `sub`, and claim name → glob; a caller matches when all that are set
  // match. A string claim matches its glob; an array claim when one of its strings does; any
  // other claim type (number, boolean, object) never matches.
  std::optional<std::string> jwt_subject;
  std::vector<std::pair<std::string, std::string>> jwt_claims;
  std::optional<std::vector<std::string>> profiles;  // globs on profile ids; unset = every one

  bool AllowsProvider(std::string_view provider) const;
  // `model` as the caller wrote it: "openai/gpt-4o".
  bool AllowsModel(std::string_view model) const;
  // `profile` is an id: "openai:work".
  bool AllowsProfile(std::string_view profile) const;
  // The globs a profile must match, or nullptr when every profile is allowed.
  const std::vector<std::string>* ProfileGlobs() const {
    return unrestricted || !profiles ? nullptr : &*profiles;
  }
};

// Why `caller` may not send `model` (written "provider/model") to `provider`, naming the rule
// ("callers.ci.providers"); nullopt when it may.
std::optional<std::string> PolicyRefusal(const CallerPolicy& caller, std::string_view provider,
                                         std::string_view model);

// Why `caller` may not use the profile `profile` (an id, "openai:work"), naming the rule
// ("callers.ci.profiles"); nullopt when it may.
std::optional<std::string> ProfileRefusal(const CallerPolicy& caller, std::string_view profile);

// The caller whose token digest equals SHA-256(`token`), or nullptr. Compares with all.
const CallerPolicy* MatchToken(const std::vector<CallerPolicy>& callers, std::string_view token);
// The same for a token already hashed.
const CallerPolicy* MatchToken(const std::vector<CallerPolicy>& callers,
                               const crypto::Sha256Digest& presented);

// The first caller (config order) with a proxy_users entry matching `user`, or nullptr.
const CallerPolicy* MatchProxyUser(const std::vector<CallerPolicy>& callers, std::string_view user);

// The first caller (config order) with jwt_subject or jwt_claims whose rules all match the
// verified token `jwt`, or nullptr.
const CallerPolicy* MatchJwtCaller(const std::vector<CallerPolicy>& callers,
                                   const crypto::VerifiedJwt& jwt);

}  // namespace warden::access
