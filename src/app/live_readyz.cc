#include "app/live_readyz.hpp"

#include <boost/json.hpp>

#include "app/live_gateway.hpp"

namespace warden::app {

std::optional<Result<proxy::ReadyzDocument>> FetchLiveReadyz(const std::string& bind,
                                                             std::chrono::milliseconds timeout) {
  auto answer = GetFromLiveGateway(bind, "/readyz", nullptr, timeout);
  if (!answer) return std::nullopt;
  boost::json::error_code ec;
  auto v = boost::json::parse(answer->body, ec);
  if (ec || !v.is_object()) return std::nullopt;  // not a gateway answering
  return proxy::ParseReadyz(v);
}

}  // namespace warden::app
