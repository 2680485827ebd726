// Small helpers shared by the fuzzers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace warden::fuzz {

// A broken invariant: print why and abort, so libFuzzer records a crash artifact.
[[noreturn]] inline void Fail(std::string_view what, std::string_view detail = {},
                              std::string_view condition = {}) {
  std::fprintf(stderr, "FUZZ INVARIANT BROKEN: %.*s", int(what.size()), what.data());
  if (!condition.empty()) std::fprintf(stderr, " (%.*s)", int(condition.size()), condition.data());
  if (!detail.empty()) std::fprintf(stderr, "\n  detail: %.*s", int(detail.size()), detail.data());
  std::fprintf(stderr, "\n");
  std::abort();
}

// FUZZ_CHECK(cond [, what [, detail]])
#define FUZZ_CHECK(cond, ...)                                                 \
  do {                                                                        \
    if (!(cond)) ::warden::fuzz::FailCheck(#cond __VA_OPT__(, ) __VA_ARGS__); \
  } while (0)

[[noreturn]] inline void FailCheck(const char* condition, std::string_view what = "check failed",
                                   std::string_view detail = {}) {
  Fail(what, detail, condition);
}

// An open finding: a bug these fuzzers found (in src/ or a dependency) whose fix has not landed
// yet. While fuzzing, inputs that would only find it again are skipped (guarded by
// `if (... && SkipOpen("id"))`), so that a run can still find something else. run.sh replays
// tests/fuzz/regressions/ with WARDEN_FUZZ_STRICT=1, which turns every guard off: the reproducers
// of open findings (listed in tests/fuzz/regressions/OPEN) fail there until the fix lands; then
// delete the guard and the OPEN line.
inline bool SkipOpen(const char* finding_id) {
  static const bool strict = [] {
    const char* v = std::getenv("WARDEN_FUZZ_STRICT");
    return v != nullptr && v[0] == '1';
  }();
  (void)finding_id;
  return !strict;
}

inline std::string_view AsView(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace warden::fuzz
