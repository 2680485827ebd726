// ISO 8601 times in UTC for what warden shows and accepts on the command line (profile expiry in
// `warden auth list` / `status`, `warden auth paste-token --expires-at`).
//
// FormatIsoTime: milliseconds since the epoch → "2026-11-28T17:00:00Z" (seconds precision).
// ParseIsoTime: "YYYY-MM-DDTHH:MM:SS" with optional ".fraction" (milliseconds kept, finer digits
// dropped) and a zone that must be given: "Z" or "+HH:MM"/"-HH:MM"; years 1970..9999. Anything
// else is nullopt (the caller words the error, with its own code).
// Ownership: plain values. Thread safety: pure functions (gmtime_r, timegm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden {

std::string FormatIsoTime(std::int64_t ms_since_epoch);
std::optional<std::int64_t> ParseIsoTime(std::string_view text);

}  // namespace warden
