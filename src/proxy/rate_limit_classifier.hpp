// Deciding whether an upstream error means "this key is rate-limited or out of quota"
// (rotate to the next key) or something else (return it to the caller as is).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace warden::proxy {

// 429 always; otherwise an error body naming a rate limit or quota (rate_limit_exceeded,
// insufficient_quota, resource_exhausted, "exceeded your current quota", ...).
bool IsRateLimited(int status, std::string_view body);

// Retry-After as milliseconds: delta-seconds only (HTTP-dates are ignored → nullopt).
std::optional<std::int64_t> ParseRetryAfterMs(std::string_view value);

}  // namespace warden::proxy
