// GlobMatches: the one pattern language of the config — names where `*` matches any run of
// characters (also none) and every other character matches itself, case-sensitively. Used for
// trusted-proxy `allow_users`, callers' `proxy_users` and `models`.
// Cost: greedy matching with one backtrack point, O(|pattern| * |text|) at worst.
// Ownership: none; both arguments are borrowed for the call. Thread safety: pure function.
#pragma once

#include <string_view>

namespace warden {

bool GlobMatches(std::string_view pattern, std::string_view text);

}  // namespace warden
