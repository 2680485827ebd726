// ReadAheadStream: a borrowed AnyStream that first yields the bytes already read into a buffer
// (a session or an upstream connection reads ahead of the header it parsed), then reads from the
// stream. It lets a protocol that takes over a connection after an HTTP exchange — a WebSocket
// after its upgrade — start exactly where the HTTP parser stopped, so no byte is lost or read
// twice. It also carries the WebSocket teardown hooks Beast looks up for its next layer: a
// close that was answered ends with a TCP shutdown (no TLS close_notify, as AnyStream::Close),
// and a timed-out operation closes the socket.
//
// Ownership: borrows the stream and the buffer; both must outlive it (and every operation).
// Thread safety: like AnyStream — one read and one write at a time, from the stream's executor.
#pragma once

#include <utility>

#include <boost/beast/core/role.hpp>

#include "http/any_stream.hpp"
#include "http/net.hpp"

namespace warden::http {

class ReadAheadStream {
 public:
  using executor_type = AnyStream::executor_type;

  ReadAheadStream(AnyStream& stream, net::beast::flat_buffer& read_ahead)
      : stream_(&stream), read_ahead_(&read_ahead) {}

  executor_type get_executor() { return stream_->get_executor(); }
  AnyStream& stream() { return *stream_; }

  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return net::asio::async_initiate<Token, void(net::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& bufs) {
          if (read_ahead_->size() == 0) {
            stream_->async_read_some(bufs, std::move(handler));
            return;
          }
          const std::size_t n = net::asio::buffer_copy(bufs, read_ahead_->data());
          read_ahead_->consume(n);
          auto executor = net::asio::get_associated_executor(handler, get_executor());
          net::asio::post(executor,
                          net::beast::bind_front_handler(std::move(handler), net::error_code{}, n));
        },
        token, buffers);
  }

  template <typename ConstBufferSequence, typename Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return stream_->async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  AnyStream* stream_;
  net::beast::flat_buffer* read_ahead_;
};

// Beast's hooks for a ReadAheadStream (found by argument-dependent lookup): closing the socket
// when a WebSocket operation times out, and the teardown after a close handshake.
inline void beast_close_socket(ReadAheadStream& s) { s.stream().Close(); }

inline void teardown(net::beast::role_type, ReadAheadStream& s, net::error_code& ec) {
  s.stream().Tcp().socket().shutdown(net::tcp::socket::shutdown_both, ec);
}

template <typename TeardownHandler>
void async_teardown(net::beast::role_type, ReadAheadStream& s, TeardownHandler&& handler) {
  net::error_code ec;
  s.stream().Tcp().socket().shutdown(net::tcp::socket::shutdown_both, ec);
  net::asio::post(s.get_executor(),
                  net::beast::bind_front_handler(std::forward<TeardownHandler>(handler), ec));
}

}  // namespace warden::http
