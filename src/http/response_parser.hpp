// A provider's response, parsed by Beast's parser without building a Beast message: the status
// and fields are copied into memory the connection reuses (HeadFields), and the body goes to
// the buffer or string its reader names. Beast's response parser would allocate one element per
// header field, sort them into a set and free them again on every response; the relay only reads
// each field once, to forward it, and classification reads two (Connection, Retry-After).
//
// Framing, limits and errors are Beast's own (basic_parser: Content-Length, chunked, keep-alive,
// header_limit, body_limit, eager), so ParseBuffered and ReadUntil (inline_io.hpp) drive it like
// any Beast parser.
// Ownership: the parser borrows its HeadFields, and the body buffer or string while they are
// set; the fields stay readable after the parser is gone, until they are cleared.
// Thread safety: none; like the connection it reads from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "http/head_fields.hpp"
#include "http/net.hpp"

namespace warden::http {

class ResponseParser final : public net::http::basic_parser<false> {
 public:
  // Clears `fields` and parses the next response's head into it.
  explicit ResponseParser(HeadFields& fields);

  unsigned status() const { return status_; }
  unsigned version() const { return version_; }  // 10 or 11
  const HeadFields& fields() const { return fields_; }

  // The body's next bytes go to `buffer`, as Beast's buffer_body: when it is full, parsing stops
  // with error::need_buffer. body_written() is how many bytes it holds.
  void BodyInto(std::span<char> buffer);
  std::size_t body_written() const { return written_; }
  // The body is appended to `out` (bound it with body_limit()).
  void BodyInto(std::string& out);

 private:
  void on_request_impl(net::http::verb, net::beast::string_view, net::beast::string_view, int,
                       net::error_code&) override {}
  void on_response_impl(int code, net::beast::string_view reason, int version,
                        net::error_code& ec) override;
  void on_field_impl(net::http::field id, net::beast::string_view name,
                     net::beast::string_view value, net::error_code& ec) override;
  void on_header_impl(net::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         net::error_code& ec) override;
  std::size_t on_body_impl(net::beast::string_view body, net::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, net::beast::string_view, net::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, net::beast::string_view body,
                                 net::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(net::error_code&) override {}

  HeadFields& fields_;
  unsigned status_ = 0;
  unsigned version_ = 0;
  std::span<char> buffer_;
  std::size_t written_ = 0;
  std::string* string_ = nullptr;
};

}  // namespace warden::http
