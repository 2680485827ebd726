// AnyStream: a TCP stream that is either plain or TLS, behind one AsyncReadStream /
// AsyncWriteStream type, so Beast's HTTP operations are instantiated once for both (the server
// side with or without [gateway.tls], the upstream side for http:// or https:// providers).
//
// Timeouts use the lowest layer (beast::tcp_stream::expires_after). Per-operation cancellation
// passes through: the handler is forwarded unchanged, with its associated cancellation slot.
// Ownership: owns the socket (and the TLS state); the TLS context is shared with its creator.
// Thread safety: like any Asio stream — one outstanding read and one outstanding write at a time,
// all from the stream's executor (each event loop is single-threaded).
#pragma once

#include <variant>

#include "http/net.hpp"

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

  template <typename MutableBufferSequence, typename Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    if (auto* t = std::get_if<TcpStream>(&v_))
      return t->async_read_some(buffers, std::forward<Token>(token));
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
  std::variant<TcpStream, TlsStream> v_;
};

}  // namespace warden::http
