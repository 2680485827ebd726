// Retry advice: the `x-should-retry` header on every error warden writes itself, which the
// OpenAI and Anthropic SDKs (and so Claude Code and Codex) obey instead of their own defaults.
// "false" when the same request cannot succeed by being sent again soon: body and model errors,
// a wrong or missing token, a policy refusal, an unknown route or method, a body or header over
// a limit, a provider that is disabled or whose keys were all rejected, and the failed-auth
// lockout (a retry cannot lift it, and the SDK's backoff would only keep a locked-out client
// busy for minutes). "true" when waiting can help: every key cooling down (Retry-After), a
// connection or upstream cap reached, the provider unreachable or slow, a request timeout.
// Responses relayed from a provider never get the header from here: they pass through as sent.
// Thread safety: pure function. Ownership: none.
#pragma once

#include <string_view>

namespace warden::proxy {

// Whether retrying a gateway error with this status and wire code can succeed.
bool ShouldRetry(int status, std::string_view code);

inline constexpr std::string_view kShouldRetryHeader = "x-should-retry";

}  // namespace warden::proxy
