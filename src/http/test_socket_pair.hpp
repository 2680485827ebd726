// Test support for this layer's unit tests (not part of the product): a connected TCP pair on
// 127.0.0.1 whose server side is wrapped as warden's sessions wrap it.
// Thread safety: one test thread. Ownership: owns its io_context and both sockets.
#pragma once

#include <exception>
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

}  // namespace warden::http
