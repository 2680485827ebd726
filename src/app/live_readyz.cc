#include "app/live_readyz.hpp"

#include <boost/json.hpp>

#include "http/net.hpp"
#include "http/server.hpp"

namespace warden::app {

namespace {

namespace asio = net::asio;
namespace bhttp = net::http;

net::Task<void> Fetch(net::tcp::endpoint ep, std::optional<std::string>& body) {
  net::beast::tcp_stream stream(co_await asio::this_coro::executor);
  auto [cec] = co_await stream.async_connect(ep, net::kUseTuple);
  if (cec) co_return;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/readyz", 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.keep_alive(false);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, net::kUseTuple);
  if (wec) co_return;
  net::beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  auto [rec, rn] = co_await bhttp::async_read(stream, buf, res, net::kUseTuple);
  if (rec) co_return;
  body = std::move(res.body());
}

}  // namespace

std::optional<Result<proxy::ReadyzDocument>> FetchLiveReadyz(const std::string& bind,
                                                             std::chrono::milliseconds timeout) {
  auto ep = http::ParseBind(bind);
  if (!ep || ep->port() == 0) return std::nullopt;
  if (ep->address().is_unspecified()) ep->address(asio::ip::make_address("127.0.0.1"));
  if (!http::IsLoopback(ep->address())) return std::nullopt;  // only ever ask this machine
  asio::io_context ioc{1};
  std::optional<std::string> body;
  asio::co_spawn(ioc, Fetch(*ep, body), asio::detached);
  ioc.run_for(timeout);
  if (!body) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*body, ec);
  if (ec || !v.is_object()) return std::nullopt;  // not a gateway answering
  return proxy::ParseReadyz(v);
}

}  // namespace warden::app
