#include "http/upstream_pool.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
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

// The events epoll watches for on `fd`, from /proc/self/fdinfo of this process's epoll instances
// (a "tfd: FD events: MASK" line each); nullopt when no instance has it.
std::optional<std::uint32_t> EpollEventsOf(int fd) {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(entry.path(), ec).string() != "anon_inode:[eventpoll]") continue;
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    for (std::string line; std::getline(info, line);) {
      std::istringstream in(line);
      std::string tag, events_tag;
      int tfd = -1;
      std::uint32_t events = 0;
      if (in >> tag >> tfd >> events_tag >> std::hex >> events && tag == "tfd:" && tfd == fd) {
        return events;
      }
    }
  }
  return std::nullopt;
}

// A connected upstream socket is watched for reading only: Asio registers a connecting socket
// for EPOLLOUT and keeps it, which made epoll report every pooled connection writable once per
// response (an event per request that woke nothing).
TEST(UpstreamPool, AConnectedSocketIsNotWatchedForWriting) {
  asio::io_context ioc;
  net::tcp::acceptor acceptor(ioc, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  UpstreamPool pool(ioc.get_executor(), nullptr, config::UpstreamConfig{});
  Origin origin;
  origin.host = "127.0.0.1";
  origin.port = acceptor.local_endpoint().port();
  origin.key = "http://127.0.0.1:" + std::to_string(origin.port);

  std::optional<Result<UpstreamConnectionPtr>> conn;
  asio::co_spawn(
      ioc, [&]() -> net::Task<void> { conn.emplace(co_await pool.Acquire(origin)); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  ASSERT_TRUE(conn && *conn) << (conn ? conn->error().message : "not run");
  net::tcp::socket peer = acceptor.accept();
  const int fd = (**conn)->stream.Tcp().socket().native_handle();
  const std::optional<std::uint32_t> events = EpollEventsOf(fd);
  ASSERT_TRUE(events.has_value()) << "socket " << fd << " is not registered with epoll";
  EXPECT_NE(*events & EPOLLIN, 0u) << std::hex << *events;
  EXPECT_EQ(*events & EPOLLOUT, 0u) << std::hex << *events;

  // Still a working connection: what the peer sends is read through the pool's stream.
  const std::string hello = "hello";
  asio::write(peer, asio::buffer(hello));
  std::string got(hello.size(), '\0');
  asio::read((**conn)->stream.Tcp().socket(), asio::buffer(got));
  EXPECT_EQ(got, hello);
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
