// Feeding fuzz bytes to a Beast HTTP parser the way Beast's own read algorithms do.
//
// ReadSome mirrors http::async_read_some (boost/beast/http/impl/read.hpp, read_some_op): put()
// what is buffered, read more only on need_more, map EOF to put_eof() or end_of_stream.
// ReadHeader/Read loop it like http::async_read_header/async_read. The "socket" is the fuzz
// input handed out in chunks of a size chosen by the input, so that split points vary.
// Header-only Beast: no BOOST_BEAST_SEPARATE_COMPILATION in the fuzz build.
#pragma once

#include <utility>  // asio/awaitable.hpp uses std::exchange without including it (Debian 12)

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace warden::fuzz {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;

// The peer: hands out `data` in reads of at most `chunk` bytes, then EOF.
class ChunkedSource {
 public:
  ChunkedSource(std::string_view data, std::size_t chunk)
      : data_(data), chunk_(chunk ? chunk : 1) {}
  // Reads into `buffer` like a socket read of at most `max` bytes; false at EOF.
  bool ReadInto(beast::flat_buffer& buffer, std::size_t max) {
    if (pos_ == data_.size()) return false;
    std::size_t n = std::min({max, chunk_, data_.size() - pos_});
    auto dst = buffer.prepare(n);
    std::memcpy(dst.data(), data_.data() + pos_, n);
    buffer.commit(n);
    pos_ += n;
    return true;
  }
  std::size_t consumed() const { return pos_; }

 private:
  std::string_view data_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

// One http::read_some, step for step as read_some_op: returns bytes consumed by the parser.
template <bool isRequest>
std::size_t ReadSome(ChunkedSource& src, beast::flat_buffer& buffer,
                     bhttp::basic_parser<isRequest>& parser, error_code& ec) {
  ec = {};
  std::size_t total = 0;
  bool parse_first = buffer.size() > 0;
  for (;;) {
    if (parse_first) {
      std::size_t used = parser.put(buffer.data(), ec);
      total += used;
      buffer.consume(used);
      if (ec != bhttp::error::need_more) return total;
    }
    parse_first = true;
    // do_read: read_size(buffer, 65536)
    std::size_t size = beast::read_size(buffer, 65536);
    if (size == 0) {
      ec = bhttp::error::buffer_overflow;
      return total;
    }
    if (!src.ReadInto(buffer, size)) {  // EOF
      ec = {};
      if (parser.got_some()) {
        parser.put_eof(ec);
        if (!ec) BOOST_ASSERT(parser.is_done());
        return total;
      }
      ec = bhttp::error::end_of_stream;
      return total;
    }
  }
}

// http::read_header
template <bool isRequest>
void ReadHeader(ChunkedSource& src, beast::flat_buffer& buffer,
                bhttp::basic_parser<isRequest>& parser, error_code& ec) {
  parser.eager(false);
  if (parser.is_header_done()) {
    ec = {};
    return;
  }
  do {
    ReadSome(src, buffer, parser, ec);
  } while (!ec && !parser.is_header_done());
}

// http::read (the whole message)
template <bool isRequest>
void Read(ChunkedSource& src, beast::flat_buffer& buffer, bhttp::basic_parser<isRequest>& parser,
          error_code& ec) {
  parser.eager(true);
  if (parser.is_done()) {
    ec = {};
    return;
  }
  do {
    ReadSome(src, buffer, parser, ec);
  } while (!ec && !parser.is_done());
}

}  // namespace warden::fuzz
