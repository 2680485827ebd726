// Test support for this layer's unit tests (not part of the product): a connected TCP pair on
// 127.0.0.1 whose server side is wrapped as warden's sessions wrap it.
// Thread safety: one test thread. Ownership: owns its io_context and both sockets.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "http/any_stream.hpp"
#include "http/net.hpp"

namespace warden::http {

struct TestSocketPair {
  net::asio::io_context ioc{1};  // one thread, as warden's loops (http/socket_receive.hpp)
  net::tcp::socket client{ioc};
  std::optional<AnyStream> server;

  TestSocketPair() {
    net::tcp::acceptor acceptor(ioc,
                                net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server.emplace(net::beast::tcp_stream(acceptor.accept()));
  }
  // Runs `task` to completion on the loop.
  template <typename T>
  T Run(net::Task<T> task) {
    std::optional<T> out;
    net::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T v) {
      if (e) std::rethrow_exception(e);
      out = std::move(v);
    });
    ioc.run();
    ioc.restart();
    return std::move(*out);
  }
};

// Runs `ioc` until `done`, for at most `limit` (a lost completion fails the test, not hangs).
// (A loop that ran out of work stays stopped until restarted.)
inline void RunUntil(net::asio::io_context& ioc, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    ioc.restart();
    ioc.run_one_for(std::chrono::milliseconds(50));
  }
}

// Runs what is ready now, the reactor's events included: with no work counted, poll() would
// return without asking epoll.
inline void Poll(net::asio::io_context& ioc) {
  const auto work = net::asio::make_work_guard(ioc);
  ioc.restart();
  ioc.poll();
}

}  // namespace warden::http
