// Whether this machine's clock can be right, for `warden doctor` (CLOCK_SKEW). Token expiry,
// refresh timing, JWT exp/nbf and cooldowns all read the wall clock; a clock that is far behind
// makes expired credentials look valid and fresh ones look not yet valid.
// The one rule needs no network: the clock may not read earlier than the time this binary was
// built (it cannot have been built in the future). The decision is a pure function of "now"
// and the build time, so it is tested without touching the clock.
// Ownership: plain values. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace warden {

// What is wrong and the fix when `now_ms` is earlier than `built_ms` (both milliseconds since
// the epoch); nullopt otherwise, and when the build time is unknown (built_ms <= 0).
std::optional<std::string> ClockBeforeBuild(std::int64_t now_ms, std::int64_t built_ms);

}  // namespace warden
