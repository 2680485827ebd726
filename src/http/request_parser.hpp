// RequestParser: reads a caller's request into a Request (request.hpp) with Beast's parser,
// without building a Beast message. Framing, limits and errors are Beast's own (basic_parser:
// Content-Length, chunked, keep-alive, header_limit, body_limit, eager), so ParseBuffered and
// ReadUntil (inline_io.hpp) drive it like any Beast parser. The body is appended to the
// request — never zero-filled first, as Beast's string_body does — after reserving the announced
// length once (the parser has checked it against body_limit); ReadUntil reads the rest of a
// large body straight into that reserved memory (DirectBodyRoom). Keep-alive is read
// from every Connection field; a chunked body's trailer fields are dropped. A complete request's
// body is followed by Request::kBodyPadding zeroed bytes (Request::PadBody).
// Ownership: the parser borrows the Request; the request stays readable after the parser is
// gone.
// Thread safety: none; like the connection it reads from.
#pragma once

#include <cstdint>

#include "http/net.hpp"
#include "http/request.hpp"

namespace warden::http {

class RequestParser final : public net::http::basic_parser<true> {
 public:
  // Clears `request` and parses the next request into it.
  explicit RequestParser(Request& request);

  // Where the rest of a Content-Length body can be read straight into the request, so its
  // bytes are not copied from the connection's buffer (ReadUntil uses it): the reserved room
  // for what is left of the body, once the header is parsed (the body is entered then if no
  // byte of it came with the header), and up to Request::kBodyPadding bytes past it. Empty
  // otherwise (the header not parsed, a chunked body, or nothing left). The room past the body
  // is what lets a read that stops short of it say that the socket is drained (AsyncReceive):
  // a read of exactly the rest of the body cannot, so the next receive would try at once and
  // fail with EAGAIN. Hand put() at most content_length_remaining() of what was read there; the
  // bytes after those are the next request's (pipelined), which the padding will overwrite.
  net::asio::mutable_buffer DirectBodyRoom();

 private:
  void on_request_impl(net::http::verb verb, net::beast::string_view method,
                       net::beast::string_view target, int version, net::error_code&) override;
  void on_response_impl(int, net::beast::string_view, int, net::error_code&) override {}
  void on_field_impl(net::http::field id, net::beast::string_view name,
                     net::beast::string_view value, net::error_code&) override;
  void on_header_impl(net::error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         net::error_code&) override;
  std::size_t on_body_impl(net::beast::string_view body, net::error_code&) override;
  void on_chunk_header_impl(std::uint64_t, net::beast::string_view, net::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, net::beast::string_view body,
                                 net::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(net::error_code&) override { request_.PadBody(); }

  Request& request_;
  bool body_started_ = false;  // on_body_init_impl ran: a Content-Length body is reserved
};

}  // namespace warden::http
