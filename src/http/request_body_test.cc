#include "http/request_body.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace bhttp = net::http;

// Feeds `wire` to a request parser in pieces of `step` bytes, as reads would deliver it.
bhttp::request<RequestBody> Parse(std::string_view wire, std::size_t step, net::error_code& ec,
                                  std::uint64_t body_limit = 1 << 20) {
  bhttp::request_parser<RequestBody> parser;
  parser.eager(true);
  parser.body_limit(body_limit);
  std::string pending;
  for (std::size_t off = 0; off < wire.size() && !parser.is_done(); off += step) {
    pending.append(wire.substr(off, step));
    const std::size_t used = parser.put(net::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) return {};
  }
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(RequestBody, ReadsAContentLengthBodyInAnyPieces) {
  const std::string body(5000, 'x');
  const std::string wire =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + body;
  for (std::size_t step : {1u, 7u, 512u, 100000u}) {
    net::error_code ec;
    const auto req = Parse(wire, step, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(req.body(), body) << "step " << step;
  }
}

TEST(RequestBody, ReadsAChunkedBody) {
  const std::string wire =
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
  net::error_code ec;
  const auto req = Parse(wire, 3, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(req.body(), "hello world");
}

TEST(RequestBody, TheParsersBodyLimitStillApplies) {
  net::error_code ec;
  Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", 4, ec, 10);
  EXPECT_EQ(ec, bhttp::error::body_limit);
  Parse(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello "
      "world\r\n0\r\n\r\n",
      4, ec, 10);
  EXPECT_EQ(ec, bhttp::error::body_limit);
}

}  // namespace
}  // namespace warden::http
