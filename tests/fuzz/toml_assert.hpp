// Force-included (-include) into the config_loader fuzzer's translation units, before toml++.
//
// warden links Debian's libtomlplusplus (3.3.0), built with g++ and NDEBUG: there TOML_ASSERT is
// compiled out and TOML_ASSERT_ASSUME is a no-op (g++ 12 has no __builtin_assume). The fuzz build
// compiles toml++ header-only without NDEBUG (so that its parser is instrumented), where both
// would abort. To match what warden runs, a failed toml++ assertion is reported once per site and
// execution continues: ASan and UBSan then judge what the code after it does.
// Known wrong preconditions of toml++ 3.3.0 (both end in a normal parse error in warden's build):
//  - parse_key: `is_bare_key_character(*cp) || is_string_delimiter(*cp)` on "[" followed by a
//    character that starts no key ("[\x11", "[[[1]]]"); marzer/tomlplusplus#301.
//    Reproducer: tests/fuzz/regressions/config_loader/toml_parse_key_precondition.
//  - parse_value: `!is_value_terminator(*cp)` on "b=[}".
//    Reproducer: tests/fuzz/regressions/config_loader/toml_parse_value_precondition.
#pragma once

#include <cstdio>
#include <mutex>
#include <set>
#include <utility>

namespace warden::fuzz {

inline void TomlAssertFailed(const char* expr, const char* file, int line) {
  static std::mutex mu;
  static std::set<std::pair<const char*, int>> reported;
  std::lock_guard lock(mu);
  if (reported.emplace(file, line).second) {
    std::fprintf(stderr,
                 "%s:%d: toml++ assertion `%s' failed (not fatal: NDEBUG in warden's toml++)\n",
                 file, line, expr);
  }
}

}  // namespace warden::fuzz

#define TOML_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::warden::fuzz::TomlAssertFailed(#expr, __FILE__, __LINE__))
