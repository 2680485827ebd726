#include "proxy/rate_limit_classifier.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace warden::proxy {

bool IsRateLimited(int status, std::string_view body) {
  if (status == 429) return true;
  if (status < 400 || status == 401) return false;
  static constexpr std::array<std::string_view, 11> kPatterns = {
      "rate_limit", "rate limit", "ratelimit", "insufficient_quota", "resource_exhausted",
      "resource exhausted", "exceeded your current quota", "quota_exceeded", "quota exceeded",
      "too many requests", "throttl"};
  std::string lower(body.substr(0, 64 * 1024));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return std::any_of(kPatterns.begin(), kPatterns.end(),
                     [&](std::string_view p) { return lower.find(p) != std::string::npos; });
}

std::optional<std::int64_t> ParseRetryAfterMs(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  std::int64_t seconds = 0;
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds * 1000;
}

}  // namespace warden::proxy
