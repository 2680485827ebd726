// BindAddress: `gateway.bind` split into host and port, and the loopback test that decides
// whether auth mode "none" is allowed. One parser, shared by the loader and the HTTP server, so
// the check and the socket can never disagree about which address is meant.
// Ownership: plain values.
// Thread safety: pure functions over plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace warden::config {

struct BindAddress {
  std::string host;        // "127.0.0.1", "::1" (brackets removed), "localhost", "0.0.0.0"
  std::uint16_t port = 0;  // 0 = any free port (tests)

  // 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and "localhost". Other host names are treated as
  // non-loopback: we cannot know what they resolve to at start, so we assume the worst.
  [[nodiscard]] bool IsLoopback() const;
};

// "host:port" or "[v6]:port"; port 0–65535. Error code CONFIG_INVALID, message without a path.
[[nodiscard]] Result<BindAddress> ParseBindAddress(std::string_view text);

}  // namespace warden::config
