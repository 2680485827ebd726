// Wire formats: which API a route speaks, and error bodies in the caller's format.
//   OpenAI:    {"error":{"message":M,"type":T,"code":C}}
//   Anthropic: {"type":"error","error":{"type":T,"message":M}}
// Messages must never contain a secret; callers build them from names only.
// Ownership: none; bodies are returned as strings.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace warden::proxy {

enum class WireFormat { kOpenAi, kAnthropic };

// A JSON error body. `code` is a stable snake_case identifier (e.g. "unknown_provider").
std::string ErrorBody(WireFormat format, int status, std::string_view code,
                      std::string_view message);

// OpenAI "type" for an HTTP status: invalid_request_error, authentication_error, ...
std::string_view OpenAiErrorType(int status);
// Anthropic "type" for an HTTP status: invalid_request_error, authentication_error,
// permission_error, not_found_error, request_too_large, rate_limit_error, api_error,
// overloaded_error.
std::string_view AnthropicErrorType(int status);

}  // namespace warden::proxy
