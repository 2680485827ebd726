// Duration strings as written in warden.toml: "250ms", "30s", "5m", "24h", "1h30m", "1.5s".
//
// The grammar is a Go-like subset: one or more <number><unit> parts, unit in ms|s|m|h, units in
// strictly decreasing order and each at most once. A bare number is refused (is "30" seconds or
// milliseconds?) except "0". Values are exact to the millisecond; anything finer is an error
// rather than a silent rounding.
// Ownership: plain values.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/config.hpp"

namespace warden::config {

// Parses `text` into milliseconds. Errors (code CONFIG_INVALID): empty, negative, unknown unit,
// missing unit, units out of order or repeated, finer than 1 ms, or larger than ~292 million years.
[[nodiscard]] Result<Duration> ParseDuration(std::string_view text);

// The inverse, for messages and `warden status`: 90000ms → "1m30s", 250ms → "250ms", 0 → "0s".
std::string FormatDuration(Duration duration);

}  // namespace warden::config
