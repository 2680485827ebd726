#include "proxy/wire_format.hpp"

#include <boost/json.hpp>

namespace warden::proxy {

std::string_view OpenAiErrorType(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 502:
    case 503:
    case 504:
      return "upstream_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string_view AnthropicErrorType(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string ErrorBody(WireFormat format, int status, std::string_view code,
                      std::string_view message) {
  boost::json::object err;
  if (format == WireFormat::kAnthropic) {
    err["type"] = AnthropicErrorType(status);
    err["message"] = message;
    // Not part of Anthropic's schema but harmless to SDKs, and lets scripts match on it.
    err["code"] = code;
    boost::json::object root;
    root["type"] = "error";
    root["error"] = std::move(err);
    return boost::json::serialize(root);
  }
  err["message"] = message;
  err["type"] = OpenAiErrorType(status);
  err["code"] = code;
  boost::json::object root;
  root["error"] = std::move(err);
  return boost::json::serialize(root);
}

}  // namespace warden::proxy
