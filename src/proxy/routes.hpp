// The HTTP surface of DESIGN §3: which path is which route.
// Ownership: none.
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "proxy/wire_format.hpp"

namespace warden::proxy {

enum class RouteKind {
  kProxy,    // forwarded to a provider
  kModels,   // GET /v1/models
  kHealthz,  // GET /healthz (no auth)
  kReadyz,   // GET /readyz (no auth; never a value)
  kMetrics,  // GET /metrics (auth)
  kNotFound,
};

struct Route {
  RouteKind kind = RouteKind::kNotFound;
  std::string_view name = "unknown";  // metric label: "chat_completions", "messages", ...
  WireFormat wire = WireFormat::kOpenAi;
  std::string_view upstream_suffix;  // appended to the provider's base path: "/chat/completions"
  bool post_only = false;
};

// `path` without the query string.
Route MatchRoute(std::string_view path);

// A request target split at the '?': the path, and the query with its '?' ("" when none).
std::string_view PathOf(std::string_view target);
std::string_view QueryOf(std::string_view target);

}  // namespace warden::proxy
