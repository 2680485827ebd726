// The default key source of every provider: the environment chain (README, "Where provider
// credentials come from").
//
// For prefix P: WARDEN_LIVE_<P>_KEY alone if set; else <P>_API_KEYS (split on comma, whitespace,
// semicolon), then <P>_API_KEY, then every <P>_API_KEY_* (sorted by name); de-duplicated by
// exact value, first occurrence wins. Empty values are skipped.
// Ownership: borrows the Environment for the call only; keys are returned by value.
// Thread safety: pure function of the Environment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/environment.hpp"
#include "observe/secret.hpp"

namespace warden::creds {

struct EnvKey {
  std::string variable;  // where it came from, e.g. "OPENAI_API_KEYS[1]" — safe to log
  Secret value;
};

std::vector<EnvKey> EnvKeyChain(std::string_view prefix, const Environment& env);

// The variable names a user could set to enable the provider (for 503/diagnostic messages).
std::vector<std::string> EnvKeyChainNames(std::string_view prefix);

}  // namespace warden::creds
