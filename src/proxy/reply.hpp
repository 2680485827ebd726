// Reply: an error answer decided before (or instead of) any upstream I/O — HTTP status, stable
// snake_case code, a message that names the fix, and extra response headers. Plain functions
// build Replies and the coroutines only await writing them: g++ 12 miscompiles conditional
// expressions with class temporaries inside co_await expressions (double free), so no message
// is assembled inside a co_await.
// Thread safety: plain values. Ownership: a Reply owns its strings.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace warden::proxy {

// Extra response headers. A vector, not an initializer_list: g++ 12 miscompiles
// initializer_list temporaries inside co_await expressions ("array used as initializer").
using ExtraHeaders = std::vector<std::pair<std::string, std::string>>;

inline ExtraHeaders Header(std::string name, std::string value) {
  ExtraHeaders h;
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

struct Reply {
  int status = 0;
  std::string code;     // stable, for the caller's error body: "unknown_provider"
  std::string message;  // never a secret
  ExtraHeaders extra;
};

// Whole seconds, rounded up: Retry-After values and the waits named in messages and /readyz.
inline std::int64_t CeilSeconds(std::int64_t ms) { return (ms + 999) / 1000; }

}  // namespace warden::proxy
