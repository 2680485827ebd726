// Asks a running gateway (on this machine's loopback) for its /readyz, so `warden status` can
// show live state that only the server knows: cooling keys, refreshed token expiry.
// Bounded to `timeout`; returns nullopt when nothing answers (or the answer is not a JSON object),
// and an Error (READYZ_INVALID) when the answer is not a /readyz document. /readyz needs no
// credential and never carries a secret.
// Ownership: returns the parsed document by value.
// Thread safety: blocks the calling thread for up to `timeout`; for CLI verbs, never an event loop.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "proxy/readyz_document.hpp"

namespace warden::app {

std::optional<Result<proxy::ReadyzDocument>> FetchLiveReadyz(const std::string& bind,
                                                             std::chrono::milliseconds timeout);

}  // namespace warden::app
