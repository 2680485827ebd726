// Deciding whether an upstream error means "this key is rate-limited or out of quota"
// (rotate to the next key) or something else (return it to the caller as is).
// Ownership: none; reads the response body through a view.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace warden::proxy {

// 429 always; otherwise (not 401) a provider's *structured* error naming a rate limit, quota or
// overload: OpenAI `error.code`/`error.type` rate_limit_exceeded or insufficient_quota;
// Anthropic `error.type` rate_limit_error (not overloaded_error: a 529 is the provider's, not
// the key's, and is passed through); Google-style
// `error.status` RESOURCE_EXHAUSTED. Never free text: a provider's message may echo what the
// caller sent (a model name containing "rate_limit"), and a caller must not be able to cool
// shared keys by choosing words.
bool IsRateLimited(int status, std::string_view body);

// Whether a 401/403 says the key itself is bad, so it may be marked failing for every caller:
// any 401 except an account-scope mismatch (an organization or project the caller chose), and
// a 403 only when the provider's structured error says authentication failed. A 403 about
// permission (a model, a beta, a region) is the request's, not the key's.
bool IsKeyRejected(int status, std::string_view body);

// Retry-After as milliseconds: delta-seconds only (HTTP-dates are ignored → nullopt).
std::optional<std::int64_t> ParseRetryAfterMs(std::string_view value);

}  // namespace warden::proxy
