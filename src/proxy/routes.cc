#include "proxy/routes.hpp"

#include <array>

namespace warden::proxy {

namespace {

struct Entry {
  std::string_view path;
  Route route;
};

constexpr std::array kRoutes = {
    Entry{"/v1/chat/completions",
          {RouteKind::kProxy, "chat_completions", WireFormat::kOpenAi, "/chat/completions", true}},
    Entry{"/v1/completions",
          {RouteKind::kProxy, "completions", WireFormat::kOpenAi, "/completions", true}},
    Entry{"/v1/embeddings",
          {RouteKind::kProxy, "embeddings", WireFormat::kOpenAi, "/embeddings", true}},
    Entry{"/v1/responses",
          {RouteKind::kProxy, "responses", WireFormat::kOpenAi, "/responses", true}},
    Entry{"/v1/messages",
          {RouteKind::kProxy, "messages", WireFormat::kAnthropic, "/messages", true}},
    Entry{"/v1/messages/count_tokens",
          {RouteKind::kProxy, "count_tokens", WireFormat::kAnthropic, "/messages/count_tokens",
           true}},
    Entry{"/v1/models", {RouteKind::kModels, "models", WireFormat::kOpenAi, "/models", false}},
    Entry{"/healthz", {RouteKind::kHealthz, "healthz", WireFormat::kOpenAi, "", false}},
    Entry{"/readyz", {RouteKind::kReadyz, "readyz", WireFormat::kOpenAi, "", false}},
    Entry{"/metrics", {RouteKind::kMetrics, "metrics", WireFormat::kOpenAi, "", false}},
};

}  // namespace

Route MatchRoute(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& e : kRoutes) {
    if (e.path == path) return e.route;
  }
  Route r;
  // Unknown /v1/messages* paths answer in Anthropic's format; everything else in OpenAI's.
  if (path.starts_with("/v1/messages")) r.wire = WireFormat::kAnthropic;
  return r;
}

std::string_view PathOf(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view QueryOf(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q);
}

}  // namespace warden::proxy
