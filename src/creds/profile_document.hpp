// The profile store's document: `auth-profiles.json` as values, and its exact JSON schema
// (README, "Profiles"; DESIGN §3 "Profiles (token sink)"). Pure: no file I/O here (that is
// creds/profile_store.hpp), so the schema is tested and fuzzed on its own.
//
//   {"version":1,"profiles":{ID:CRED},"order":{PROVIDER:[ID,...]}}
//   ID   = "provider:name"  provider as in [providers.X] (config::IsProviderId), name
//          [A-Za-z0-9._@+-]{1,128} (an email is a valid name, as other gateways use it)
//   CRED = {"type":"api_key","provider","key"}
//        | {"type":"token","provider","token","expires"?}
//        | {"type":"oauth","provider","access","refresh","expires","accountId"?,"email"?}
//   expires: milliseconds since the epoch (an integer; an integral JSON double is accepted).
// The file other agent gateways write has the same shape plus fields warden does not use
// (`lastGood`, `usageStats`, a profile's `projectId`, `clientId`, ...). Those are kept verbatim in
// `extra` and written back, so a file brought over from another gateway loses nothing when
// warden rewrites it. Every credential value is held in a Secret and must pass the header-value
// check (secrets/header_value.hpp): a store that could inject a header is refused, not used.
// Errors: PROFILE_INVALID for one credential (ParseProfile), PROFILE_STORE_CORRUPT for the
// document (the message names the field and profile, never a value).
// Ownership: plain values. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "base/result.hpp"
#include "observe/secret.hpp"

namespace warden::creds {

inline constexpr int kProfileStoreVersion = 1;

enum class ProfileType { kApiKey, kToken, kOAuth };

// "api_key" | "token" | "oauth".
std::string_view ProfileTypeName(ProfileType type);

struct Profile {
  std::string id;  // "provider:name"
  ProfileType type = ProfileType::kApiKey;
  std::string provider;
  Secret secret;   // api_key: "key"; token: "token"; oauth: "access"
  Secret refresh;  // oauth: "refresh" (empty: cannot be refreshed)
  std::optional<std::int64_t> expires_ms;
  std::string account_id;     // oauth "accountId"
  std::string email;          // "email"
  boost::json::object extra;  // fields warden does not know, written back as they were

  bool Refreshable() const { return type == ProfileType::kOAuth && !refresh.empty(); }
  bool ExpiredAt(std::int64_t now_ms) const { return expires_ms && *expires_ms <= now_ms; }
};

struct ProfileDocument {
  std::map<std::string, Profile> profiles;                // by id
  std::map<std::string, std::vector<std::string>> order;  // provider → ids, most preferred first
  boost::json::object extra;  // top-level fields warden does not know (lastGood, usageStats, ...)
};

// How close a profile is to being unusable (DESIGN "CLI exit codes": `status --check`).
enum class ProfileExpiry {
  kNever,     // no expiry (an api_key, a token without "expires")
  kValid,     // expires later than the margin below
  kExpiring,  // within 24 h; within 5 min for an OAuth profile that can be refreshed
  kExpired,   // at or past "expires"
};
inline constexpr std::int64_t kExpiringWithinMs = 24 * 3600 * 1000;
inline constexpr std::int64_t kRefreshableExpiringWithinMs = 5 * 60 * 1000;
// Fields warden keeps in an oauth profile beside the schema's (other tools keep them as unknown
// fields): "needsLogin": true after the token endpoint answered invalid_grant (the profile is
// kept; `warden auth login` replaces it). The refresh fence's own fields are in
// creds/oauth_refresh.hpp.
inline constexpr const char* kNeedsLoginField = "needsLogin";
bool MarkedNeedsLogin(const Profile& profile);
// The one rule `status`, /readyz and metrics share: marked needsLogin, or expired with no
// refresh token that could renew it.
inline bool NeedsLogin(bool marked, bool refreshable, bool expired) {
  return marked || (expired && !refreshable);
}

struct ProfileHealth {
  ProfileExpiry expiry = ProfileExpiry::kNever;
  // expired and nothing can refresh it, or marked needsLogin: `warden auth login`/import
  bool needs_login = false;
};
ProfileHealth AssessProfile(const Profile& profile, std::int64_t now_ms);
// "never" | "valid" | "expiring" | "expired".
std::string_view ProfileExpiryName(ProfileExpiry expiry);

// [A-Za-z0-9._@+-]{1,128}
bool IsProfileName(std::string_view name);
// "provider:name" split at the first ':'; nullopt unless both halves are valid.
struct ProfileIdParts {
  std::string provider;
  std::string name;
};
std::optional<ProfileIdParts> SplitProfileId(std::string_view id);
// PROFILE_INVALID naming the rules, unless `id` is a valid "provider:name".
[[nodiscard]] Result<void> CheckProfileId(std::string_view id);

// One credential under `id`. PROFILE_INVALID: not an object, unknown or missing `type`, a
// missing or non-string value field, a provider that is not the id's, an `expires` that is not
// a millisecond time, a value that fails the header check.
[[nodiscard]] Result<Profile> ParseProfile(std::string_view id, const boost::json::value& cred);

// The whole file; `origin` (its path) names it in errors. PROFILE_STORE_CORRUPT: not JSON (a
// truncated file), not an object, `version` missing or not 1, `profiles`/`order` of the wrong
// shape, any credential ParseProfile refuses.
[[nodiscard]] Result<ProfileDocument> ParseProfileDocument(std::string_view text,
                                                           const std::string& origin);

// The JSON text (with the secret values: write it only through WriteFileAtomically 0600).
// Profiles sorted by id; known fields first, then `extra`. ParseProfileDocument reads it back
// to an equal document.
std::string SerializeProfileDocument(const ProfileDocument& document);

// The credential object of one profile (with its secret values), as SerializeProfileDocument
// writes it.
boost::json::object ProfileToJson(const Profile& profile);

// Whether two profiles hold the same credential (type, values, expiry, account), for imports
// that meet an existing id. Values compared in constant time.
bool SameCredential(const Profile& a, const Profile& b);

}  // namespace warden::creds
