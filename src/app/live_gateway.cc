#include "app/live_gateway.hpp"

#include <fmt/format.h>

#include "http/net.hpp"
#include "http/server.hpp"

namespace warden::app {

namespace {

namespace asio = net::asio;
namespace bhttp = net::http;

// `bearer` and `answer` outlive the io_context that runs this (GetFromLiveGateway's locals).
net::Task<void> Fetch(net::tcp::endpoint ep, std::string target, const Secret* bearer,
                      std::optional<LiveAnswer>& answer) {
  net::beast::tcp_stream stream(co_await asio::this_coro::executor);
  auto [cec] = co_await stream.async_connect(ep, net::kUseTuple);
  if (cec) co_return;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (bearer != nullptr)
    req.set(bhttp::field::authorization, "Bearer " + std::string(bearer->Reveal()));
  req.keep_alive(false);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, net::kUseTuple);
  if (wec) co_return;
  net::beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  auto [rec, rn] = co_await bhttp::async_read(stream, buf, res, net::kUseTuple);
  if (rec) co_return;
  answer = LiveAnswer{res.result_int(), std::move(res.body())};
}

std::optional<net::tcp::endpoint> Endpoint(const std::string& bind) {
  auto ep = http::ParseBind(bind);
  if (!ep || ep->port() == 0) return std::nullopt;
  if (ep->address().is_unspecified()) ep->address(asio::ip::make_address("127.0.0.1"));
  if (!http::IsLoopback(ep->address())) return std::nullopt;  // only ever ask this machine
  return *ep;
}

}  // namespace

std::optional<std::string> LiveGatewayAddress(const std::string& bind) {
  auto ep = Endpoint(bind);
  if (!ep) return std::nullopt;
  const std::string host =
      ep->address().is_v6() ? "[" + ep->address().to_string() + "]" : ep->address().to_string();
  return fmt::format("{}:{}", host, ep->port());
}

std::optional<LiveAnswer> GetFromLiveGateway(const std::string& bind, std::string_view target,
                                             const Secret* bearer,
                                             std::chrono::milliseconds timeout) {
  auto ep = Endpoint(bind);
  if (!ep) return std::nullopt;
  asio::io_context ioc{1};
  std::optional<LiveAnswer> answer;
  asio::co_spawn(ioc, Fetch(*ep, std::string(target), bearer, answer), asio::detached);
  ioc.run_for(timeout);
  return answer;
}

}  // namespace warden::app
