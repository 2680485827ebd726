// How one profile of the store is shown by `warden auth list`, `warden auth import` and
// `warden status` (README, "Profiles"): id, type, provider, expiry, whether it can be refreshed,
// whether it needs a new login, account and email. Never a credential value: these functions
// read only the non-secret fields of a Profile.
// Ownership: plain values. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "creds/profile_document.hpp"
#include "creds/profile_store.hpp"

namespace warden::app {

// "2026-11-28T17:00:00Z (in 3h20m)" | "2026-11-27T09:00:00Z (expired 2h ago)" | "never".
std::string ExpiryText(const std::optional<std::int64_t>& expires_ms, std::int64_t now_ms);

// {"id","type","provider","expires_at" (ms or null),"expires" (ISO or null),"state" (never |
//  valid | expiring | expired),"refreshable","needs_login","account_id"?,"email"?}
boost::json::object ProfileJson(const creds::Profile& profile, std::int64_t now_ms);

// One line: "codex:cli  oauth  expires ... refreshable  account acct-1  me@example.com".
std::string ProfileLine(const creds::Profile& profile, std::int64_t now_ms);

// The profiles section of `warden status`: JSON, text, and the exit code it implies for
// `--check` (DESIGN "CLI exit codes"): 1 when the store cannot be read or a profile of a
// configured provider has expired, 2 when one expires soon (AssessProfile), else 0. Profiles of
// providers the config does not have are listed, marked, and do not count.
struct ProfilesReport {
  boost::json::object json;  // {"store","profiles":[ProfileJson + "configured"],"error"?}
  std::string text;
  int exit_code = 0;
};
ProfilesReport ReportProfiles(const Result<creds::ProfileStore>& store,
                              const std::set<std::string>& configured_providers,
                              std::int64_t now_ms);

}  // namespace warden::app
