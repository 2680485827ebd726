// Origin: where an upstream lives (scheme, host, port), parsed once from a provider's base_url.
// Ownership: plain value.
// Thread safety: plain value.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace warden::http {

struct Origin {
  bool tls = false;
  std::string host;  // "api.openai.com", "127.0.0.1", "::1" (no brackets)
  std::uint16_t port = 0;
  std::string host_header;  // what goes in Host: "api.openai.com", "127.0.0.1:8080", "[::1]:9"
  std::string key;          // "https://api.openai.com:443": the pool key

  bool HostIsIpLiteral() const;
};

struct ParsedBaseUrl {
  Origin origin;
  std::string path;  // "/v1" (no trailing slash; "" for the root)
};

Result<ParsedBaseUrl> ParseBaseUrl(std::string_view url);

}  // namespace warden::http
