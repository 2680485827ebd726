#include "proxy/retry_advice.hpp"

#include <array>

namespace warden::proxy {

namespace {

struct Advice {
  std::string_view code;
  bool retry;
};

// Codes whose advice differs from their status's default (below).
constexpr std::array kAdvice = {
    Advice{"auth_locked_out", false},             // 429, but only the lockout's end lifts it
    Advice{"http_version_not_supported", false},  // 505: the client speaks another HTTP
    Advice{"profile_expired", false},             // 503: the pinned profile needs renewing
    Advice{"profile_rejected", false},            // 503: the pinned profile was refused
    Advice{"provider_disabled", false},           // 503: needs a credential and a reload
    Advice{"provider_keys_rejected", false},      // 503: every key refused with 401/403
    Advice{"provider_unavailable", false},        // 503: no key and no usable federated token
    Advice{"request_timeout", true},              // 408: the request was slow to arrive
};

}  // namespace

bool ShouldRetry(int status, std::string_view code) {
  for (const Advice& a : kAdvice) {
    if (a.code == code) return a.retry;
  }
  // 429 (all_keys_cooling, too_many_connections) and 5xx (upstream_error, upstream_busy,
  // upstream_timeout, too_many_connections): transient. Every other 4xx: the request is wrong.
  return status == 429 || status >= 500;
}

}  // namespace warden::proxy
