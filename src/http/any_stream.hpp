// AnyStream: a TCP stream that is either plain or TLS, behind one AsyncReadStream /
// AsyncWriteStream type, so Beast's HTTP operations are instantiated once for both (the server
// side with or without [gateway.tls], the upstream side for http:// or https:// providers).
//
// Timeouts: a Deadline (deadline.hpp) for reads; the lowest layer's expiry
// (beast::tcp_stream::expires_after) bounds writes and a TLS stream's reads. Per-operation
// cancellation passes through: the handler is forwarded unchanged, with its cancellation slot.
// Ownership: owns the socket (and the TLS state); the TLS context is shared with its creator.
// Thread safety: like any Asio stream — one outstanding read and one outstanding write at a time,
// all from the stream's executor (each event loop is single-threaded).
#pragma once

#include <variant>

#include "http/net.hpp"
#include "http/socket_receive.hpp"

namespace warden::http {

class AnyStream {
 public:
  using TcpStream = net::beast::tcp_stream;
  using TlsStream = net::beast::ssl_stream<net::beast::tcp_stream>;
  using executor_type = TcpStream::executor_type;

  explicit AnyStream(TcpStream s) : v_(std::in_place_type<TcpStream>, std::move(s)) {}
  explicit AnyStream(TlsStream s) : v_(std::in_place_type<TlsStream>, std::move(s)) {}
  AnyStream(AnyStream&&) = default;
  AnyStream& operator=(AnyStream&&) = default;

  executor_type get_executor() { return Tcp().get_executor(); }

  TcpStream& Tcp() {
    if (auto* t = std::get_if<TcpStream>(&v_)) return *t;
    return std::get<TlsStream>(v_).next_layer();
  }
  bool IsTls() const { return std::holds_alternative<TlsStream>(v_); }
  TlsStream* Tls() { return std::get_if<TlsStream>(&v_); }

  // A plain stream is read from its socket by AsyncReceive (socket_receive.hpp), into the first
  // non-empty buffer, as every plain read of a socket must be once one has drained it: Asio's own
  // receive would not look for a close that came with the last bytes. So the TcpStream's expiry
  // does not bound a plain read (a Deadline does); it still bounds a TLS stream's.
  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    if (auto* t = std::get_if<TcpStream>(&v_)) {
      return AsyncReceive(t->socket(), FirstNonEmpty(buffers), std::forward<Token>(token));
    }
    return std::get<TlsStream>(v_).async_read_some(buffers, std::forward<Token>(token));
  }

  template <typename ConstBufferSequence, typename Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    if (auto* t = std::get_if<TcpStream>(&v_))
      return t->async_write_some(buffers, std::forward<Token>(token));
    return std::get<TlsStream>(v_).async_write_some(buffers, std::forward<Token>(token));
  }

  // Closes the socket at once (no TLS close_notify): used for errors and cancellation.
  void Close() {
    net::error_code ec;
    Tcp().socket().shutdown(net::tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
  }

 private:
  template <typename MutableBufferSequence>
  static net::asio::mutable_buffer FirstNonEmpty(const MutableBufferSequence& buffers) {
    for (auto it = net::asio::buffer_sequence_begin(buffers);
         it != net::asio::buffer_sequence_end(buffers); ++it) {
      const net::asio::mutable_buffer buffer(*it);
      if (buffer.size() > 0) return buffer;
    }
    return {};
  }

  std::variant<TcpStream, TlsStream> v_;
};

}  // namespace warden::http
