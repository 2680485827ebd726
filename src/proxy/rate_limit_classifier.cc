#include "proxy/rate_limit_classifier.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <string>

#include <boost/json.hpp>

namespace warden::proxy {

namespace {

// The structured fields of an error body: {"error":{"type","code","status"}} (OpenAI, Google)
// or {"type":"error","error":{"type"}} (Anthropic). Lower-cased; empty when absent.
struct ProviderError {
  std::string type;
  std::string code;
  std::string status;
};

std::string LowerField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  std::string out(v->get_string());
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

std::optional<ProviderError> ParseProviderError(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const boost::json::value* error = doc.get_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return std::nullopt;
  const boost::json::object& e = error->get_object();
  return ProviderError{LowerField(e, "type"), LowerField(e, "code"), LowerField(e, "status")};
}

bool Names(const ProviderError& e, std::initializer_list<std::string_view> values) {
  for (std::string_view v : values) {
    if (e.type == v || e.code == v || e.status == v) return true;
  }
  return false;
}

}  // namespace

bool IsRateLimited(int status, std::string_view body) {
  if (status == 429) return true;
  if (status < 400 || status == 401) return false;
  const auto error = ParseProviderError(body);
  // Not overloaded_error (Anthropic's 529): the provider is overloaded for every key, so
  // cooling this one would only turn a passing overload into "all keys cooling".
  return error && Names(*error, {"rate_limit_exceeded", "insufficient_quota", "rate_limit_error",
                                 "resource_exhausted"});
}

bool IsKeyRejected(int status, std::string_view body) {
  if (status != 401 && status != 403) return false;
  const auto error = ParseProviderError(body);
  if (status == 401) {
    return !error ||
           !Names(*error, {"mismatched_organization", "invalid_organization",
                           "no_such_organization", "mismatched_project", "invalid_project"});
  }
  return error && Names(*error, {"authentication_error", "invalid_api_key"});
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
