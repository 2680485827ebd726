// ReadyzDocument: the one schema of the /readyz document, shared by the route that writes it
// and by `warden status`, which reads a running gateway's copy.
//
//   {"status":"ready"|"unavailable","generation":N,"config":ORIGIN,
//    "providers":{ID:{"enabled":true,"source":KIND,"keys":N,"cooling":N,
//                     "key_status":[{"fingerprint":F,"source":S,"usable":B,
//                                    "retry_in_s":N,"reason":"auth_failed"|"rate_limited"}],
//                     "expires_at":S,"token_source":S,"refresh_error":E,
//                     "profiles":{"total":N,"usable":N,"cooling":N,"expired":N,
//                                 "needs_login":N},"available":B}
//                | {"enabled":false,"source":KIND,"reason":WHY,"available":false}},
//    "jwks":{"loaded":B,"keys":N,"source":S,"last_error":E},
//    "reload":{"ok":N,"failed":N,"last_error":E,"profile_store_error":E}}
// jwks appears in jwt mode only (its keys are the issuer's signing keys: counts and where they
// came from, never key material); without a loaded key set the status is "unavailable".
// "profiles" (counts only, from auth-profiles.json) appears when the provider has profiles;
// total = usable + cooling + expired, and needs_login counts those of them (of any state) that
// only `warden auth login` can renew (creds::NeedsLogin; absent in an older gateway's document);
// profile_store_error when the store on disk is refused and the last good profiles are in use.
// retry_in_s/reason appear only for an unusable key; expires_at/token_source only when a
// federated token is present; refresh_error and last_error only when not empty. ToJson writes
// the fields in this order. The document never carries a credential value, only fingerprints.
//
// ParseReadyz never throws: a missing or mistyped field, or an inconsistent document, is an
// Error (READYZ_INVALID) naming the field. Fields it does not know are ignored, so an older
// `warden status` can read a newer gateway.
// Thread safety: plain values and pure functions. Ownership: the structs own their strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "base/result.hpp"

namespace warden::proxy {

struct KeyReadiness {
  std::string fingerprint;  // never the key itself
  std::string source;       // "OPENAI_API_KEYS[1]", "providers.x.keys[0] (exec:vault:id)"
  bool usable = true;
  std::int64_t retry_in_s = 0;  // only when !usable: seconds until it may be used again
  std::string reason;           // only when !usable: "auth_failed" | "rate_limited"
};

struct FederatedReadiness {
  std::int64_t expires_at = 0;  // seconds since the epoch
  std::string token_source;     // "env:VERCEL_OIDC_TOKEN" | "file:/path" | "refresh_command"
};

struct ProfileReadiness {
  std::uint64_t total = 0;
  std::uint64_t usable = 0;
  std::uint64_t cooling = 0;  // rate-limited or failing now
  std::uint64_t expired = 0;
  std::uint64_t needs_login = 0;  // marked needsLogin, or expired and not refreshable
};

struct ProviderReadiness {
  std::string id;
  bool enabled = false;
  std::string source;  // "env" | "config" | "federated" | "none"
  bool available = false;
  // Enabled providers only:
  std::uint64_t cooling = 0;  // keys cooling down or failing now
  std::vector<KeyReadiness> keys;
  std::optional<FederatedReadiness> federated;    // a federated token is present
  std::string refresh_error;                      // last refresh failure; empty = none
  std::optional<ProfileReadiness> profiles = {};  // the provider has profiles
  // Disabled providers only:
  std::string disabled_reason;
};

struct ReloadReadiness {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::string last_error;                // empty when the last reload succeeded
  std::string profile_store_error = {};  // empty when auth-profiles.json is in use
};

struct JwksReadiness {
  bool loaded = false;
  std::uint64_t keys = 0;
  std::string source;      // the URL or file the keys came from
  std::string last_error;  // the last load/fetch failure; empty = none
};

struct ReadyzDocument {
  bool ready = false;  // some provider has a usable credential ("ready"), else "unavailable"
  std::uint64_t generation = 0;
  std::string config;                        // where the config came from
  std::string auth_mode;                     // "token", "trusted-proxy", ...; "" if not sent
  std::vector<ProviderReadiness> providers;  // config order
  std::optional<JwksReadiness> jwks;         // jwt mode only
  ReloadReadiness reload;
};

boost::json::value ToJson(const ReadyzDocument& doc);

// READYZ_INVALID when `v` is not a /readyz document.
Result<ReadyzDocument> ParseReadyz(const boost::json::value& v);

}  // namespace warden::proxy
