#include "http/upstream_pool.hpp"

#include <poll.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace asio = net::asio;

// Whether the peer of `accepted` closes within `wait`: the socket turns readable and a read
// returns end of file. (A close on loopback is seen at once; `wait` only bounds a slow machine.)
bool PeerClosed(net::tcp::socket& accepted, std::chrono::milliseconds wait) {
  pollfd fd{accepted.native_handle(), POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(wait.count())) != 1) return false;
  char byte = 0;
  net::error_code ec;
  accepted.read_some(asio::buffer(&byte, 1), ec);
  return ec == asio::error::eof;
}

// Release closes the connections idle for pool_idle_timeout or longer, however busy the newest
// ones are: TakeIdle always reuses the newest, so the oldest were never looked at again.
TEST(UpstreamPool, ReleaseClosesTheConnectionsIdleLongerThanTheTimeout) {
  asio::io_context ioc;
  net::tcp::acceptor acceptor(ioc, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  config::UpstreamConfig cfg;
  cfg.pool_idle_timeout = config::Duration(0);  // every idle connection has expired at once
  UpstreamPool pool(ioc.get_executor(), nullptr, cfg);
  Origin origin;
  origin.host = "127.0.0.1";
  origin.port = acceptor.local_endpoint().port();
  origin.key = "http://127.0.0.1:" + std::to_string(origin.port);

  std::optional<Result<UpstreamConnectionPtr>> first, second;
  asio::co_spawn(
      ioc,
      [&]() -> net::Task<void> {
        first.emplace(co_await pool.Acquire(origin));
        second.emplace(co_await pool.Acquire(origin));
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  ASSERT_TRUE(first && *first) << (first ? first->error().message : "not run");
  ASSERT_TRUE(second && *second) << (second ? second->error().message : "not run");
  net::tcp::socket first_peer = acceptor.accept();
  net::tcp::socket second_peer = acceptor.accept();

  using std::chrono::milliseconds;
  pool.Release(std::move(**first));
  EXPECT_FALSE(PeerClosed(first_peer, milliseconds(100)));  // released: idle, still open
  pool.Release(std::move(**second));
  EXPECT_TRUE(PeerClosed(first_peer, milliseconds(5000)));   // expired: closed by the next release
  EXPECT_FALSE(PeerClosed(second_peer, milliseconds(100)));  // the one just released stays
}

}  // namespace
}  // namespace warden::http
